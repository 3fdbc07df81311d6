"""dbt keys: a manifest written by a real `dbt compile` (tests/fixtures/dbt/build_keys.py) with
data tests under `tests:` and `data_tests:`, on columns, models and a source, a model contract's
constraints and `meta.required_filters`, read into the catalog."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from domain_lsp.catalog.load import load_sources
from domain_lsp.catalog.model import Catalog, ForeignKey, Table
from domain_lsp.config import Config, SqlSettings

KEYS = Path(__file__).resolve().parents[1] / "fixtures" / "dbt" / "keys"
SETTINGS = SqlSettings(dialect="duckdb", schemas=("target/manifest.json",))


def catalog_of(root: Path) -> Catalog:
    loaded = load_sources(Config(root=root, sql=SETTINGS))
    assert [(r.kind, r.problems) for r in loaded.sources] == [("dbt", [])]
    return loaded.catalog


def table(catalog: Catalog, name: str, schema: str = "main") -> Table:
    found = catalog.get(name, schema, "keys")
    assert found is not None, name
    return found


def not_null(found: Table) -> list[str]:
    return [c.name for c in found.columns.values() if c.not_null]


def test_unique_not_null_and_relationships_tests_under_either_key() -> None:
    catalog = catalog_of(KEYS)
    customers = table(catalog, "customers")
    assert customers.unique_keys == (("customer_id",),)  # `tests:`
    assert not_null(customers) == ["customer_id", "email"]  # `tests:` and `data_tests:`
    assert customers.foreign_keys == (ForeignKey(("account_no",), "keys.raw.accounts", ("account_no",)),)
    orders = table(catalog, "orders")
    assert orders.unique_keys == (("order_id",),)  # not status (a `where`), nor an expression
    assert orders.foreign_keys == (ForeignKey(("customer_id",), "keys.main.customers", ("customer_id",)),)
    assert catalog.foreign_keys_between(orders, customers) == [(orders, orders.foreign_keys[0], customers)]


def test_tests_on_a_source_and_model_level_tests() -> None:
    catalog = catalog_of(KEYS)
    accounts = table(catalog, "accounts", "raw")
    assert accounts.unique_keys == (("account_no",),)
    assert accounts.columns_known and not_null(accounts) == ["account_no"]
    events = table(catalog, "events")
    assert not_null(events) == ["customer_id"]  # `not_null: {column_name: customer_id}` on the model


def test_contract_constraints_on_the_model_and_its_columns() -> None:
    catalog = catalog_of(KEYS)
    lines = table(catalog, "order_lines")
    assert lines.primary_key == ("order_id", "line_no")
    assert lines.unique_keys == (("sku",),)
    assert lines.foreign_keys == (
        ForeignKey(("order_id",), "keys.main.orders", ("order_id",)),
        ForeignKey(("buyer_id",), "keys.main.customers", ("customer_id",)),
    )
    assert not_null(lines) == ["order_id", "line_no", "sku"]
    assert catalog.resolve_reference(lines.foreign_keys[1], lines.schema) is table(catalog, "customers")


def test_meta_required_filters() -> None:
    catalog = catalog_of(KEYS)
    assert table(catalog, "events").required_filters == ("event_date",)
    assert table(catalog, "orders").required_filters == ()


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    return Path(shutil.copytree(KEYS, tmp_path / "keys"))


def test_a_contract_read_before_compile_names_refs_and_sources(keys: Path) -> None:
    """`dbt parse` leaves `to: ref('orders')` as written; the catalog resolves it as dbt would."""
    path = keys / "target" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    node = manifest["nodes"]["model.keys.order_lines"]
    node["constraints"][1]["to"] = "ref('orders')"
    node["columns"]["buyer_id"]["constraints"][0]["to"] = "source('raw', 'accounts')"
    node["columns"]["sku"]["constraints"].append({"type": "foreign_key", "to": "ref('nowhere')", "to_columns": ["x"]})
    path.write_text(json.dumps(manifest), encoding="utf-8")
    lines = table(catalog_of(keys), "order_lines")
    assert lines.foreign_keys == (
        ForeignKey(("order_id",), "keys.main.orders", ("order_id",)),
        ForeignKey(("buyer_id",), "keys.raw.accounts", ("customer_id",)),
    )


def test_malformed_key_entries_are_skipped_not_fatal(keys: Path) -> None:
    path = keys / "target" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    node = manifest["nodes"]["model.keys.order_lines"]
    node["constraints"] = [{"type": "primary_key", "columns": "order_id"}, "junk", {"type": "unique", "columns": [1]}]
    node["meta"] = {"required_filters": [3, "a b", "line_no"]}
    test_node = manifest["nodes"]["test.keys.unique_customers_customer_id.c5af1ff4b1"]
    test_node["test_metadata"]["kwargs"] = None
    test_node["column_name"] = ["customer_id"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    catalog = catalog_of(keys)
    lines = table(catalog, "order_lines")
    assert (lines.primary_key, lines.unique_keys, lines.required_filters) == ((), (("sku",),), ("line_no",))
    assert table(catalog, "customers").unique_keys == ()
