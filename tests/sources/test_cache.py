"""The on-disk catalog cache (a warm start equals a cold one, and is never used once a source
changed; a damaged file is a miss) and the catalog summary behind `domain-lsp catalog`. Planted
and foreign files, through the CLI: tests/robustness/test_cache_poisoning.py."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from domain_lsp.catalog.cache import FORMAT, HEADER, MAGIC, cache_file
from domain_lsp.catalog.load import LoadedCatalog, load_catalog
from domain_lsp.catalog.summary import render_text, summarize
from domain_lsp.config import load_config

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "dbt" / "shop"


def age(root: Path) -> None:
    """Make every file an hour old: files changed in the last seconds are never cached."""
    old = time.time() - 3600
    for path in root.rglob("*"):
        os.utime(path, (old, old))


def workspace(tmp_path: Path, live: str = "") -> Path:
    root = Path(shutil.copytree(SHOP, tmp_path / "shop"))
    (root / "schema.sql").write_text("CREATE TABLE audit.log (id int, at timestamp);\n", encoding="utf-8")
    (root / "domain-lsp.toml").write_text(
        '[sql]\ndialect = "postgres"\nschemas = ["target/manifest.json", "schema.sql"]\n' + live, encoding="utf-8"
    )
    age(root)
    return root


SQLITE = '\n[[sql.sources]]\nkind = "sqlite"\npath = "app.db"\nrefresh_interval = 3600\n'


def make_sqlite(root: Path) -> None:
    with sqlite3.connect(root / "app.db") as db:
        db.execute("CREATE TABLE events (id integer, at text)")
    db.close()
    age(root)


def snapshot(loaded: LoadedCatalog) -> list[object]:
    tables = sorted(loaded.catalog.tables(), key=lambda t: t.key)
    return [
        (
            t.qualified_name,
            t.kind,
            t.description,
            t.location,
            t.tags,
            t.deprecated,
            t.columns_known,
            (t.primary_key, t.unique_keys, t.foreign_keys, t.required_filters),
            [
                (k, c.name, c.type, c.description, c.location, c.tags, c.deprecated, c.not_null)
                for k, c in t.columns.items()
            ],
        )
        for t in tables
    ] + [loaded.catalog.schemas(), [r.kind for r in loaded.sources], [p.refs for p in loaded.dbt]]


def test_a_warm_start_gives_the_same_catalog(tmp_path: Path) -> None:
    root = workspace(tmp_path, SQLITE)
    make_sqlite(root)
    config = load_config(root / "domain-lsp.toml")
    cold = load_catalog(config)
    warm = load_catalog(config)
    assert not cold.from_cache and warm.from_cache
    # counted before any table's columns are unpacked, then compared whole
    assert summarize(warm)["columns"] == summarize(cold)["columns"] > 0
    assert snapshot(warm) == snapshot(cold)
    assert warm.sources == cold.sources and warm.dbt == cold.dbt
    assert warm.sources[-1].live is config.sql.sources[0]  # the settings come from the config, not the file
    assert warm.catalog.get("log", "audit") is not None
    fresh = load_catalog(config, use_cache=False)
    assert not fresh.from_cache and snapshot(fresh) == snapshot(cold)


KEYED = """\
CREATE TABLE core.customer (customer_id int PRIMARY KEY, email text NOT NULL UNIQUE, code text);
COMMENT ON COLUMN core.customer.email IS 'login #pii';
COMMENT ON COLUMN core.customer.code IS 'DEPRECATED: use customer_id';
CREATE TABLE sales.orders (
    order_id int, line int, customer_id int NOT NULL REFERENCES core.customer, note text,
    PRIMARY KEY (order_id, line),
    FOREIGN KEY (order_id, customer_id) REFERENCES sales.heads (order_id, customer_id)
);
CREATE TABLE plain (x int);
"""


def test_keys_not_null_tags_and_required_filters_survive_a_warm_start(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    (root / "schema.sql").write_text(KEYED, encoding="utf-8")
    (root / "bq.sql").write_text(
        "CREATE TABLE analytics.events (event_date DATE, id INT64)"
        " PARTITION BY event_date OPTIONS (require_partition_filter = TRUE);\n",
        encoding="utf-8",
    )
    (root / "domain-lsp.toml").write_text(
        '[sql]\ndialect = "bigquery"\nschemas = ["target/manifest.json", "schema.sql", "bq.sql"]\n', encoding="utf-8"
    )
    age(root)
    config = load_config(root / "domain-lsp.toml")
    cold = load_catalog(config)
    warm = load_catalog(config)
    assert not cold.from_cache and warm.from_cache
    assert snapshot(warm) == snapshot(cold)
    orders = warm.catalog.get("orders", "sales")
    assert orders is not None and orders.primary_key == ("order_id", "line")
    assert [fk.target for fk in orders.foreign_keys] == ["core.customer", "sales.heads"]
    assert [c.name for c in orders.columns.values() if c.not_null] == ["order_id", "line", "customer_id"]
    customer = warm.catalog.get("customer", "core")
    assert customer is not None and customer.unique_keys == (("email",),)
    email, code = customer.column("email"), customer.column("code")
    assert email is not None and email.tags == ("pii",) and email.not_null
    assert code is not None and code.deprecated == "use customer_id"
    events = warm.catalog.get("events", "analytics")
    assert events is not None and events.required_filters == ("event_date",)


def test_a_cache_of_the_previous_format_is_rebuilt_not_misread(tmp_path: Path) -> None:
    config = load_config(workspace(tmp_path) / "domain-lsp.toml")
    load_catalog(config)
    data = bytearray(cache_file(config).read_bytes())
    data[len(MAGIC) : len(MAGIC) + 4] = (FORMAT - 1).to_bytes(4, "little")
    cache_file(config).write_bytes(bytes(data))
    assert not load_catalog(config).from_cache
    assert int.from_bytes(cache_file(config).read_bytes()[len(MAGIC) : len(MAGIC) + 4], "little") == FORMAT


def test_a_changed_source_is_read_again(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    config = load_config(root / "domain-lsp.toml")
    load_catalog(config)
    (root / "schema.sql").write_text("CREATE TABLE audit.log (id int, at timestamp, who text);\n", encoding="utf-8")
    reloaded = load_catalog(config)
    assert not reloaded.from_cache
    log = reloaded.catalog.get("log", "audit")
    assert log is not None and log.column_names() == ["id", "at", "who"]
    # A new file matching a glob is a change too.
    (root / "more.sql").write_text("CREATE TABLE audit.more (id int);\n", encoding="utf-8")
    (root / "domain-lsp.toml").write_text(
        '[sql]\ndialect = "postgres"\nschemas = ["target/manifest.json", "*.sql"]\n', encoding="utf-8"
    )
    age(root)
    config = load_config(root / "domain-lsp.toml")
    load_catalog(config)
    (root / "extra.sql").write_text("CREATE TABLE audit.extra (id int);\n", encoding="utf-8")
    assert load_catalog(config).catalog.get("extra", "audit") is not None


def test_recently_changed_sources_are_not_cached(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    (root / "schema.sql").write_text("CREATE TABLE audit.log (id int);\n", encoding="utf-8")  # just now
    config = load_config(root / "domain-lsp.toml")
    load_catalog(config)
    assert not cache_file(config).exists()
    assert not load_catalog(config).from_cache


def test_a_corrupt_or_truncated_cache_is_ignored(tmp_path: Path) -> None:
    config = load_config(workspace(tmp_path) / "domain-lsp.toml")
    load_catalog(config)
    whole = cache_file(config).read_bytes()
    for broken in (b"\x80\x05garbage", whole[:-10]):  # the last table's columns cut short
        cache_file(config).write_bytes(broken)
        loaded = load_catalog(config)
        assert not loaded.from_cache and loaded.catalog.get("orders", "dbt_shop_marts", "warehouse") is not None
    assert cache_file(config).read_bytes()[: len(MAGIC)] == MAGIC  # rewritten


def test_a_tampered_table_is_read_without_columns_never_an_exception(tmp_path: Path) -> None:
    """Only a file changed after its key was written can hold a table whose columns do not
    decode: that table then has none, and asking for them never raises mid-analysis."""
    config = load_config(workspace(tmp_path) / "domain-lsp.toml")
    load_catalog(config)
    data = bytearray(cache_file(config).read_bytes())
    head = int.from_bytes(data[44:52], "little")
    start = HEADER.size + head
    data[start : start + 2] = b"{]"  # the first table's columns
    cache_file(config).write_bytes(bytes(data))
    warm = load_catalog(config)
    assert warm.from_cache
    first, *others = warm.catalog.tables()
    assert first.columns == {} and first.column_names() == []
    assert any(t.columns for t in others)


def test_the_previous_formats_file_is_removed(tmp_path: Path) -> None:
    config = load_config(workspace(tmp_path) / "domain-lsp.toml")
    old = cache_file(config).with_suffix(".pickle")
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(MAGIC + b"anything")
    load_catalog(config)
    assert cache_file(config).is_file() and not old.exists()


def test_the_summary_counts_sources_and_problems(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    (root / "schema.sql").write_text("CREATE TABLE audit.log (id int);\nCREATE TABLE (;\n", encoding="utf-8")
    loaded = load_catalog(load_config(root / "domain-lsp.toml"))
    summary = summarize(loaded, ["nothing/*.sql"])
    assert (summary["tables"], summary["views"], summary["columns"]) == (8, 3, 43)
    assert [(s["kind"], s["tables"], len(s["problems"])) for s in summary["sources"]] == [("dbt", 10, 0), ("ddl", 1, 1)]
    assert summary["sources"][1]["problems"][0]["line"] == 2
    assert summary["dbt_projects"] == [{"name": "shop", "root": str(root), "refs": 7, "sources": 3}]
    text = render_text(summary)
    assert f"{root / 'schema.sql'}:2:" in text and "missing  schema glob `nothing/*.sql`" in text
    assert text.endswith("read from the sources\n")


def test_the_catalog_command(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    env = {**os.environ, "DOMAIN_LSP_CACHE_DIR": str(tmp_path / "cache")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "domain_lsp", "catalog", *args]
        return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)

    first = run("--format", "json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["from_cache"] is False
    second = run("--format", "json")
    assert json.loads(second.stdout)["from_cache"] is True
    assert json.loads(run("--format", "json", "--refresh").stdout)["from_cache"] is False
    (root / "schema.sql").write_text("CREATE TABLE (;\n", encoding="utf-8")
    broken = run()
    assert broken.returncode == 1 and "schema statement skipped" in broken.stdout
    missing = run("--config", str(root / "nope.toml"))
    assert missing.returncode == 2 and "config file not found" in missing.stderr
