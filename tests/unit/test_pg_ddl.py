"""PostgreSQL DDL that sqlglot cannot read is read with PostgreSQL's own grammar (pglast), and
statements that define nothing a query names are skipped without a word (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain_lsp.catalog.load import load_sources
from domain_lsp.config import Config, SqlSettings
from tests.fixtures.cli import run_cli

pytest.importorskip("pglast")

SCHEMA = """CREATE SCHEMA app;
CREATE TABLE app.events (id int NOT NULL, at date, kind bit varying(3), PRIMARY KEY (id)) PARTITION BY RANGE (at);
CREATE TABLE app.h (id int) PARTITION BY HASH (id);
CREATE TABLE app.moved (id int);
ALTER TABLE app.moved SET SCHEMA public;
CREATE INDEX ev_at ON ONLY app.events (at);
CREATE MATERIALIZED VIEW app.mv AS (SELECT 1 AS one);
COMMENT ON SCHEMA app IS 'the app';
ALTER TABLE IF EXISTS app.nothere ADD COLUMN x int;
CREATE FUNCTION app.f(a int, OUT b int) AS $$ SELECT 1 $$ LANGUAGE sql;
CREATE FUNCTION app.g(int, double precision = 1.0) RETURNS SETOF int AS $$ SELECT 1 $$ LANGUAGE sql;
CREATE FUNCTION app.h2(x text) RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN x; END $$;
CREATE AGGREGATE app.mysum (int) (SFUNC = int4pl, STYPE = int);
"""


def test_every_statement_loads_as_postgres_would(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    config = Config(root=tmp_path, sql=SqlSettings(dialect="postgres", schemas=("schema.sql",)))
    loaded = load_sources(config)
    assert [p.message for r in loaded.sources for p in r.problems] == []
    catalog = loaded.catalog
    events = catalog.get("events", "app")
    assert events is not None and [(c.name, c.type) for c in events.columns.values()] == [
        ("id", "integer"),
        ("at", "date"),
        ("kind", "bit varying(3)"),
    ]
    assert events.primary_key == ("id",) and events.location is not None and events.location.line == 1
    assert catalog.get("moved", "public") is not None and catalog.get("moved", "app") is None
    signatures = {name: [f.signature for f in catalog.functions_named(name)] for name in ("f", "g", "h2", "mysum")}
    assert all(signatures.values()), signatures  # sqlglot reads f and h2; pglast g (SETOF, a default) and mysum
    assert signatures["g"] == ["g(integer, double precision = …) → SETOF integer"]
    assert signatures["mysum"] == ["mysum(integer)"]


def test_other_dialects_keep_sqlglots_verdict(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (kind bit varying(3));\n", encoding="utf-8")
    config = Config(root=tmp_path, sql=SqlSettings(dialect="duckdb", schemas=("schema.sql",)))
    problems = [p.message for r in load_sources(config).sources for p in r.problems]
    assert len(problems) == 1 and problems[0].startswith("schema statement skipped")


def test_the_schema_file_itself_checks_clean(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "domain-lsp.toml").write_text(
        '[sql]\ndialect = "postgres"\nschemas = ["schema.sql"]\n', encoding="utf-8"
    )
    (tmp_path / "q.sql").write_text(
        "SELECT kind FROM app.events;\nSELECT id FROM public.moved;\nSELECT one FROM app.mv;\n", encoding="utf-8"
    )
    result = run_cli(tmp_path, "check", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["diagnostics"] == []
