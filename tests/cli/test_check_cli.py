"""`domain-lsp check` as a process, in small workspaces built in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCHEMA = """\
CREATE TABLE sales.orders (id int, customer_id int, total numeric);
CREATE TABLE core.customers (id int, name text);
CREATE TABLE core.orders (id int, placed date);
"""


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def diagnostics(cwd: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    result = run(cwd, "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["version"] == 1
    return result.returncode, report["diagnostics"]


def found(items: list[dict[str, Any]]) -> set[tuple[str, int, int, str]]:
    """(path, line, character, code) of each diagnostic's start."""
    return {(d["path"], d["range"]["start"]["line"], d["range"]["start"]["character"], d["code"]) for d in items}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    write(tmp_path / "domain-lsp.toml", '[sql]\ndialect = "postgres"\nschemas = ["schema/*.sql"]\n')
    write(tmp_path / "schema" / "tables.sql", SCHEMA)
    return tmp_path


# -- config errors: exit 2 and one line on stderr ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[sql]\ndialect = \n", "domain-lsp.toml:2: invalid TOML: Invalid value (column 11)"),
        (
            '[sql]\nsearch_paht = ["a"]\n',
            "domain-lsp.toml:2: sql.search_paht: unknown key; did you mean `search_path`?",
        ),
        ("[sql]\nschemas = 3\n", "domain-lsp.toml:2: sql.schemas: expected a list of strings, got an integer"),
        (
            '[sql]\ndialect = "duckbd"\n',
            "domain-lsp.toml:2: sql.dialect: unknown dialect `duckbd`; did you mean `duckdb`?",
        ),
    ],
)
def test_broken_config_exits_2_with_one_line(tmp_path: Path, text: str, expected: str) -> None:
    config = write(tmp_path / "domain-lsp.toml", text)
    write(tmp_path / "q.sql", "SELECT 1;\n")
    result = run(tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1
    assert result.stderr == f"domain-lsp: config error: {config.resolve().parent / expected}\n"


def test_broken_pyproject_table_exits_2(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n[tool.domain-lsp]\nsql = { dialect = "mysq" }\n')
    write(tmp_path / "q" / "a.sql", "SELECT 1;\n")
    result = run(tmp_path, "q/a.sql")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert (
        "pyproject.toml:4: tool.domain-lsp.sql.dialect: unknown dialect `mysq`; did you mean `mysql`?" in result.stderr
    )


def test_config_flag_overrides_discovery(workspace: Path, tmp_path: Path) -> None:
    write(workspace / "q.sql", "SELECT placed FROM orders;\n")
    # The discovered config has no search path: `orders` is ambiguous.
    code, items = diagnostics(workspace, "q.sql")
    assert (code, found(items)) == (1, {("q.sql", 0, 19, "ambiguous-table")})
    other = write(
        tmp_path / "elsewhere" / "ci.toml",
        f'[sql]\ndialect = "postgres"\nschemas = ["{(workspace / "schema").as_posix()}/*.sql"]\nsearch_path = ["core"]\n',
    )
    code, items = diagnostics(workspace, "--config", str(other), "q.sql")
    assert (code, items) == (0, [])


def test_config_flag_ignores_a_broken_discovered_config(workspace: Path) -> None:
    write(workspace / "domain-lsp.toml", "[sql\n")
    good = write(workspace / "ci" / "ok.toml", '[sql]\nschemas = ["../schema/*.sql"]\n')
    write(workspace / "q.sql", "SELECT total FROM sales.orders;\n")
    assert run(workspace, "q.sql").returncode == 2
    result = run(workspace, "--config", str(good), "q.sql")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.sql",), "domain-lsp: error: no such file or folder: missing.sql\n"),
        (("--config", "nope.toml", "."), "domain-lsp: error: config file not found: nope.toml\n"),
    ],
)
def test_missing_paths_are_usage_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run(tmp_path, *args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    assert run(tmp_path, "--format", "xml").returncode == 2


# -- without a config ----------------------------------------------------------------------------


def test_without_config_schema_files_are_discovered(tmp_path: Path) -> None:
    write(tmp_path / "db" / "ddl.sql", "CREATE TABLE people (id int, name text);\n")
    write(tmp_path / "q" / "a.sql", "SELECT name, age FROM people;\n")
    code, items = diagnostics(tmp_path)
    assert code == 1
    assert found(items) == {("q/a.sql", 0, 13, "unknown-column")}
    # A file named alone still sees the schema of the folder it is run from.
    assert found(diagnostics(tmp_path, "q/a.sql")[1]) == {("q/a.sql", 0, 13, "unknown-column")}


def test_without_config_the_generic_dialect_is_used(tmp_path: Path) -> None:
    write(tmp_path / "ddl.sql", "CREATE TABLE t (a int);\n")
    # sqlglot's generic dialect knows NVL; PostgreSQL does not have it.
    write(tmp_path / "q.sql", "SELECT NVL(a, 0) FROM t;\n")
    assert diagnostics(tmp_path) == (0, [])
    write(tmp_path / "domain-lsp.toml", '[sql]\ndialect = "postgres"\n')
    assert found(diagnostics(tmp_path)[1]) == {("q.sql", 0, 7, "unknown-function")}


# -- catalog from DDL and mappings ---------------------------------------------------------------


def test_ddl_statements_shape_the_catalog(tmp_path: Path) -> None:
    write(
        tmp_path / "schema.sql",
        """\
CREATE TABLE "Sales"."Order Lines" ("Line No" int, sku text);
CREATE VIEW sales.big_orders AS SELECT id, total AS amount FROM sales.orders WHERE total > 100;
CREATE TABLE sales.orders (id int, total numeric);
ALTER TABLE sales.orders ADD COLUMN status text;
ALTER TABLE sales.orders RENAME COLUMN total TO gross;
COMMENT ON COLUMN sales.orders.status IS 'open or closed';
""",
    )
    write(
        tmp_path / "q.sql",
        """\
SELECT "Line No", sku FROM "Sales"."Order Lines";
SELECT amount FROM sales.big_orders;
SELECT status, gross FROM sales.orders;
SELECT total FROM sales.orders;
""",
    )
    items = diagnostics(tmp_path, "q.sql")[1]
    assert found(items) == {("q.sql", 3, 7, "unknown-column")}  # renamed away


def test_alter_drop_column_removes_it(tmp_path: Path) -> None:
    write(tmp_path / "schema.sql", "CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;\n")
    write(tmp_path / "q.sql", "SELECT a, b FROM t;\n")
    assert found(diagnostics(tmp_path, "q.sql")[1]) == {("q.sql", 0, 10, "unknown-column")}


def test_mappings_are_schema_sources(tmp_path: Path) -> None:
    write(tmp_path / "domain-lsp.toml", '[sql]\nschemas = ["catalog/*"]\n')
    write(tmp_path / "catalog" / "a.json", '{"sales": {"orders": {"id": "int", "total": {"type": "numeric"}}}}')
    write(tmp_path / "catalog" / "b.yaml", "wh:\n  core:\n    customers:\n      id: int\n      name: text\n")
    write(tmp_path / "q.sql", "SELECT total FROM sales.orders;\nSELECT name, email FROM wh.core.customers;\n")
    items = diagnostics(tmp_path, "q.sql")[1]
    assert found(items) == {("q.sql", 1, 13, "unknown-column")}


def test_broken_sources_are_warnings_and_the_rest_still_loads(tmp_path: Path) -> None:
    # (A glob that matches no file is an error: tests/cli/test_fail_closed.py.)
    write(tmp_path / "domain-lsp.toml", '[sql]\nschemas = ["src/*"]\n')
    write(tmp_path / "src" / "a_bad.json", '{"sales": {"orders": {"id": "int",}}}')
    write(tmp_path / "src" / "b_bad.yaml", "core:\n  customers: [\n")
    write(tmp_path / "src" / "c_binary.sql", b"CREATE TABLE x (a int);\0\0\0")
    write(tmp_path / "src" / "d_shape.yaml", "core:\n  people:\n    id: int\n  broken: 3\n")
    write(tmp_path / "src" / "e_ddl.sql", "CREATE TABLE t (a int);\nCREATE TABLE (;\nCREATE TABLE u (b int);\n")
    os.symlink(tmp_path / "nowhere.sql", tmp_path / "src" / "f_dangling.sql")
    write(tmp_path / "q" / "a.sql", "SELECT a FROM t;\nSELECT b FROM u;\nSELECT id FROM people;\n")
    code, items = diagnostics(tmp_path, "q")
    assert code == 0
    by_path = {d["path"]: d for d in items}
    assert found(items) == {
        ("src/a_bad.json", 0, 34, "source-error"),
        ("src/b_bad.yaml", 2, 0, "source-error"),
        ("src/c_binary.sql", 0, 0, "source-error"),
        ("src/d_shape.yaml", 3, 2, "source-error"),
        ("src/e_ddl.sql", 1, 13, "source-error"),
        ("src/f_dangling.sql", 0, 0, "source-error"),
    }
    assert all(d["severity"] == "warning" for d in items)
    assert "invalid JSON: Expecting property name" in by_path["src/a_bad.json"]["message"]
    assert "invalid YAML" in by_path["src/b_bad.yaml"]["message"]
    assert "binary" in by_path["src/c_binary.sql"]["message"]
    assert "`core.broken`: expected a mapping of columns, got a number" in by_path["src/d_shape.yaml"]["message"]
    assert "schema statement skipped" in by_path["src/e_ddl.sql"]["message"]
    assert "cannot read" in by_path["src/f_dangling.sql"]["message"]


def test_a_checked_schema_file_reports_its_problems_once(tmp_path: Path) -> None:
    write(tmp_path / "schema.sql", "CREATE TABLE t (a int);\nCREATE TABLE (;\n")
    write(tmp_path / "latin1.sql", "CREATE TABLE caf\xe9 (a int);\n".encode("latin-1"))
    code, items = diagnostics(tmp_path)
    assert code == 1
    assert sorted((d["path"], d["code"]) for d in items) == [
        ("latin1.sql", "file-error"),
        ("schema.sql", "syntax-error"),
    ]


# -- walking folders -----------------------------------------------------------------------------


def test_walk_honours_gitignore_and_skips_environments(tmp_path: Path) -> None:
    bad = "SELECT nope FROM t;\n"
    write(tmp_path / "schema.sql", "CREATE TABLE t (a int);\n")
    write(tmp_path / ".gitignore", "build/\n*.tmp.sql\n")
    write(tmp_path / "build" / "x.sql", bad)
    write(tmp_path / "y.tmp.sql", bad)
    write(tmp_path / "sub" / ".gitignore", "generated/\n!keep.tmp.sql\n")
    write(tmp_path / "sub" / "generated" / "x.sql", bad)
    write(tmp_path / "sub" / "keep.tmp.sql", bad)
    write(tmp_path / ".venv" / "lib" / "x.sql", bad)
    write(tmp_path / "node_modules" / "pkg" / "x.sql", bad)
    write(tmp_path / "env" / "pyvenv.cfg", "home = /usr\n")
    write(tmp_path / "env" / "x.sql", bad)
    write(tmp_path / "q" / "checked.sql", bad)
    items = diagnostics(tmp_path)[1]
    assert {d["path"] for d in items} == {"q/checked.sql", "sub/keep.tmp.sql"}
    # A file named on the command line is checked even when ignored.
    assert {d["path"] for d in diagnostics(tmp_path, "build/x.sql")[1]} == {"build/x.sql"}


def test_gitignore_above_the_checked_folder_applies_inside_a_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".gitignore", "out/\n")
    write(tmp_path / "schema.sql", "CREATE TABLE t (a int);\n")
    write(tmp_path / "q" / "out" / "x.sql", "SELECT nope FROM t;\n")
    write(tmp_path / "q" / "in.sql", "SELECT nope FROM t;\n")
    assert {d["path"] for d in diagnostics(tmp_path, "q")[1]} == {"q/in.sql"}


def test_symlink_loops_do_not_hang(tmp_path: Path) -> None:
    write(tmp_path / "schema.sql", "CREATE TABLE t (a int);\n")
    write(tmp_path / "q" / "a.sql", "SELECT nope FROM t;\n")
    os.symlink(tmp_path, tmp_path / "q" / "loop")
    os.symlink(tmp_path / "q" / "a.sql", tmp_path / "q" / "alias.sql")
    code, items = diagnostics(tmp_path)
    assert code == 1
    assert len(items) == 1  # each real file once
    assert len(diagnostics(tmp_path, ".", "q/a.sql", "q")[1]) == 1  # however often it is named


# -- output formats ------------------------------------------------------------------------------


def test_text_output(workspace: Path) -> None:
    write(workspace / "q.sql", "SELECT id,\n\tnmae FROM core.customers;\n")
    result = run(workspace, "q.sql")
    assert result.returncode == 1
    first, *rest = result.stdout.splitlines(keepends=True)
    # The message is the resolver's; the frame around it is the text format's.
    assert first.startswith("q.sql:2:2: error[unknown-column] column `nmae` does not exist")
    assert first.endswith("did you mean `name`?\n")
    assert rest == [
        "     nmae FROM core.customers;\n",  # the tab is shown as one space, so the marker lines up
        "     ^^^^\n",
        "1 error, 0 warnings in 1 file checked\n",
    ]


def test_text_marker_counts_wide_characters_twice(workspace: Path) -> None:
    write(workspace / "q.sql", "SELECT '日本', nope FROM core.customers;\n")
    lines = run(workspace, "q.sql").stdout.splitlines()
    assert lines[0].startswith("q.sql:1:14: error[unknown-column]")  # columns count code points
    assert lines[2] == "    " + " " * 15 + "^^^^"  # the marker counts terminal cells


def test_text_output_survives_a_terminal_that_cannot_show_the_line(workspace: Path) -> None:
    write(workspace / "q.sql", "SELECT '😀\x1b[2J', nope FROM core.customers;\n")
    result = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", "q.sql"],
        cwd=workspace,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
    )
    assert result.returncode == 1, result.stderr
    source_line = result.stdout.decode("ascii").splitlines()[1]
    assert source_line == "    SELECT '\\U0001f600\\x1b[2J', nope FROM core.customers;"  # no raw escape code


def test_json_output_is_lsp_shaped_with_utf16_characters(workspace: Path) -> None:
    # The astral 😀 is one code point but two UTF-16 units; é is one of each.
    write(workspace / "q" / "a.sql", "SELECT 'é😀', nope FROM core.customers;\n")
    result = run(workspace.parent, "--format", "json", str(Path(workspace.name) / "q"))
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    message = report["diagnostics"][0]["message"]
    assert message.startswith("column `nope` does not exist")
    assert report == {
        "version": 1,
        "diagnostics": [
            {
                "path": f"{workspace.name}/q/a.sql",
                "range": {"start": {"line": 0, "character": 14}, "end": {"line": 0, "character": 18}},
                "severity": "error",
                "code": "unknown-column",
                "message": message,
                "source": "domain-lsp",
            }
        ],
    }


def test_clean_files_exit_0(workspace: Path) -> None:
    write(
        workspace / "q.sql",
        "SELECT o.total, c.name FROM sales.orders o JOIN core.customers c ON c.id = o.customer_id;\n",
    )
    result = run(workspace)
    assert result.returncode == 0, result.stdout
    assert result.stdout == "0 errors, 0 warnings in 2 files checked\n"


# -- unreadable files ----------------------------------------------------------------------------


def test_binary_and_invalid_utf8_files_are_warnings_and_the_rest_is_checked(workspace: Path) -> None:
    write(workspace / "q" / "a_binary.sql", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    write(workspace / "q" / "b_latin1.sql", "SELECT 'caf\xe9', nope FROM core.customers;\n".encode("latin-1"))
    write(workspace / "q" / "c_ok.sql", "SELECT nope FROM core.customers;\n")
    code, items = diagnostics(workspace, "q")
    assert code == 1
    assert found(items) == {
        ("q/a_binary.sql", 0, 0, "file-error"),
        ("q/b_latin1.sql", 0, 11, "file-error"),
        ("q/b_latin1.sql", 0, 15, "unknown-column"),
        ("q/c_ok.sql", 0, 7, "unknown-column"),
    }
    severities = {(d["path"], d["code"]): d["severity"] for d in items}
    assert severities[("q/a_binary.sql", "file-error")] == "warning"
    assert severities[("q/b_latin1.sql", "file-error")] == "warning"


def test_only_warnings_exit_0(workspace: Path) -> None:
    write(workspace / "q.sql", b"SELECT 1\0;")
    code, items = diagnostics(workspace, "q.sql")
    assert (code, [d["code"] for d in items]) == (0, ["file-error"])


def test_byte_order_mark_does_not_shift_positions(workspace: Path) -> None:
    write(workspace / "q.sql", b"\xef\xbb\xbfSELECT nope FROM core.customers;\n")
    assert found(diagnostics(workspace, "q.sql")[1]) == {("q.sql", 0, 7, "unknown-column")}


# -- suppressions --------------------------------------------------------------------------------


def test_suppression_comments(workspace: Path) -> None:
    write(
        workspace / "q.sql",
        """\
SELECT nope FROM core.customers; -- domain-lsp: ignore[unknown-column]
SELECT nope FROM core.customers; -- domain-lsp: ignore
SELECT nope FROM missing; -- domain-lsp: ignore[unknown-column]
SELECT nope FROM core.customers; -- domain-lsp: ignore[unknown-table, unknown-column]
SELECT nope FROM core.customers; /* domain-lsp: ignore */
SELECT nope FROM core.customers;
""",
    )
    assert found(diagnostics(workspace, "q.sql")[1]) == {
        ("q.sql", 2, 17, "unknown-table"),
        ("q.sql", 5, 7, "unknown-column"),
    }


# -- unqualified names ---------------------------------------------------------------------------


def test_unqualified_tables_resolve_through_the_search_path(workspace: Path) -> None:
    write(workspace / "q.sql", "SELECT placed FROM orders;\nSELECT total FROM orders;\nSELECT name FROM customers;\n")
    # No search path: `customers` lives in one schema, `orders` in two.
    assert found(diagnostics(workspace, "q.sql")[1]) == {
        ("q.sql", 0, 19, "ambiguous-table"),
        ("q.sql", 1, 18, "ambiguous-table"),
    }
    write(
        workspace / "domain-lsp.toml",
        '[sql]\ndialect = "postgres"\nschemas = ["schema/*.sql"]\nsearch_path = ["core"]\n',
    )
    assert found(diagnostics(workspace, "q.sql")[1]) == {("q.sql", 1, 7, "unknown-column")}  # core.orders
    write(
        workspace / "domain-lsp.toml",
        '[sql]\ndialect = "postgres"\nschemas = ["schema/*.sql"]\nsearch_path = ["sales", "core"]\n',
    )
    assert found(diagnostics(workspace, "q.sql")[1]) == {("q.sql", 0, 7, "unknown-column")}  # sales.orders


def test_ambiguous_table_offers_each_qualified_name(workspace: Path) -> None:
    write(workspace / "q.sql", "SELECT id FROM orders;\n")
    items = diagnostics(workspace, "q.sql")[1]
    assert [d["message"] for d in items] == [
        "table `orders` exists in several schemas: `sales.orders`, `core.orders`; qualify it"
    ]
