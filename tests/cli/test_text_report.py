"""The text report: an excerpt of a very long source line with the marker still under the token,
and nothing from the workspace that could drive a terminal or a CI runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def check(root: Path, *files: str) -> subprocess.CompletedProcess[str]:
    (root / ".git").mkdir(exist_ok=True)
    (root / "schema.sql").write_text("CREATE TABLE orders (id int);\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", *files],
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_long_line_is_cut_around_the_finding(tmp_path: Path) -> None:
    (tmp_path / "long.sql").write_text("SELECT " + "1, " * 5000 + "nope FROM orders;\n", encoding="utf-8")
    result = check(tmp_path, "long.sql")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    source, marker = lines[1], lines[2]
    assert len(source) <= 4 + 200
    start = marker.index("^")
    assert source[start : start + 4] == "nope" and marker[start:] == "^^^^"


def test_identifiers_with_line_breaks_and_escapes_stay_on_their_line(tmp_path: Path) -> None:
    (tmp_path / "q.sql").write_text(
        'SELECT "a\n::warning::pwned", "b\rc", "d\x1b[31me" FROM orders;\n', encoding="utf-8", newline=""
    )
    result = check(tmp_path, "q.sql")
    assert result.returncode == 1, result.stderr
    messages = [line for line in result.stdout.split("\n") if line.startswith("q.sql:")]
    assert [m.split(" column ", 1)[1].split(" does not", 1)[0] for m in messages] == [
        "`a\\n::warning::pwned`",
        "`b\\rc`",
        "`d\\x1b[31me`",
    ]
    assert not any(line.lstrip().startswith("::") for line in result.stdout.split("\n"))
    assert "\x1b" not in result.stdout and "\r" not in result.stdout


def test_the_marker_stays_under_the_token_after_escapes(tmp_path: Path) -> None:
    (tmp_path / "q.sql").write_text("SELECT '\x1b[2J\x7f', nope FROM orders;\n", encoding="utf-8")
    lines = check(tmp_path, "q.sql").stdout.splitlines()
    source, marker = lines[1], lines[2]
    assert source == "    SELECT '\\x1b[2J\\x7f', nope FROM orders;"
    start = marker.index("^")
    assert source[start : start + 4] == "nope" and marker[start:] == "^^^^"


def test_no_line_is_a_ci_command(tmp_path: Path) -> None:
    """GitHub runs `::cmd::` at a line's start after its indentation, and `##[cmd]` anywhere in a
    line, as Azure does `##vso[cmd]`."""
    for name in ("::error::x.sql", " ::warning::space.sql", "#hash.sql"):
        (tmp_path / name).write_text("SELECT nope FROM orders;\n", encoding="utf-8")
    (tmp_path / "q.sql").write_text(
        "SELECT nope FROM orders; -- ##[warning]legacy ##vso[task.complete result=Failed]\n  ::warning::x\n",
        encoding="utf-8",
    )
    result = check(tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    paths = sorted(line.split(":1:", 1)[0] for line in lines if ":1:1: " in line or ":1:8: " in line)
    assert paths == ["./ ::warning::space.sql", "./#hash.sql", "./::error::x.sql", "q.sql"]
    assert not any(line.lstrip().startswith("::") for line in lines)
    assert "##[" not in result.stdout and "##vso[" not in result.stdout
    assert "    SELECT nope FROM orders; -- ##\\x5bwarning]legacy ##vso\\x5btask.complete result=Failed]" in lines
    assert "      \\x3a:warning::x" in lines  # the source line of the syntax error, its `::` shown escaped
