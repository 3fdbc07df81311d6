"""A reload after one schema file of many changed reads that file only, and gives the catalog a
cold load of the changed workspace gives, table for table and in the same order; so does the
on-disk cache it writes. Where a file depends on another (a view over another file's table) the
reload reads every file, with the same result. Through the real server:
tests/robustness/test_reload_in_server.py.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from domain_lsp.catalog.load import LoadedCatalog, load_catalog, load_sources, schema_file_reads
from domain_lsp.config import load_config

FILES = {
    "a.sql": "CREATE SCHEMA core;\nCREATE TABLE core.customer (id int PRIMARY KEY, name text NOT NULL);\n"
    "COMMENT ON TABLE core.customer IS 'one row per customer';\n",
    "b.sql": "CREATE TABLE core.orders (id int PRIMARY KEY, customer_id int REFERENCES core.customer (id),"
    " total numeric(12,2) -- gross\n);\nCREATE VIEW core.big_orders AS SELECT id, total FROM core.orders;\n",
    "c.sql": "CREATE TABLE sales.invoice (id int, gone text);\n"
    "CREATE FUNCTION sales.tax(amount numeric) RETURNS numeric AS $$ SELECT amount * 0.2 $$ LANGUAGE sql;\n",
    "d.sql": "CREATE TABLE sales.refund (id int, invoice_id int);\nALTER TABLE sales.refund ADD COLUMN at timestamp;\n",
    "e.sql": "CREATE TABLE core.customer (id int, email text);\n",  # redefines a.sql's: the later one wins
}
CHANGED = (
    "CREATE TABLE sales.invoice (id int, added date, total numeric);\nCREATE TABLE sales.credit (id int);\n"
    "CREATE FUNCTION sales.tax(amount numeric, rate numeric) RETURNS numeric AS $$ SELECT 1 $$ LANGUAGE sql;\n"
)


def workspace(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "ws"
    (root / "schema").mkdir(parents=True)
    for name, text in files.items():
        (root / "schema" / name).write_text(text, encoding="utf-8")
    (root / "domain-lsp.toml").write_text('[sql]\ndialect = "postgres"\nschemas = ["schema/*.sql"]\n', encoding="utf-8")
    age(root, 3600)
    return root


def age(root: Path, seconds: float) -> None:
    """Old mtimes: a file changed in the last seconds is never cached (cache.RACY_SECONDS)."""
    old = time.time() - seconds
    for path in root.rglob("*"):
        os.utime(path, (old, old))


def change(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    old = time.time() - 600  # another stamp than before, and old enough to be cached
    os.utime(path, (old, old))


def dump(loaded: LoadedCatalog) -> object:
    """Everything a catalog holds, in its own order (lookups by bare name too)."""
    catalog = loaded.catalog
    tables = [
        (
            t.key,
            t.name,
            t.schema,
            t.database,
            t.kind,
            t.description,
            t.location,
            t.tags,
            t.columns_known,
            t.primary_key,
            t.unique_keys,
            t.foreign_keys,
            [(c.name, c.type, c.description, c.location, c.not_null) for c in t.columns.values()],
        )
        for t in catalog.tables()
    ]
    by_name = {t.name: [x.key for x in catalog.tables_named(t.name)] for t in catalog.tables()}
    functions = [(f.name, f.schema, f.signature, f.location) for f in catalog.functions()]
    reports = [(r.path, r.kind, r.tables, r.problems, r.inputs) for r in loaded.sources]
    return tables, by_name, catalog.schema_entries(), functions, reports


def test_one_changed_file_is_the_only_one_read_and_the_catalog_is_a_cold_loads(tmp_path: Path) -> None:
    root = workspace(tmp_path, FILES)
    config = load_config(root / "domain-lsp.toml")
    first = load_catalog(config)
    assert not first.from_cache
    change(root / "schema" / "c.sql", CHANGED)

    reads = schema_file_reads()
    reloaded = load_catalog(config, previous=first)
    assert schema_file_reads() - reads == 1  # c.sql only
    cold = load_sources(config)
    assert dump(reloaded) == dump(cold)
    assert reloaded.catalog.get("invoice", "sales").column_names() == ["id", "added", "total"]  # type: ignore[union-attr]
    assert reloaded.catalog.get("customer", "core").column_names() == ["id", "email"]  # type: ignore[union-attr]

    warm = load_catalog(config)  # the reload's result was saved for the next start
    assert warm.from_cache
    assert dump(warm) == dump(cold)

    # And again from the reloaded catalog: what a reload keeps is as good as what it read.
    change(root / "schema" / "a.sql", FILES["a.sql"].replace("name text", "full_name text"))
    again = load_catalog(config, previous=reloaded)
    assert dump(again) == dump(load_sources(config))


def test_a_file_that_asks_about_another_makes_the_reload_read_all_of_them(tmp_path: Path) -> None:
    files = {**FILES, "f.sql": "CREATE VIEW sales.open_invoices AS SELECT * FROM sales.invoice;\n"}
    root = workspace(tmp_path, files)
    config = load_config(root / "domain-lsp.toml")
    first = load_catalog(config)
    change(root / "schema" / "c.sql", CHANGED.replace("id int, added", "id bigint, added"))
    reads = schema_file_reads()
    reloaded = load_catalog(config, previous=first)
    assert schema_file_reads() - reads == len(files)
    assert dump(reloaded) == dump(load_sources(config))


@pytest.mark.parametrize(
    "event",
    ["new file", "removed file", "another config", "unreadable"],
)
def test_what_a_reload_cannot_keep_is_read_again(tmp_path: Path, event: str) -> None:
    root = workspace(tmp_path, FILES)
    config = load_config(root / "domain-lsp.toml")
    first = load_catalog(config)
    if event == "new file":
        change(root / "schema" / "f.sql", "CREATE TABLE sales.extra (id int);\n")
    elif event == "removed file":
        (root / "schema" / "d.sql").unlink()
    elif event == "another config":
        change(root / "domain-lsp.toml", '[sql]\ndialect = "duckdb"\nschemas = ["schema/*.sql"]\n')
        config = load_config(root / "domain-lsp.toml")
    else:
        change(root / "schema" / "c.sql", "CREATE TABLE sales.invoice (id int);\n\0\0binary")
    reloaded = load_catalog(config, previous=first)
    assert dump(reloaded) == dump(load_sources(config))
