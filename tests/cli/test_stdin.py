"""`domain-lsp check -`: the text on stdin, checked as the file `--stdin-filename` names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.process import run_cli, write


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    write(
        root / "domain-lsp.toml",
        '[sql]\ndialect = "postgres"\nschemas = ["schema.sql"]\n\n[packages]\ndeny = { requests = "use httpx" }\n',
    )
    write(root / "schema.sql", "CREATE TABLE orders (id int, total numeric);\n")
    return root


def test_stdin_without_a_name_is_stdin_sql(workspace: Path) -> None:
    result = run_cli(workspace, "check", "-", stdin="SELECT totl FROM orders;\n")
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0].startswith("stdin.sql:1:8: error[unknown-column] column `totl`")
    assert result.stdout.endswith("1 error, 0 warnings in 1 file checked\n")


@pytest.mark.parametrize(("name", "code"), [("jobs/sync.py", "denied-package"), ("jobs/sync.sql", "syntax-error")])
def test_the_name_decides_sql_or_python(workspace: Path, name: str, code: str) -> None:
    result = run_cli(workspace, "check", "-", "--stdin-filename", name, "--format", "json", stdin="import requests\n")
    assert result.returncode == 1, result.stderr
    diagnostics = json.loads(result.stdout)["diagnostics"]
    assert [(d["path"], d["code"]) for d in diagnostics] == [(name, code)]


def test_the_name_decides_the_config(workspace: Path) -> None:
    write(workspace / "billing" / "domain-lsp.toml", '[sql]\ndialect = "postgres"\nschemas = ["ledger.sql"]\n')
    write(workspace / "billing" / "ledger.sql", "CREATE TABLE invoices (id int);\n")
    query = "SELECT id FROM invoices;\n"
    assert run_cli(workspace, "check", "-", "--stdin-filename", "billing/q.sql", stdin=query).returncode == 0
    outside = run_cli(workspace, "check", "-", "--stdin-filename", "q.sql", stdin=query)
    assert outside.returncode == 1 and "error[unknown-table] table `invoices`" in outside.stdout


def test_stdin_filename_alone_reads_stdin(workspace: Path) -> None:
    result = run_cli(workspace, "check", "--stdin-filename", "q.sql", stdin="SELECT id FROM orders;\n")
    assert (result.returncode, result.stdout) == (0, "0 errors, 0 warnings in 1 file checked\n")


def test_the_file_of_that_name_on_disk_is_not_read(workspace: Path) -> None:
    write(workspace / "reports" / "q.sql", "SELECT nope FROM orders;\n")
    result = run_cli(workspace, "check", "-", "--stdin-filename", "reports/q.sql", stdin="SELECT id FROM orders;\n")
    assert (result.returncode, result.stdout) == (0, "0 errors, 0 warnings in 1 file checked\n")
    assert (workspace / "reports" / "q.sql").read_text() == "SELECT nope FROM orders;\n"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_stdin_reports_what_the_same_file_on_disk_would(workspace: Path, fmt: str) -> None:
    text = "SELECT totl,\n       NVL(total, 0)\nFROM orders o JOIN ordrs p ON o.id = p.id;\n"
    write(workspace / "reports" / "q.sql", text)
    on_disk = run_cli(workspace, "check", "reports/q.sql", "--format", fmt)
    piped = run_cli(workspace, "check", "-", "--stdin-filename", "reports/q.sql", "--format", fmt, stdin=text)
    assert on_disk.returncode == piped.returncode == 1, on_disk.stderr + piped.stderr
    assert piped.stdout == on_disk.stdout


def test_invalid_utf8_on_stdin_is_checked_with_a_warning(workspace: Path) -> None:
    result = run_cli(workspace, "check", "-", "--format", "json", stdin_bytes=b"SELECT totl FROM orders; -- \xff\n")
    codes = [d["code"] for d in json.loads(result.stdout)["diagnostics"]]
    assert (result.returncode, codes) == (1, ["unknown-column", "file-error"])


def test_binary_on_stdin_is_not_checked(workspace: Path) -> None:
    result = run_cli(workspace, "check", "-", stdin_bytes=b"SELECT \0\0\0")
    assert result.returncode == 0, result.stderr
    assert "warning[file-error] binary file (NUL bytes), not checked" in result.stdout


def test_empty_stdin_is_clean(workspace: Path) -> None:
    result = run_cli(workspace, "check", "-", stdin="")
    assert (result.returncode, result.stdout) == (0, "0 errors, 0 warnings in 1 file checked\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-", "schema.sql"], "`-` (stdin) cannot be combined with other paths"),
        (["schema.sql", "--stdin-filename", "q.sql"], "--stdin-filename names the text read from stdin"),
        (["-", "--diff", "HEAD"], "--diff cannot judge a text read from stdin"),
        (["-", "--shard", "1/2"], "--shard cannot judge a text read from stdin"),
    ],
)
def test_stdin_usage_errors(workspace: Path, args: list[str], message: str) -> None:
    result = run_cli(workspace, "check", *args, stdin="SELECT 1;\n")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"domain-lsp: error: {message}")
