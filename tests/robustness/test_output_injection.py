"""Nothing in a workspace can steer what `domain-lsp check` prints (docs/security.md §6).

CI logs are read by runners that act on some lines: GitHub Actions runs a line that starts with
`::command::` (after leading whitespace) as a workflow command, and `##[command]` anywhere in a
line; Azure Pipelines `##vso[...]`. Terminals act on control characters. The workspace here puts
such text in identifiers (a quoted identifier can hold a real line break), in source lines and in
file names, and every format is run through the real CLI.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

RUN_BOUND = 120  # seconds; a hang guard, not a timing assert
SQL = (
    'SELECT "a\n::error::x" FROM orders;\n'  # a real line break inside a quoted identifier
    'SELECT "b%0A::warning::x" FROM orders;\n'  # GitHub's own escape, which must stay literal text
    'SELECT "c\r::warning::cr" FROM orders;\n'
    'SELECT "d\x1b[31mred\x1b]8;;http://x\x07\x9b2J" FROM orders;\n'
    "SELECT nope FROM orders; -- ##[warning]legacy ##vso[task.complete result=Failed]\n"
    "  ::warning::in-source\n"  # a syntax error whose source line is shown under it
)
FILE_NAMES = (
    "::error::x.sql",
    " ::warning::space.sql",
    "new\n::error::line.sql",
    "##[error]hash.sql",
    "\x1b[2Jclear.sql",
)
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")
"""What no output may hold raw: every control character but the newline ending each line."""
FINDING_LINE = re.compile(r".+:\d+:\d+: (error|warning|information|hint)\[[a-z-]+\] .*")
ANNOTATION = re.compile(r"::(error|warning|notice) file=[^:,]*(,[a-zA-Z]+=[^:,]*)*::.*")
"""One of our annotations: properties are escaped, so the first `::` after the command is ours."""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile-output")
    (root / ".git").mkdir()
    (root / "schema.sql").write_text("CREATE TABLE orders (id int);\n", encoding="utf-8")
    (root / "q.sql").write_text(SQL, encoding="utf-8", newline="")
    for name in FILE_NAMES:
        (root / name).write_text("SELECT nope FROM orders;\n", encoding="utf-8")
    (root / os.fsdecode(b"not-utf8-\xff.sql")).write_text("SELECT nope FROM orders;\n", encoding="utf-8")
    return root


def check(root: Path, output_format: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", "--format", output_format],
        cwd=root,
        capture_output=True,
        timeout=RUN_BOUND,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 1, result.stderr
    return result.stdout.decode("utf-8")  # strict: the output is always valid UTF-8


@pytest.fixture(scope="module")
def findings(workspace: Path) -> int:
    count = len(json.loads(check(workspace, "json"))["diagnostics"])
    assert count == len(FILE_NAMES) + 1 + 6  # one per file, and q.sql's five columns and one syntax error
    return count


def lines_of(output: str) -> list[str]:
    assert output.endswith("\n")
    return output[:-1].split("\n")


def test_github_prints_one_annotation_per_finding_and_nothing_else_a_runner_would_run(
    workspace: Path, findings: int
) -> None:
    output = check(workspace, "github")
    assert CONTROL.search(output) is None
    *annotations, summary = lines_of(output)
    assert summary.startswith("domain-lsp: ") and "##" not in summary
    assert len(annotations) == findings
    assert all(ANNOTATION.fullmatch(line) for line in annotations)
    assert "column `a%0A::error::x` does not exist" in output  # the identifier's line break, escaped
    assert "column `b%250A::warning::x` does not exist" in output  # a literal %0A stays literal
    assert "column `d\\x1b[31mred\\x1b]8;;http://x\\x07\\x9b2J` does not exist" in output


def test_text_output_has_no_control_character_and_no_line_a_runner_would_run(workspace: Path, findings: int) -> None:
    output = check(workspace, "text")
    assert CONTROL.search(output) is None
    assert "##[" not in output and "##vso[" not in output
    lines = lines_of(output)
    assert not any(line.lstrip().startswith("::") for line in lines)
    # Every line is a finding, the source line or marker under one (indented), or the summary.
    headers = [line for line in lines if not line.startswith("    ")]
    assert len(headers) == findings + 1 and headers[-1].endswith(" checked")
    assert all(FINDING_LINE.fullmatch(line) for line in headers[:-1])
    shown = {line.split(":1:8: ", 1)[0] for line in headers if ":1:8: " in line} - {"q.sql"}
    assert shown == {
        "./::error::x.sql",
        "./ ::warning::space.sql",
        "new\\n::error::line.sql",
        "./##\\x5berror]hash.sql",
        "./\\x1b[2Jclear.sql",
        "not-utf8-\\udcff.sql",
    }
    assert "column `a\\n::error::x` does not exist" in output
    assert "column `c\\r::warning::cr` does not exist" in output
    assert "      \\x3a:warning::in-source" in lines


@pytest.mark.parametrize("output_format", ["json", "sarif", "gitlab"])
def test_json_formats_keep_every_message_inside_its_string(workspace: Path, findings: int, output_format: str) -> None:
    output = check(workspace, output_format)
    assert CONTROL.search(output) is None
    assert not any(line.lstrip().startswith(("::", "##")) for line in lines_of(output))
    document = json.loads(output)
    if output_format == "json":
        messages = [d["message"] for d in document["diagnostics"]]
    elif output_format == "sarif":
        messages = [r["message"]["text"] for r in document["runs"][0]["results"]]
    else:
        messages = [issue["description"] for issue in document]
    assert len(messages) == findings
    assert any("`a\n::error::x`" in m for m in messages)  # unchanged: JSON escaping is lossless
    assert any("`c\r::warning::cr`" in m for m in messages)


def test_catalog_text_output_escapes_the_config_s_paths_and_the_sources_messages(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "domain-lsp.toml").write_text(
        '[[sql.sources]]\nkind = "sqlite"\npath = "::error::x.db"\n\n'
        '[[sql.sources]]\nkind = "sqlite"\npath = " ::warning::y\\n::error::z\\u001b[2J.db"\n',
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "catalog"],
        cwd=tmp_path,
        capture_output=True,
        timeout=RUN_BOUND,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 1, result.stderr  # both files are missing, and said so
    output = result.stdout.decode("utf-8")
    assert CONTROL.search(output) is None
    lines = lines_of(output)
    assert len(lines) == 5  # per source, its line and its problem's; then the totals
    assert not any(line.lstrip().startswith("::") for line in lines)
    assert "no database file at " in lines[3] and "::warning::y\\n::error::z\\x1b[2J.db" in lines[3]


def test_a_config_error_on_stderr_is_one_line_whatever_the_key(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "domain-lsp.toml").write_text('[sql]\n"a\\n::error::x\\u001b[2J" = 1\n', encoding="utf-8")
    (tmp_path / "q.sql").write_text("SELECT 1;\n", encoding="utf-8")  # a config is read for the files it covers
    result = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", "--format", "github"],
        cwd=tmp_path,
        capture_output=True,
        timeout=RUN_BOUND,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 2 and result.stdout == b""
    stderr = result.stderr.decode("utf-8")
    assert CONTROL.search(stderr) is None
    [line] = lines_of(stderr)
    assert line.startswith("domain-lsp: config error: ") and "sql.a\\n::error::x\\x1b[2J: unknown key" in line
