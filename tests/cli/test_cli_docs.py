"""docs/cli.md names every command and option the parser has, so no flag goes undocumented."""

from __future__ import annotations

import argparse
from pathlib import Path

from domain_lsp.cli import build_parser

CLI_MD = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


def test_every_command_has_a_section() -> None:
    text = CLI_MD.read_text(encoding="utf-8")
    for name in _commands():
        assert f"## domain-lsp {name}\n" in text, name


def test_every_option_is_documented() -> None:
    text = CLI_MD.read_text(encoding="utf-8")
    missing = [
        f"{name} {option}"
        for name, command in _commands().items()
        for action in command._actions
        for option in action.option_strings
        if option not in ("-h", "--help") and f"`{option}" not in text and f"**{option}" not in text
    ]
    assert missing == []
