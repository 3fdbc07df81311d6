"""The docs name every rule code, config key and dialect the code has, so links never dangle."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain_lsp.config import KEYS, dialect_names, load_config
from domain_lsp.findings import RULES
from domain_lsp.trust import user_settings

DOCS = Path(__file__).resolve().parents[2] / "docs"


def headings(name: str) -> list[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return re.findall(r"^## (.+)$", text, re.MULTILINE)


def test_every_rule_has_a_section_whose_anchor_is_its_code() -> None:
    # GitHub's anchor for `## unknown-column` is `#unknown-column`, what Rule.href links to.
    sections = headings("rules.md")
    assert [code for code in sections if code in RULES] == list(RULES)
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    for code, rule in RULES.items():
        section = text.split(f"## {code}\n", 1)[1].split("\n## ", 1)[0]
        assert f"**Severity:** {rule.severity.label}" in section, code
        assert "**Fix offered:**" in section, code


def test_every_config_key_has_a_section() -> None:
    keys = {f"{table}.{key}" for table, names in KEYS.items() if table for key in names}
    documented = {h for h in headings("configuration.md") if "." in h and " " not in h}
    assert documented == keys


def test_the_dialect_list_is_sqlglots() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    listed = text.split("The accepted names:", 1)[1].split("(They are", 1)[0]
    assert re.findall(r"`([a-z0-9]+)`", listed) == dialect_names()


def test_every_toml_example_in_configuration_md_is_a_valid_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, re.DOTALL)
    assert len(blocks) >= 5
    for i, block in enumerate(blocks):
        name = "pyproject.toml" if "[tool.domain-lsp" in block else "domain-lsp.toml"
        path = tmp_path / str(i) / name
        path.parent.mkdir()
        path.write_text(block, encoding="utf-8")
        if block.startswith("# ~/.config/domain-lsp/config.toml"):
            monkeypatch.setenv("DOMAIN_LSP_USER_CONFIG", str(path))
            user_settings()  # the user config's own reader: raises UserConfigError on a stale example
            continue
        load_config(path)  # raises ConfigError on a stale example
