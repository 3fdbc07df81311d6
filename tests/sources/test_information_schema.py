"""information_schema exports as a schema source (issue 16): dumps exported here from a real
PostgreSQL, DuckDB and SQLite give the catalog the engine itself describes; the Snowflake,
BigQuery and SQL Server spellings are hand-written (those warehouses do not run here), in the
casing and order their exports use."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from pathlib import Path

import pytest

from domain_lsp.catalog.load import load_sources
from domain_lsp.catalog.model import Catalog, ForeignKey, Table
from domain_lsp.config import Config, SourceSettings, SqlSettings
from tests.fixtures.cli import run_cli
from tests.sources.conftest import Postgres

# The export queries docs/sources.md gives (the standard information_schema; DuckDB runs them as is).
COLUMNS_QUERY = """
SELECT table_catalog, table_schema, table_name, column_name, ordinal_position, is_nullable, data_type
FROM information_schema.columns
WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY table_schema, table_name, ordinal_position
"""
KEYS_QUERY = """
SELECT kcu.table_schema, kcu.table_name, tc.constraint_name, tc.constraint_type, kcu.column_name,
       kcu.ordinal_position, rk.table_schema AS referenced_table_schema,
       rk.table_name AS referenced_table_name, rk.column_name AS referenced_column_name
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage kcu
  ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
LEFT JOIN information_schema.referential_constraints rc
  ON rc.constraint_schema = tc.constraint_schema AND rc.constraint_name = tc.constraint_name
LEFT JOIN information_schema.key_column_usage rk
  ON rk.constraint_schema = rc.unique_constraint_schema AND rk.constraint_name = rc.unique_constraint_name
 AND rk.ordinal_position = kcu.position_in_unique_constraint
WHERE tc.constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
ORDER BY 1, 2, 3, 6
"""
DDL = """
CREATE SCHEMA core;
CREATE TABLE core.customer (id integer PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE core.orders (
    id integer PRIMARY KEY,
    customer_id integer REFERENCES core.customer (id),
    placed date,
    total numeric(10, 2)
);
"""


def dump_catalog(root: Path, dialect: str, *files: str) -> Catalog:
    config = Config(root=root, path=root / "domain-lsp.toml", sql=SqlSettings(dialect=dialect, schemas=files))
    loaded = load_sources(config)
    problems = [(r.path.name, p.message) for r in loaded.sources for p in r.problems]
    assert problems == []
    return loaded.catalog


def shape(table: Table | None) -> tuple[object, ...]:
    """What the rules read of a table: its columns in order, NOT NULL, keys."""
    assert table is not None
    columns = tuple((c.name, c.not_null) for c in table.columns.values())
    return columns, table.primary_key, tuple(sorted(table.foreign_keys))


def write_csv(path: Path, header: list[str], rows: list[tuple[object, ...]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def test_a_duckdb_export_describes_what_duckdb_does(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    connection = duckdb.connect()
    connection.execute(DDL)
    for name, query in (("1_columns.csv", COLUMNS_QUERY), ("2_keys.csv", KEYS_QUERY)):
        result = connection.execute(query)
        write_csv(tmp_path / name, [d[0] for d in result.description], result.fetchall())
    catalog = dump_catalog(tmp_path, "duckdb", "*.csv")
    assert shape(catalog.get("customer", "core")) == (
        (("id", True), ("email", True), ("name", False)),
        ("id",),
        (),
    )
    assert shape(catalog.get("orders", "core")) == (
        (("id", True), ("customer_id", False), ("placed", False), ("total", False)),
        ("id",),
        (ForeignKey(("customer_id",), "core.customer", ("id",)),),
    )
    orders = catalog.get("orders", "core")
    assert orders is not None and orders.columns["total"].type == "DECIMAL(10,2)"
    assert orders.location is not None and orders.location.line == 4  # the row of its first column


def test_a_postgres_export_gives_the_live_sources_columns(postgres: Postgres, tmp_path: Path) -> None:
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(postgres.dsn) as connection, connection.cursor() as cursor:
        out = io.BytesIO()
        with cursor.copy(f"COPY ({COLUMNS_QUERY}) TO STDOUT WITH CSV HEADER") as copy:
            for data in copy:
                out.write(bytes(data))
    (tmp_path / "columns.csv").write_bytes(out.getvalue())
    from_dump = dump_catalog(tmp_path, "postgres", "columns.csv")
    os.environ["DLSP_TEST_IS_DSN"] = postgres.dsn
    try:
        source = SourceSettings("postgres", dsn_env="DLSP_TEST_IS_DSN", line=1)
        live = load_sources(
            Config(
                root=tmp_path, path=tmp_path / "x.toml", sql=SqlSettings("postgres", sources=(source,)), trusted=True
            )
        ).catalog
    finally:
        del os.environ["DLSP_TEST_IS_DSN"]
    for table in live.tables():
        if table.kind == "table":  # the live source reads views' columns too; a columns export has them as well
            dumped = from_dump.get(table.name, table.schema)
            assert dumped is not None, table.qualified_name
            assert [(c.name, c.not_null) for c in dumped.columns.values()] == [
                (c.name, c.not_null) for c in table.columns.values()
            ], table.qualified_name


def test_a_sqlite_export_through_its_pragmas(tmp_path: Path) -> None:
    connection = sqlite3.connect(":memory:")
    connection.executescript(
        "CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT NOT NULL);"
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), placed TEXT);"
    )
    rows = connection.execute(
        "SELECT m.name AS table_name, p.name AS column_name, p.cid + 1 AS ordinal_position, p.type AS data_type, "
        "CASE WHEN p.\"notnull\" THEN 'NO' ELSE 'YES' END AS is_nullable "
        "FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY 1, 3"
    )
    write_csv(tmp_path / "columns.csv", [d[0] for d in rows.description], rows.fetchall())
    catalog = dump_catalog(tmp_path, "sqlite", "columns.csv")
    assert [c.name for c in catalog.get("orders", "").columns.values()] == ["id", "customer_id", "placed"]  # type: ignore[union-attr]
    assert catalog.get("customer", "").columns["email"].not_null  # type: ignore[union-attr]


SNOWFLAKE = [  # SELECT * FROM information_schema.columns, "Download as JSON" in Snowsight: upper case
    {
        "TABLE_CATALOG": "ANALYTICS",
        "TABLE_SCHEMA": "PUBLIC",
        "TABLE_NAME": "EVENTS",
        "COLUMN_NAME": "EVENT_DATE",
        "ORDINAL_POSITION": 2,
        "IS_NULLABLE": "YES",
        "DATA_TYPE": "DATE",
        "COMMENT": "the day",
    },
    {
        "TABLE_CATALOG": "ANALYTICS",
        "TABLE_SCHEMA": "PUBLIC",
        "TABLE_NAME": "EVENTS",
        "COLUMN_NAME": "EVENT_ID",
        "ORDINAL_POSITION": 1,
        "IS_NULLABLE": "NO",
        "DATA_TYPE": "NUMBER",
        "COMMENT": None,
    },
]
BIGQUERY = (  # bq query --format=json ... > columns.jsonl, one row per line
    '{"table_catalog":"proj","table_schema":"crm","table_name":"accounts","column_name":"id",'
    '"ordinal_position":"1","is_nullable":"NO","data_type":"INT64"}\n'
    '{"table_catalog":"proj","table_schema":"crm","table_name":"accounts","column_name":"owner",'
    '"ordinal_position":"2","is_nullable":"YES","data_type":"STRUCT<name STRING, email STRING>"}\n'
)
SQL_SERVER = (  # sqlcmd -s"," -W, header row kept, columns in another order
    "TABLE_NAME,COLUMN_NAME,DATA_TYPE,IS_NULLABLE,TABLE_SCHEMA,TABLE_CATALOG,ORDINAL_POSITION\n"
    "Invoices,InvoiceID,int,NO,dbo,Billing,1\n"
    "Invoices,Amount,money,YES,dbo,Billing,2\n"
)


def test_warehouse_spellings_are_read_whatever_their_casing_and_order(tmp_path: Path) -> None:
    (tmp_path / "snowflake.json").write_text(json.dumps(SNOWFLAKE, indent=1), encoding="utf-8")
    (tmp_path / "bigquery.jsonl").write_text(BIGQUERY, encoding="utf-8")
    (tmp_path / "sqlserver.csv").write_text(SQL_SERVER, encoding="utf-8")
    snowflake = dump_catalog(tmp_path, "snowflake", "snowflake.json")
    events = snowflake.get("events", "public", "analytics")
    assert events is not None and [c.name for c in events.columns.values()] == ["EVENT_ID", "EVENT_DATE"]
    assert events.columns["event_date"].description == "the day" and events.columns["event_id"].not_null
    assert events.columns["event_date"].location.line == 1  # type: ignore[union-attr]
    bigquery = dump_catalog(tmp_path, "bigquery", "bigquery.jsonl")
    accounts = bigquery.get("accounts", "crm", "proj")
    assert accounts is not None and accounts.columns["owner"].type == "STRUCT<name STRING, email STRING>"
    assert accounts.columns["owner"].location.line == 1  # type: ignore[union-attr]
    tsql = dump_catalog(tmp_path, "tsql", "sqlserver.csv")
    invoices = tsql.get("invoices", "dbo", "billing")
    assert invoices is not None and [c.name for c in invoices.columns.values()] == ["InvoiceID", "Amount"]


def test_queries_are_checked_against_a_dump_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "columns.csv").write_text(SQL_SERVER, encoding="utf-8")
    (tmp_path / "domain-lsp.toml").write_text('[sql]\ndialect = "tsql"\nschemas = ["columns.csv"]\n', encoding="utf-8")
    (tmp_path / "q.sql").write_text("SELECT InvoiceID, Amont FROM dbo.Invoices;\n", encoding="utf-8")
    result = run_cli(tmp_path, "check", "--format", "json", "q.sql")
    found = [(d["code"], d["range"]["start"]["character"]) for d in json.loads(result.stdout)["diagnostics"]]
    assert found == [("unknown-column", 18)], result.stdout + result.stderr


def test_a_file_that_is_no_export_is_one_source_error_in_words(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("name,amount\nx,1\n", encoding="utf-8")
    (tmp_path / "holes.csv").write_text("table_name,column_name\nt,a\n,b\n", encoding="utf-8")
    config = Config(root=tmp_path, sql=SqlSettings(schemas=("notes.csv", "holes.csv")))
    reports = {r.path.name: [(p.message, p.line) for p in r.problems] for r in load_sources(config).sources}
    assert reports["notes.csv"][0][0].startswith("not an information_schema export: the header needs table_name")
    assert reports["holes.csv"] == [("row without a table_name or column_name; skipped", 2)]
