"""`check --exit-zero`, `--statistics`, `--output-file` and `--color`, through the real process."""

from __future__ import annotations

import json
import os
import pty
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from domain_lsp.findings import RULES
from tests.cli.process import COLOR_CODE, TIMEOUT, cli_env, run_cli, write


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    write(root / "domain-lsp.toml", '[sql]\ndialect = "postgres"\nschemas = ["schema.sql"]\n')
    write(root / "schema.sql", "CREATE TABLE orders (id int, total numeric);\nCREATE TABLE customers (id int);\n")
    write(root / "a.sql", "SELECT totl, nme FROM orders;\nSELECT id FROM ordrs;\n")
    write(root / "b.sql", "SELECT NVL(total, 0), idd FROM orders;\n")
    return root


def check(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(root, "check", *args, env=cli_env(root, **env))


# -- --exit-zero ------------------------------------------------------------------------------


def test_exit_zero_keeps_the_report_and_exits_0(workspace: Path) -> None:
    plain, zero = check(workspace), check(workspace, "--exit-zero")
    assert (plain.returncode, zero.returncode) == (1, 0)
    assert zero.stdout == plain.stdout and "error[unknown-column]" in zero.stdout


def test_exit_zero_does_not_hide_a_usage_error(workspace: Path) -> None:
    result = check(workspace, "--exit-zero", "--select", "unknown-colum")
    assert result.returncode == 2 and result.stdout == ""


# -- --statistics -----------------------------------------------------------------------------


def test_statistics_count_each_code_most_first_then_by_code(workspace: Path) -> None:
    result = check(workspace, "--statistics")
    assert result.returncode == 1, result.stderr
    rows = [
        ("unknown-column", 3),
        ("unknown-function", 1),  # ties: by code
        ("unknown-table", 1),
    ]
    expected = [f"{code:<16}  {count}  {RULES[code].summary}" for code, count in rows]
    assert result.stdout.splitlines() == [*expected, "5 errors, 0 warnings in 3 files checked"]


def test_statistics_are_the_same_bytes_every_run_and_with_workers(workspace: Path) -> None:
    runs = {check(workspace, "--statistics", *jobs).stdout for jobs in ([], [], ["--jobs", "2"])}
    assert len(runs) == 1


def test_statistics_as_json(workspace: Path) -> None:
    result = check(workspace, "--statistics", "--format", "json")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["version"] == 1
    assert [(s["code"], s["count"]) for s in document["statistics"]] == [
        ("unknown-column", 3),
        ("unknown-function", 1),
        ("unknown-table", 1),
    ]
    assert document["statistics"][0]["summary"] == RULES["unknown-column"].summary


def test_statistics_follow_select_and_exit_zero(workspace: Path) -> None:
    result = check(workspace, "--statistics", "--select", "unknown-table", "--exit-zero")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].split()[:2] == ["unknown-table", "1"]
    assert len(result.stdout.splitlines()) == 2


def test_statistics_in_a_format_that_cannot_hold_them_is_a_usage_error(workspace: Path) -> None:
    result = check(workspace, "--statistics", "--format", "sarif")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "domain-lsp: error: --statistics prints text or json, not sarif\n"


# -- --output-file ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_output_file_holds_what_stdout_would(workspace: Path, fmt: str) -> None:
    plain = check(workspace, "--format", fmt)
    written = check(workspace, "--format", fmt, "--output-file", "../report.out")
    assert (written.returncode, written.stdout, written.stderr) == (1, "", "")
    assert (workspace.parent / "report.out").read_text(encoding="utf-8") == plain.stdout


def test_output_file_replaces_an_old_report_keeping_its_mode(workspace: Path) -> None:
    report = workspace.parent / "report.txt"
    report.write_text("an old report\n" * 1000)
    report.chmod(0o640)
    result = check(workspace, "-o", str(report))
    assert result.returncode == 1, result.stderr
    assert report.read_text().startswith("a.sql:1:8: error[unknown-column]")
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert sorted(p.name for p in workspace.parent.iterdir() if p.name.startswith(".report")) == []  # no temp left


def test_output_file_in_a_missing_folder_is_a_usage_error(workspace: Path) -> None:
    result = check(workspace, "--output-file", "nowhere/report.txt")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("domain-lsp: error: --output-file: cannot write nowhere/report.txt")
    assert not (workspace / "nowhere").exists()


def test_output_file_with_exit_zero(workspace: Path) -> None:
    result = check(workspace, "--output-file", "../r.json", "--format", "json", "--exit-zero")
    assert (result.returncode, result.stdout) == (0, "")
    assert len(json.loads((workspace.parent / "r.json").read_text())["diagnostics"]) == 5


# -- --color ----------------------------------------------------------------------------------


def test_color_always_wraps_our_words_and_strips_to_the_plain_output(workspace: Path) -> None:
    plain, colored = check(workspace), check(workspace, "--color", "always")
    assert "\x1b[1;31merror\x1b[0m" in colored.stdout
    assert "\x1b[1;31m^^^^\x1b[0m" in colored.stdout  # the marker under `totl`
    assert COLOR_CODE.sub("", colored.stdout) == plain.stdout


@pytest.mark.parametrize(
    ("args", "env", "colored"),
    [
        ([], {}, False),  # a pipe is not a terminal
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "0"}, False),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        (["--color", "always"], {"NO_COLOR": "1"}, True),  # the flag is the user's latest word
    ],
)
def test_color_auto_in_a_pipe_follows_the_environment(
    workspace: Path, args: list[str], env: dict[str, str], colored: bool
) -> None:
    result = check(workspace, *args, **env)
    assert result.returncode == 1, result.stderr
    assert ("\x1b[" in result.stdout) is colored


def _on_a_terminal(root: Path, *args: str, **env: str) -> str:
    """The command's stdout when it is a pseudo-terminal."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "domain_lsp", "check", *args],
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=follower,
            stderr=subprocess.PIPE,
            env=cli_env(root, TERM="xterm", **env),
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=TIMEOUT) == 1
    finally:
        os.close(leader)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminals as Linux has them")
def test_color_auto_on_a_terminal(workspace: Path) -> None:
    assert "\x1b[1;31merror\x1b[0m" in _on_a_terminal(workspace)
    assert "\x1b[" not in _on_a_terminal(workspace, NO_COLOR="1")
    assert "\x1b[" not in _on_a_terminal(workspace, "--color", "never")


def test_color_never_reaches_an_output_file_unless_asked(workspace: Path) -> None:
    assert check(workspace, "-o", "../r.txt", FORCE_COLOR="1").returncode == 1
    assert "\x1b" not in (workspace.parent / "r.txt").read_text()
    assert check(workspace, "-o", "../r.txt", "--color", "always").returncode == 1
    assert "\x1b[1;31merror" in (workspace.parent / "r.txt").read_text()


@pytest.mark.parametrize("fmt", ["json", "sarif", "github", "gitlab"])
def test_color_is_for_the_text_format_only(workspace: Path, fmt: str) -> None:
    result = check(workspace, "--format", fmt, "--color", "always")
    assert result.returncode == 1, result.stderr
    assert "\x1b" not in result.stdout


def test_color_codes_never_sit_inside_workspace_text(workspace: Path) -> None:
    # Identifiers and a file name with terminal escapes and runner commands: escaped as ever,
    # and every escape character left in the output is one of our colour codes.
    write(workspace / "x\x1b[2J.sql", 'SELECT "a\x1b[31m\n::error::b" FROM orders;\nSELECT 1 ##[error]x FROM orders;\n')
    colored = check(workspace, "--color", "always")
    plain = check(workspace, "--color", "never")
    assert colored.returncode == plain.returncode == 1
    assert "\x1b" not in COLOR_CODE.sub("", colored.stdout)
    assert COLOR_CODE.sub("", colored.stdout) == plain.stdout
    assert "x\\x1b[2J.sql" in plain.stdout and "`a\\x1b[31m\\n::error::b`" in plain.stdout
    for line in COLOR_CODE.sub("", colored.stdout).splitlines():
        assert not line.lstrip().startswith("::") and "##[" not in line
