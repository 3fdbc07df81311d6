"""Syntax errors in the user's terms at the offending token (issue 15): sqlglot's internals
(`Required keyword: 'this' missing for <class ...Where>`) never reach the report, and a
misspelt first keyword is reported on that word, with the keyword meant."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.cli import run_cli

CASES = [
    ("SELEC 1;", "`SELEC` does not start a statement; did you mean `SELECT`?", "SELEC"),
    ("DELET FROM t;", "`DELET` does not start a statement; did you mean `DELETE`?", "DELET"),
    ("SELECT * FROM t WHERE;", "expected an expression after `WHERE`", "WHERE"),
    ("SELECT a FROM t ORDER BY;", "expected at least one item after `ORDER BY`", "ORDER BY"),
    ("SELECT * FROM t JOIN;", "expected table name after `JOIN`", "JOIN"),
    ("SELECT (a FROM t;", "expected `)` before `FROM`", "FROM"),
]


@pytest.mark.parametrize("dialect", ["snowflake", "bigquery"])
def test_syntax_errors_read_as_sql_and_sit_on_their_token(tmp_path: Path, dialect: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "domain-lsp.toml").write_text(f'[sql]\ndialect = "{dialect}"\n', encoding="utf-8")
    (tmp_path / "a.sql").write_text("\n".join(sql for sql, _, _ in CASES) + "\n", encoding="utf-8")
    result = run_cli(tmp_path, "check", "--format", "json", "a.sql")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == ""  # no sqlglot log line
    diagnostics = json.loads(result.stdout)["diagnostics"]
    got = []
    for d in diagnostics:
        start, end = d["range"]["start"], d["range"]["end"]
        line = CASES[start["line"]][0]
        got.append((start["line"], d["message"], line[start["character"] : end["character"]]))
    assert got == [(number, message, token) for number, (_, message, token) in enumerate(CASES)]
    assert not any("sqlglot" in d["message"] or "<class" in d["message"] for d in diagnostics)


BLOCK_DUCKDB = (
    "import sys; sys.modules['duckdb'] = None; "  # as on a machine without it (it is installed here)
    "import importlib.util; real = importlib.util.find_spec; "
    "importlib.util.find_spec = lambda name, *a: None if name == 'duckdb' else real(name, *a); "
    "from domain_lsp.cli import main; sys.exit(main())"
)


@pytest.mark.parametrize("command", ["check", "catalog"])
def test_a_missing_dialect_parser_is_said_once_with_its_install_line(tmp_path: Path, command: str) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "domain-lsp.toml").write_text('[sql]\ndialect = "duckdb"\n', encoding="utf-8")
    for name in ("a.sql", "b.sql"):
        (tmp_path / name).write_text("SELECT 1;\nSELECT 2;\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_DUCKDB, command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if "duckdb" in line]
    assert len(lines) == 1, result.stderr
    assert "pip install 'domain-lsp[duckdb]'" in lines[0]


def test_without_a_dialect_sql_a_database_accepts_is_not_a_syntax_error(tmp_path: Path) -> None:
    """sqlglot's generic parser reads `glob(...)` as SQLite's GLOB operator; DuckDB (and the
    file's own author) call it as a table function. What a database at hand accepts is valid."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.sql").write_text(
        "SELECT file FROM glob($1) ORDER BY file;\nSELECT 1 FROM glob('x/*') UNION ALL SELECT 2 LIMIT 1;\n"
        "SELECT * FROM t WHERE;\n",
        encoding="utf-8",
    )
    (tmp_path / "job.py").write_text(
        'QUERY = "SELECT file FROM glob($1) ORDER BY file"\ncon.execute(QUERY, [p])\n', encoding="utf-8"
    )
    result = run_cli(tmp_path, "check", "--format", "json", ".")
    found = [(d["path"], d["range"]["start"]["line"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]]
    assert found == [("a.sql", 2, "syntax-error")], result.stdout
