"""`domain-lsp init` as a process: the config it writes loads, says what was found, and never
replaces one without --force."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from domain_lsp.config import load_config
from tests.cli.process import run_cli, write

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """The example without its config, as a team that has not written one yet has it."""
    root = tmp_path / "warehouse"
    shutil.copytree(EXAMPLE, root)
    (root / "domain-lsp.toml").unlink()
    return root


def test_init_on_the_example_warehouse(warehouse: Path) -> None:
    result = run_cli(warehouse, "init")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    written = warehouse / "domain-lsp.toml"
    assert result.stdout.splitlines() == [
        f"wrote {written}",
        "  dialect      postgres (from timestamptz)",
        "  schemas      schema/*.sql (3 files creating tables)",
        "  search_path  left to you; the DDL qualifies tables with core, sales, marketing",
        "  inventory    requirements.txt",
    ]
    config = load_config(written)
    assert config.sql.dialect == "postgres"
    assert config.sql.schemas == ("schema/*.sql",)  # the query file's CREATE TEMP TABLE is not a schema
    assert config.sql.search_path == ()  # the order is the team's to say; only suggested in a comment
    assert config.packages.inventory == ("requirements.txt",)
    assert '# search_path = ["core", "sales", "marketing"]' in written.read_text()


def test_the_written_config_checks_the_example(warehouse: Path) -> None:
    assert run_cli(warehouse, "init").returncode == 0
    result = run_cli(warehouse, "check", "--format", "json")
    assert result.returncode == 1, result.stderr
    found = {(d["path"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]}
    assert ("reports/ai_churn_report.sql", "unknown-column") in found
    assert ("reports/ai_churn_report.sql", "unknown-function") in found  # NVL: the postgres dialect is on
    assert not any(code == "source-error" for _, code in found)  # every glob matches


def test_init_never_replaces_a_config_without_force(warehouse: Path) -> None:
    config = write(warehouse / "domain-lsp.toml", "# ours\n")
    result = run_cli(warehouse, "init")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"domain-lsp: error: init: {config} exists already; --force replaces it\n"
    assert config.read_text() == "# ours\n"
    forced = run_cli(warehouse, "init", "--force")
    assert forced.returncode == 0, forced.stderr
    assert 'dialect = "postgres"' in config.read_text()


def test_init_is_the_same_bytes_every_run(warehouse: Path) -> None:
    assert run_cli(warehouse, "init").returncode == 0
    first = (warehouse / "domain-lsp.toml").read_bytes()
    assert run_cli(warehouse, "init", "--force").returncode == 0
    assert (warehouse / "domain-lsp.toml").read_bytes() == first


def test_a_pyproject_config_is_not_overridden(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.domain-lsp.sql]\ndialect = "duckdb"\n')
    result = run_cli(tmp_path, "init", "--force")
    assert result.returncode == 2
    assert "pyproject.toml exists already; remove [tool.domain-lsp] from it first" in result.stderr
    assert not (tmp_path / "domain-lsp.toml").exists()


def test_init_on_an_empty_folder(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    result = run_cli(root, "init")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "  dialect      not guessed (no dialect's own syntax in the schema files): set sql.dialect",
        "  schemas      no file creating tables",
        "  inventory    no requirements, pyproject or lock file",
    ]
    config = load_config(root / "domain-lsp.toml")
    assert (config.sql.dialect, config.sql.schemas, config.packages.inventory) == ("", None, None)
    assert '# dialect = "postgres"' in (root / "domain-lsp.toml").read_text()
    check = run_cli(root, "check")
    assert (check.returncode, check.stdout) == (0, "0 errors, 0 warnings in 0 files checked\n")


def test_init_takes_a_folder(tmp_path: Path) -> None:
    write(tmp_path / "app" / "db" / "schema.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);\n")
    result = run_cli(tmp_path, "init", "app")
    assert result.returncode == 0, result.stderr
    config = load_config(tmp_path / "app" / "domain-lsp.toml")
    assert (config.sql.dialect, config.sql.schemas) == ("sqlite", ("db/schema.sql",))
    missing = run_cli(tmp_path, "init", "nowhere")
    assert (missing.returncode, missing.stderr) == (2, "domain-lsp: error: init: no such folder: nowhere\n")


@pytest.mark.parametrize(
    ("schema", "dialect"),
    [
        (
            "CREATE TABLE t (id SERIAL PRIMARY KEY, doc jsonb, at timestamptz DEFAULT '2020-01-01'::timestamptz);",
            "postgres",
        ),
        ("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT) WITHOUT ROWID;", "sqlite"),
        ("CREATE TABLE t (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;", "mysql"),
        ("CREATE TABLE t (id INT64, tags ARRAY<STRING>);", "bigquery"),
        ("CREATE TABLE t (id INT IDENTITY(1,1), name NVARCHAR(50));", "tsql"),
        ("CREATE TABLE t (id int, name text);", ""),  # nothing a dialect owns
        ("-- SERIAL jsonb AUTOINCREMENT\nCREATE TABLE t (id int, note text DEFAULT 'jsonb');", ""),  # remarks only
    ],
)
def test_the_dialect_is_guessed_from_the_schema_files(tmp_path: Path, schema: str, dialect: str) -> None:
    write(tmp_path / "schema" / "tables.sql", schema + "\n")
    assert run_cli(tmp_path, "init").returncode == 0
    assert load_config(tmp_path / "domain-lsp.toml").sql.dialect == dialect


def test_two_dialects_as_well_supported_are_not_guessed(tmp_path: Path) -> None:
    write(tmp_path / "pg.sql", "CREATE TABLE a (id serial);\n")
    write(tmp_path / "lite.sql", "CREATE TABLE b (id INTEGER PRIMARY KEY AUTOINCREMENT);\n")
    assert run_cli(tmp_path, "init").returncode == 0
    assert load_config(tmp_path / "domain-lsp.toml").sql.dialect == ""


def test_schema_globs_name_folders_of_schema_files_and_files_elsewhere(tmp_path: Path) -> None:
    write(tmp_path / "migrations" / "0001_init.sql", "CREATE TABLE a (id int);\n")
    write(tmp_path / "migrations" / "0002_more.sql", "CREATE TABLE b (id int);\n")
    write(tmp_path / "sql" / "model[v2].sql", "CREATE VIEW v AS SELECT id FROM a;\n")
    write(tmp_path / "sql" / "report.sql", "SELECT id FROM v;\n")
    write(tmp_path / "requirements" / "base.txt", "httpx\n")
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\ndependencies = ["httpx"]\n')
    result = run_cli(tmp_path, "init")
    assert result.returncode == 0, result.stderr
    config = load_config(tmp_path / "domain-lsp.toml")
    assert config.sql.schemas == ("migrations/*.sql", "sql/model[[]v2].sql")
    assert set(config.packages.inventory or ()) == {"requirements/base.txt", "pyproject.toml"}
    catalog = run_cli(tmp_path, "catalog", "--format", "json")
    assert catalog.returncode == 0, catalog.stdout + catalog.stderr
    summary = json.loads(catalog.stdout)
    assert summary["missing_globs"] == [] and (summary["tables"], summary["views"]) == (2, 1)
