"""Keys and metadata in a mapping file: what each key gives, and a bad one reported at its line."""

from __future__ import annotations

import json
from pathlib import Path

from domain_lsp.catalog.model import Catalog, ForeignKey, Table
from domain_lsp.catalog.sources import SourceProblem
from domain_lsp.catalog.sources.mapping import load_mapping

YAML = """\
core:
  customer:
    primary_key: customer_id
    unique_keys: [email, [region, account_no]]
    tags: [master]
    columns:
      customer_id: int
      email: {type: text, not_null: true, tags: [pii]}
      region: {type: text, nullable: false}
      account_no: int
      legacy_code: {type: text, deprecated: use customer_id}
sales:
  orders_v1:
    deprecated: use sales.orders
    columns: [order_id]
  orders:
    primary_key: [order_id]
    foreign_keys:
      - columns: [customer_id]
        references: core.customer(customer_id)
    required_filters: [order_date]
    not_null: [order_date]
    columns:
      order_id: int
      customer_id: int
      order_date: date
      coupon: {type: text, references: "marketing.coupon", unique: true}
  lines:
    - name: order_id
      primary_key: true
    - name: sku
      constraints: [unique, not_null]
"""


def load(name: str, text: str) -> tuple[Catalog, list[SourceProblem]]:
    catalog = Catalog()
    problems = load_mapping(Path(name), text, catalog)
    return catalog, problems


def get(catalog: Catalog, name: str, schema: str) -> Table:
    table = catalog.get(name, schema)
    assert table is not None, name
    return table


def not_null(table: Table) -> list[str]:
    return [c.name for c in table.columns.values() if c.not_null]


def test_table_and_column_keys_and_metadata() -> None:
    catalog, problems = load("m.yaml", YAML)
    assert problems == []
    customer = get(catalog, "customer", "core")
    assert customer.primary_key == ("customer_id",)
    assert customer.unique_keys == (("email",), ("region", "account_no"))
    assert not_null(customer) == ["customer_id", "email", "region"]
    assert customer.tags == ("master",)
    email, legacy = customer.column("email"), customer.column("legacy_code")
    assert email is not None and email.tags == ("pii",)
    assert legacy is not None and legacy.deprecated == "use customer_id"
    assert get(catalog, "orders_v1", "sales").deprecated == "use sales.orders"
    orders = get(catalog, "orders", "sales")
    assert orders.primary_key == ("order_id",)
    assert orders.foreign_keys == (
        ForeignKey(("coupon",), "marketing.coupon", ()),
        ForeignKey(("customer_id",), "core.customer", ("customer_id",)),
    )
    assert orders.unique_keys == (("coupon",),)
    assert orders.required_filters == ("order_date",)
    assert not_null(orders) == ["order_id", "order_date"]
    assert catalog.foreign_keys_between(orders, customer) == [(orders, orders.foreign_keys[1], customer)]
    lines = get(catalog, "lines", "sales")
    assert (lines.primary_key, lines.unique_keys, not_null(lines)) == (("order_id",), (("sku",),), ["order_id", "sku"])


def test_the_same_keys_in_json() -> None:
    import yaml

    data = yaml.safe_load(YAML)
    json_catalog, problems = load("m.json", json.dumps(data, indent=2))
    yaml_catalog, _ = load("m.yaml", YAML)
    assert problems == []
    for table in yaml_catalog.tables():
        other = get(json_catalog, table.name, table.schema)
        assert (other.primary_key, other.unique_keys, other.foreign_keys, other.required_filters) == (
            table.primary_key,
            table.unique_keys,
            table.foreign_keys,
            table.required_filters,
        )
        assert not_null(other) == not_null(table)


def test_a_bad_key_is_a_problem_at_its_line_and_the_rest_loads() -> None:
    text = """\
s:
  t:
    primary_key: [id, nope]
    unique_keys: name
    foreign_keys:
      - columns: [id]
        references: "other(a, b)"
      - references: other
    required_filters: 3
    columns:
      id: int
      name: {type: text, references: "x(("}
  u:
    id: int
"""
    catalog, problems = load("m.yaml", text)
    assert problems == [
        SourceProblem(
            "`s.t`: `references` must be `table` or `table(column, ...)`, one column per referencing column", 11, 25
        ),
        SourceProblem("`s.t`: `primary_key` names `nope`, not a column of the table", 2, 4),
        SourceProblem("`s.t`: `unique_keys` must be a list of keys", 3, 4),
        SourceProblem("`s.t`: `required_filters` must be a column name or a list of them", 8, 4),
        SourceProblem(
            "`s.t`: `references` must be `table` or `table(column, ...)`, one column per referencing column", 4, 4
        ),
        SourceProblem("`s.t`: each foreign key is `{columns: [...], references: table(columns)}`", 4, 4),
    ]
    t = get(catalog, "t", "s")
    assert (t.primary_key, t.unique_keys, t.foreign_keys, t.required_filters) == ((), (), (), ())
    assert t.column_names() == ["id", "name"] and catalog.get("u", "s") is not None


def test_the_documented_example_loads_as_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    [example] = [block for block in doc.split("```yaml\n")[1:] if "foreign_keys:" in block]
    text = "\n".join(line[2:] for line in example.split("```")[0].splitlines())
    catalog, problems = load("example.yaml", text)
    assert problems == []
    customer, orders = get(catalog, "customer", "core"), get(catalog, "orders", "sales")
    assert customer.unique_keys == (("account_no",), ("email",), ("region", "account_no"))
    assert not_null(customer) == ["customer_id", "email", "region"]
    assert orders.foreign_keys == (
        ForeignKey(("coupon",), "marketing.coupon", ("code",)),
        ForeignKey(("customer_id",), "core.customer", ("customer_id",)),
    )
    assert get(catalog, "orders_v1", "sales").deprecated == "use sales.orders"
