"""The resolver's bindings (analysis/sql/bindings.py): what each table and column name of a
statement refers to, read without resolving again, as hover, definition and rules read them."""

from __future__ import annotations

import pytest

from domain_lsp.analysis.sql.bindings import ColumnRef, StatementBindings, TableRef
from domain_lsp.analysis.sql.document import analyze_sql
from domain_lsp.catalog.model import Catalog, Column, Table
from domain_lsp.config import SqlSettings

SETTINGS = SqlSettings(dialect="postgres")


def catalog() -> Catalog:
    result = Catalog()
    for schema, name, columns in (
        ("core", "customer", [("customer_id", "bigint"), ("full_name", "text"), ("email", "text")]),
        ("sales", "orders", [("order_id", "bigint"), ("customer_id", "bigint"), ("total", "numeric")]),
    ):
        table = Table(name, schema)
        for column, type_ in columns:
            table.add_column(Column(column, type_))
        result.add_table(table)
    return result


CATALOG = catalog()


def bind(text: str) -> StatementBindings:
    analysis = analyze_sql(text, CATALOG, SETTINGS)
    return analysis.bindings_of(analysis.statements[0], SETTINGS)


def column(bindings: StatementBindings, text: str, token: str, occurrence: int = 1) -> ColumnRef:
    at = -1
    for _ in range(occurrence):
        at = text.index(token, at + 1)
    found = bindings.column_at(at)
    assert found is not None, f"no binding for `{token}` #{occurrence}"
    return found


def table(bindings: StatementBindings, text: str, token: str) -> TableRef:
    found = bindings.table_at(text.index(token))
    assert found is not None, f"no table binding for `{token}`"
    return found


def test_a_qualified_column_inside_a_cte_binds_to_the_ctes_own_alias() -> None:
    text = "WITH r AS (SELECT c.customer_id FROM customer c)\nSELECT c.order_id FROM orders c JOIN r ON r.customer_id = c.customer_id"
    bindings = bind(text)
    inside = column(bindings, text, "customer_id", 1)
    assert inside.status == "resolved" and inside.table is not None
    assert inside.table.qualified_name == "core.customer"
    assert inside.column is not None and inside.column.type == "bigint"
    outside = column(bindings, text, "customer_id", 3)
    assert outside.table is not None and outside.table.qualified_name == "sales.orders"
    through_cte = column(bindings, text, "customer_id", 2)
    assert through_cte.status == "resolved" and through_cte.table is None
    assert through_cte.source is not None and through_cte.source.table is not None
    assert through_cte.source.table.kind == "cte"
    assert bindings.scopes[through_cte.source.scope].outputs == ("customer_id",)


def test_an_unqualified_column_binds_in_its_own_level_only() -> None:
    text = "WITH o AS (SELECT customer_id FROM orders) SELECT customer_id, full_name FROM customer"
    bindings = bind(text)
    assert column(bindings, text, "customer_id", 1).table.qualified_name == "sales.orders"  # type: ignore[union-attr]
    assert column(bindings, text, "customer_id", 2).table.qualified_name == "core.customer"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "token", "status", "candidates"),
    [
        ("SELECT emial FROM customer", "emial", "unknown", ("email",)),
        ("SELECT customer_id FROM customer c JOIN orders o ON true", "customer_id", "ambiguous", ("c", "o")),
        ("SELECT ord.total FROM orders od", "total", "unknown-qualifier", ("od",)),
        ("SELECT anything FROM customer, generate_series(1, 3) g", "anything", "undecided", ()),
        ("SELECT count(*) AS n FROM orders HAVING n > 1", "n", "not-a-column", ()),
    ],
)
def test_column_statuses(text: str, token: str, status: str, candidates: tuple[str, ...]) -> None:
    bindings = bind(text)
    at = text.rindex(token) if status == "not-a-column" else text.index(token)
    found = bindings.column_at(at) or bindings.qualifier_at(at)
    assert found is not None
    assert found.status == status
    if candidates:
        assert found.candidates[: len(candidates)] == candidates


def test_table_references_carry_their_kind_and_candidates() -> None:
    text = "WITH w AS (SELECT 1 AS one) SELECT * FROM customer, custmer, w, information_schema.tables"
    bindings = bind(text)
    assert table(bindings, text, "customer,").kind == "catalog"
    unknown = table(bindings, text, "custmer")
    assert (unknown.kind, unknown.problem) == ("unknown", "unknown-table")
    assert unknown.candidates[0] == "customer"
    cte = table(bindings, text, "w,")
    assert cte.kind == "cte"
    definition = bindings.cte_definition(cte)
    assert definition is not None and definition.outputs == ("one",) and text[definition.start : definition.end] == "w"
    assert table(bindings, text, "tables").kind == "system"


def test_dml_target_columns_and_statement_kind() -> None:
    text = "INSERT INTO orders (order_id, totl) SELECT customer_id, 1 FROM customer"
    bindings = bind(text)
    assert bindings.kind == "insert"
    target = column(bindings, text, "order_id")
    assert target.status == "resolved" and target.table is not None and target.table.name == "orders"
    missing = column(bindings, text, "totl")
    assert missing.status == "unknown" and missing.candidates[0] == "total"
    assert table(bindings, text, "orders").table is CATALOG.get("orders", "sales")


def test_bindings_are_kept_with_the_analysis() -> None:
    analysis = analyze_sql("SELECT full_name FROM customer", CATALOG, SETTINGS)
    first = analysis.bindings_of(analysis.statements[0], SETTINGS)
    assert analysis.bindings_of(analysis.statements[0], SETTINGS) is first
