"""SQLite and DuckDB database files as schema sources: read-only, and reloaded when they change."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from domain_lsp.analysis.sql.document import analyze_sql
from domain_lsp.catalog.load import LoadedCatalog, catalog_is_stale, load_catalog, load_sources
from domain_lsp.catalog.model import ForeignKey
from domain_lsp.config import Config, SourceSettings, SqlSettings, load_config


def load(root: Path, kind: str, path: str, schemas: tuple[str, ...] = ()) -> LoadedCatalog:
    source = SourceSettings(kind, path=path, schemas=schemas, line=1)
    return load_sources(Config(root=root, path=root / "domain-lsp.toml", sql=SqlSettings(sources=(source,))))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_sqlite(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.executescript(
            """
            CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, "Full Name" TEXT);
            CREATE TABLE orders (id INTEGER, customer_id INTEGER REFERENCES customers(id), total REAL,
                                 total_cents INTEGER GENERATED ALWAYS AS (total * 100) VIRTUAL);
            CREATE VIEW big_orders AS SELECT id, total AS amount FROM orders WHERE total > 100;
            CREATE INDEX orders_customer ON orders (customer_id);
            """
        )
    connection.close()


def test_sqlite_tables_views_and_columns(tmp_path: Path) -> None:
    make_sqlite(tmp_path / "app.db")
    before = digest(tmp_path / "app.db")
    loaded = load(tmp_path, "sqlite", "app.db")
    [report] = loaded.sources
    assert (report.kind, report.problems, report.tables) == ("sqlite", [], 3)
    catalog = loaded.catalog
    orders = catalog.get("orders", "main")
    assert orders is not None
    assert [(c.name, c.type) for c in orders.columns.values()] == [
        ("id", "INTEGER"),
        ("customer_id", "INTEGER"),
        ("total", "REAL"),
        ("total_cents", "INTEGER"),  # a generated column is a column too
    ]
    view = catalog.get("big_orders", "main")
    assert view is not None and view.kind == "view" and view.column_names() == ["id", "amount"]
    assert digest(tmp_path / "app.db") == before  # opened read-only: not a byte changed
    settings = SqlSettings(dialect="sqlite")
    query = 'SELECT o.total_cents, c."Full Name", c.emial FROM orders o JOIN customers c ON c.id = o.customer_id'
    findings = analyze_sql(query, catalog, settings).findings
    assert [(f.code, query[f.start : f.end]) for f in findings] == [("unknown-column", "emial")]


def test_sqlite_keys_and_not_null(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "keys.db") as connection:
        connection.executescript(
            """
            CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, code TEXT);
            CREATE TABLE order_lines (
                order_id INTEGER, line_no INTEGER, sku TEXT, buyer INTEGER, note TEXT,
                PRIMARY KEY (order_id, line_no),
                UNIQUE (sku, order_id),
                FOREIGN KEY (buyer) REFERENCES customers (id),
                FOREIGN KEY (order_id, line_no) REFERENCES heads
            );
            CREATE UNIQUE INDEX order_lines_note ON order_lines (note);
            CREATE UNIQUE INDEX order_lines_lower_sku ON order_lines (lower(sku));
            CREATE UNIQUE INDEX order_lines_some ON order_lines (buyer) WHERE line_no = 1;
            CREATE VIEW v AS SELECT id FROM customers;
            """
        )
    connection.close()
    catalog = load(tmp_path, "sqlite", "keys.db").catalog
    customers, lines = catalog.get("customers", "main"), catalog.get("order_lines", "main")
    assert customers is not None and lines is not None
    assert (customers.primary_key, customers.unique_keys) == (("id",), (("email",),))
    assert [c.name for c in customers.columns.values() if c.not_null] == ["id", "email"]  # a rowid alias is NOT NULL
    assert lines.primary_key == ("order_id", "line_no")
    assert lines.unique_keys == (("sku", "order_id"), ("note",))  # not the expression or the partial index
    assert lines.foreign_keys == (
        ForeignKey(("buyer",), "customers", ("id",)),
        ForeignKey(("order_id", "line_no"), "heads", ()),  # the target's primary key
    )
    # SQLite lets a non-INTEGER primary key column hold NULL: not NOT NULL by its key
    assert [c.name for c in lines.columns.values() if c.not_null] == []
    assert catalog.foreign_keys_between(lines, customers) == [(lines, lines.foreign_keys[0], customers)]


def test_sqlite_file_change_makes_the_catalog_stale_and_the_reload_sees_it(tmp_path: Path) -> None:
    database = tmp_path / "app.db"
    make_sqlite(database)
    (tmp_path / "domain-lsp.toml").write_text('[[sql.sources]]\nkind = "sqlite"\npath = "app.db"\n', encoding="utf-8")
    config = load_config(tmp_path / "domain-lsp.toml")
    loaded = load_catalog(config)
    assert not catalog_is_stale(loaded)
    with sqlite3.connect(database) as connection:
        connection.execute("ALTER TABLE orders ADD COLUMN note TEXT")
    connection.close()
    stat = database.stat()
    os.utime(database, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert catalog_is_stale(loaded)
    orders = load_catalog(config).catalog.get("orders", "main")
    assert orders is not None and "note" in orders.column_names()


def test_a_missing_or_broken_database_file_is_a_problem(tmp_path: Path) -> None:
    [report] = load(tmp_path, "sqlite", "nope.db").sources
    assert report.problems[0].message == (
        f"sqlite nope.db: no database file at {tmp_path / 'nope.db'}; "
        "no earlier copy, so its tables are unknown until it loads"
    )
    (tmp_path / "junk.db").write_bytes(b"this is not a database" * 100)
    [report] = load(tmp_path, "sqlite", "junk.db").sources
    assert "cannot read" in report.problems[0].message


def test_a_database_file_gone_or_broken_keeps_its_last_good_copy(tmp_path: Path) -> None:
    make_sqlite(tmp_path / "app.db")
    assert len(load(tmp_path, "sqlite", "app.db").catalog) == 3
    (tmp_path / "app.db").write_bytes(b"this is not a database" * 100)  # a half-written copy, say
    loaded = load(tmp_path, "sqlite", "app.db")
    [report] = loaded.sources
    assert len(loaded.catalog) == 3 and report.failed
    assert "cannot read" in report.problems[0].message and "; using the copy read " in report.problems[0].message


def make_duckdb(path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    connection = duckdb.connect(str(path))
    connection.execute(
        """
        CREATE SCHEMA sales;
        CREATE TABLE sales.orders (id BIGINT, total DECIMAL(10, 2), tags VARCHAR[]);
        COMMENT ON TABLE sales.orders IS 'One row per order';
        COMMENT ON COLUMN sales.orders.total IS 'Gross #finance';
        CREATE VIEW sales.big AS SELECT id, total AS amount FROM sales.orders;
        CREATE TABLE main.countries (code VARCHAR, name VARCHAR);
        CREATE MACRO sales.net(x) AS x * 0.8;
        """
    )
    connection.close()


def test_duckdb_schemas_tables_views_comments_and_macros(tmp_path: Path) -> None:
    make_duckdb(tmp_path / "wh.duckdb")
    loaded = load(tmp_path, "duckdb", "wh.duckdb")
    [report] = loaded.sources
    assert (report.kind, report.problems, report.tables) == ("duckdb", [], 3)
    catalog = loaded.catalog
    orders = catalog.get("orders", "sales")
    assert orders is not None and orders.description == "One row per order"
    total = orders.column("total")
    assert total is not None and (total.type, total.description) == ("DECIMAL(10,2)", "Gross #finance")
    big = catalog.get("big", "sales")
    assert big is not None and big.kind == "view" and big.column_names() == ["id", "amount"]
    assert [f.schema for f in catalog.functions_named("net")] == ["sales"]
    settings = SqlSettings(dialect="duckdb")
    query = "SELECT sales.net(amount), idd FROM sales.big JOIN countries ON true"
    findings = analyze_sql(query, catalog, settings).findings
    assert [(f.code, query[f.start : f.end]) for f in findings] == [("unknown-column", "idd")]
    only_sales = load(tmp_path, "duckdb", "wh.duckdb", schemas=("sales",)).catalog
    assert {t.schema for t in only_sales.tables()} == {"sales"}


def test_duckdb_keys_not_null_and_comment_metadata(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    connection = duckdb.connect(str(tmp_path / "keys.duckdb"))
    connection.execute(
        """
        CREATE SCHEMA shop;
        CREATE TABLE shop.customers (id INTEGER PRIMARY KEY, email VARCHAR NOT NULL UNIQUE, code VARCHAR);
        COMMENT ON COLUMN shop.customers.email IS 'Login #pii';
        COMMENT ON COLUMN shop.customers.code IS 'DEPRECATED: use id';
        CREATE TABLE shop.order_lines (
            order_id INTEGER, line_no INTEGER, sku VARCHAR, buyer INTEGER REFERENCES shop.customers (id),
            PRIMARY KEY (order_id, line_no),
            UNIQUE (sku, order_id)
        );
        CREATE VIEW shop.v AS SELECT id FROM shop.customers;
        """
    )
    connection.close()
    catalog = load(tmp_path, "duckdb", "keys.duckdb").catalog
    customers, lines = catalog.get("customers", "shop"), catalog.get("order_lines", "shop")
    assert customers is not None and lines is not None
    assert (customers.primary_key, customers.unique_keys) == (("id",), (("email",),))
    assert [c.name for c in customers.columns.values() if c.not_null] == ["id", "email"]
    email, code = customers.column("email"), customers.column("code")
    assert email is not None and email.tags == ("pii",)
    assert code is not None and code.deprecated == "use id"
    assert (lines.primary_key, lines.unique_keys) == (("order_id", "line_no"), (("sku", "order_id"),))
    assert lines.foreign_keys == (ForeignKey(("buyer",), "shop.customers", ("id",)),)
    assert [c.name for c in lines.columns.values() if c.not_null] == ["order_id", "line_no"]
    assert catalog.foreign_keys_between(customers, lines) == [(lines, lines.foreign_keys[0], customers)]


def test_duckdb_opened_read_only_even_while_another_process_reads_it(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    make_duckdb(tmp_path / "wh.duckdb")
    before = digest(tmp_path / "wh.duckdb")
    # A real other process: in this one DuckDB would share (and refuse) an instance opened with other settings.
    holds = (
        f"import duckdb, sys; c = duckdb.connect({str(tmp_path / 'wh.duckdb')!r}, read_only=True); "
        "print(1, flush=True); sys.stdin.read()"
    )
    reader = subprocess.Popen([sys.executable, "-c", holds], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline() == "1\n"
        [report] = load(tmp_path, "duckdb", "wh.duckdb").sources
        assert report.problems == [] and report.tables == 3
    finally:
        reader.communicate(timeout=60)
    assert digest(tmp_path / "wh.duckdb") == before


def test_duckdb_missing_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "wh.duckdb").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "duckdb", None)
    [report] = load(tmp_path, "duckdb", "wh.duckdb").sources
    assert "pip install 'domain-lsp[duckdb]'" in report.problems[0].message
