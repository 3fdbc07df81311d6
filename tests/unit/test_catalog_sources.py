"""Schema sources: what each adds to the catalog, where each name is defined, what goes wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain_lsp.catalog.load import load_catalog, schema_files
from domain_lsp.catalog.model import Catalog, Location
from domain_lsp.catalog.sources import SourceProblem
from domain_lsp.catalog.sources.ddl import load_ddl
from domain_lsp.catalog.sources.mapping import MappingError, load_mapping
from domain_lsp.config import Config, SqlSettings

DDL = """\
CREATE SCHEMA sales;
CREATE TABLE sales.orders (
    id int,
    total numeric(10, 2) -- gross, in cents
);
CREATE TABLE "Core"."Customer List" ("Full Name" text);
CREATE VIEW sales.big AS SELECT id, total AS amount FROM sales.orders;
ALTER TABLE sales.orders ADD COLUMN status text;
ALTER TABLE sales.orders RENAME COLUMN status TO state;
COMMENT ON TABLE sales.orders IS 'one row per order';
COMMENT ON COLUMN sales.orders.state IS 'open or closed';
"""


def ddl_catalog(text: str, dialect: str = "postgres", path: str = "s.sql") -> tuple[Catalog, list[SourceProblem]]:
    catalog = Catalog()
    problems, retries = load_ddl(Path(path), text, catalog, dialect)
    assert not retries
    return catalog, problems


def test_ddl_tables_and_columns_keep_type_description_and_location() -> None:
    catalog, problems = ddl_catalog(DDL)
    assert problems == []
    orders = catalog.get("orders", "sales")
    assert orders is not None
    assert orders.location == Location("s.sql", 1, 19)
    assert orders.description == "one row per order"
    assert orders.column_names() == ["id", "total", "state"]
    total = orders.column("total")
    assert total is not None
    assert (total.type, total.location) == ("DECIMAL(10, 2)", Location("s.sql", 3, 4))
    state = orders.column("STATE")  # names match case-insensitively
    assert state is not None
    assert (state.type, state.description, state.location) == ("TEXT", "open or closed", Location("s.sql", 8, 49))


def test_ddl_quoted_and_qualified_names() -> None:
    catalog, _ = ddl_catalog(DDL)
    table = catalog.get("Customer List", "Core")
    assert table is not None
    assert (table.name, table.schema, table.location) == ("Customer List", "Core", Location("s.sql", 5, 20))
    column = table.column("Full Name")
    assert column is not None and column.location == Location("s.sql", 5, 37)


def test_ddl_view_columns_come_from_its_query() -> None:
    catalog, _ = ddl_catalog(DDL)
    view = catalog.get("big", "sales")
    assert view is not None
    assert (view.kind, view.column_names(), view.location) == ("view", ["id", "amount"], Location("s.sql", 6, 18))


def test_ddl_three_part_names_keep_the_database() -> None:
    catalog, _ = ddl_catalog("CREATE TABLE wh.sales.t (a INT64);", "bigquery")
    table = catalog.get("t", "sales", "wh")
    assert table is not None and table.qualified_name == "wh.sales.t"


def test_ddl_problems_are_positioned_and_the_rest_loads() -> None:
    catalog, problems = ddl_catalog("CREATE TABLE a (x int);\n  CREATE TABLE (;\nCREATE TABLE b (y int);\n")
    assert [t.name for t in catalog.tables()] == ["a", "b"]
    assert len(problems) == 1
    assert (problems[0].line, problems[0].character) == (1, 15)
    assert problems[0].message.startswith("schema statement skipped:")


def test_views_over_later_files_load_and_underivable_ones_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text(
        "CREATE VIEW v AS SELECT k FROM later;\nCREATE VIEW w AS SELECT k + 1 FROM later;\n", encoding="utf-8"
    )
    (tmp_path / "b.sql").write_text("CREATE TABLE later (k int);\n", encoding="utf-8")
    loaded = load_catalog(Config(root=tmp_path))
    view = loaded.catalog.get("v")
    assert view is not None and view.column_names() == ["k"]
    first = loaded.sources[0]
    assert first.path.name == "a.sql"
    assert [(p.line, p.character) for p in first.problems] == [(1, 12)]
    assert "view `w` not loaded" in first.problems[0].message


# -- mappings -------------------------------------------------------------------------------------

JSON_MAPPING = """\
{
  "sales": {
    "orders": {
      "id": "int",
      "customer_id": {"type": "int", "description": "who ordered"}
    },
    "items": {"columns": {"sku": "text"}, "description": "line items"}
  }
}
"""

YAML_MAPPING = """\
# databases above schemas
warehouse:
  core:
    customers:
      id: int
      "on": boolean
      name:
        type: text
        description: full name
    tags:
      columns: [label, {name: weight, type: float}]
"""


def mapping_catalog(name: str, text: str) -> tuple[Catalog, list[SourceProblem]]:
    catalog = Catalog()
    return catalog, load_mapping(Path(name), text, catalog)


def test_json_mapping_keeps_types_descriptions_and_key_locations() -> None:
    catalog, problems = mapping_catalog("m.json", JSON_MAPPING)
    assert problems == []
    orders = catalog.get("orders", "sales")
    assert orders is not None
    assert orders.location == Location("m.json", 2, 4)
    customer = orders.column("customer_id")
    assert customer is not None
    assert (customer.type, customer.description, customer.location) == ("int", "who ordered", Location("m.json", 4, 6))
    id_column = orders.column("id")
    assert id_column is not None and id_column.location == Location("m.json", 3, 6)  # not inside "customer_id"
    items = catalog.get("items", "sales")
    assert items is not None
    assert (items.description, items.column_names()) == ("line items", ["sku"])
    sku = items.column("sku")
    assert sku is not None and sku.location == Location("m.json", 6, 26)


def test_yaml_mapping_with_a_database_level() -> None:
    catalog, problems = mapping_catalog("m.yaml", YAML_MAPPING)
    assert problems == []
    customers = catalog.get("customers", "core", "warehouse")
    assert customers is not None
    assert customers.location == Location("m.yaml", 3, 4)
    assert customers.column_names() == ["id", "on", "name"]  # `on` stays a name, not a boolean
    name = customers.column("name")
    assert name is not None
    assert (name.type, name.description, name.location) == ("text", "full name", Location("m.yaml", 6, 6))
    tags = catalog.get("tags", "core", "warehouse")
    assert tags is not None and tags.column_names() == ["label", "weight"]
    weight = tags.column("weight")
    assert weight is not None and weight.type == "float"
    assert catalog.has_schema("core", "warehouse")


def test_a_column_named_type_does_not_change_how_the_file_is_read() -> None:
    catalog, _ = mapping_catalog("m.yaml", "events:\n  clicks:\n    type: text\n    id: int\n  views:\n    id: int\n")
    clicks = catalog.get("clicks", "events")
    assert clicks is not None and clicks.column_names() == ["type", "id"]


def test_mapping_entry_problems_are_positioned_and_the_rest_loads() -> None:
    text = "core:\n  people:\n    id: int\n  broken: 3\nsales: [1, 2]\n"
    catalog, problems = mapping_catalog("m.yaml", text)
    assert catalog.get("people", "core") is not None
    assert problems == [
        SourceProblem("`core.broken`: expected a mapping of columns, got a number", 3, 2),
        SourceProblem("`sales`: expected a mapping of tables, got a list", 4, 0),
    ]


@pytest.mark.parametrize(
    ("name", "text", "message", "line", "column"),
    [
        (
            "m.json",
            '{"a": {"b": {"c": "int",}}}',
            "invalid JSON: Expecting property name enclosed in double quotes",
            0,
            24,
        ),
        ("m.json", "", "invalid JSON: Expecting value", 0, 0),
        ("m.yaml", "a:\n  b: [\n", "invalid YAML: expected the node content, but found '<stream end>'", 2, 0),
        ("m.yaml", "a: 1\n a: 2\n", "invalid YAML: mapping values are not allowed here", 1, 2),
        ("m.yaml", "", "empty mapping: expected schema → table → column → type", 0, 0),
        ("m.json", "[1]", "expected a mapping of schema → table → column → type at the top level, got a list", 0, 0),
    ],
)
def test_malformed_mappings_raise_with_a_position(name: str, text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(MappingError) as caught:
        load_mapping(Path(name), text, Catalog())
    assert (str(caught.value), caught.value.line, caught.value.column) == (message, line, column)


# -- loading a workspace --------------------------------------------------------------------------


def test_discovery_finds_only_files_that_create_tables(tmp_path: Path) -> None:
    (tmp_path / "ddl.sql").write_text("create or replace view v as select 1 as a;\n", encoding="utf-8")
    (tmp_path / "query.sql").write_text("SELECT 1;\n", encoding="utf-8")
    (tmp_path / "model.yaml").write_text("s:\n  t:\n    a: int\n", encoding="utf-8")
    assert [p.name for p in schema_files(Config(root=tmp_path))] == ["ddl.sql"]


def test_configured_globs_keep_their_order_and_accept_absolute_paths(tmp_path: Path) -> None:
    for name in ("b.sql", "a.sql", "m.yaml"):
        (tmp_path / name).write_text("", encoding="utf-8")
    settings = SqlSettings(schemas=(str(tmp_path / "m.yaml"), "*.sql", "a.sql"))
    files = schema_files(Config(root=tmp_path, path=tmp_path / "domain-lsp.toml", sql=settings))
    assert [p.name for p in files] == ["m.yaml", "a.sql", "b.sql"]


def test_a_bad_source_never_stops_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{oops", encoding="utf-8")
    (tmp_path / "b.sql").write_bytes(b"\0\0")
    (tmp_path / "c.sql").write_bytes(b"CREATE TABLE t (caf\xe9 int, b int);")
    (tmp_path / "d.yaml").write_text("s:\n  u:\n    x: int\n", encoding="utf-8")
    config = Config(root=tmp_path, path=tmp_path / "x.toml", sql=SqlSettings(schemas=("*",)))
    loaded = load_catalog(config)
    problems = {report.path.name: report.problems for report in loaded.sources}
    assert problems["a.json"] == [
        SourceProblem("invalid JSON: Expecting property name enclosed in double quotes", 0, 1)
    ]
    assert problems["b.sql"] == [SourceProblem("skipped: binary file (NUL bytes)")]
    assert problems["c.sql"] == [SourceProblem("invalid UTF-8 (byte 0xe9); loaded with replacement characters", 0, 19)]
    assert problems["d.yaml"] == []
    t = loaded.catalog.get("t")
    assert t is not None and t.column("b") is not None
    assert loaded.catalog.get("u", "s") is not None
