"""SQL completion on finished and unfinished SQL: `|` marks the cursor in each case."""

from __future__ import annotations

import logging

import pytest
from sqlglot.tokens import Token

from domain_lsp.analysis.sql.complete import MAX_ITEMS, Completion, complete_sql, replace_range
from domain_lsp.analysis.sql.completion.cursor import find_cursor
from domain_lsp.analysis.sql.completion.lookup import QuietContext
from domain_lsp.analysis.sql.completion.sources import find_sources
from domain_lsp.catalog.model import Catalog, Column, Function, Table
from domain_lsp.config import SqlSettings

SETTINGS = SqlSettings(dialect="postgres", search_path=("sales", "core"))

ORDERS = ["order_id", "customer_id", "status", "ordered_at"]
CUSTOMER = ["customer_id", "name", "email"]
ORDER_LINE = ["order_id", "product_id", "quantity"]


def _table(schema: str, name: str, columns: list[str], kind: str = "table", description: str | None = None) -> Table:
    table = Table(name, schema, kind=kind, description=description)
    for column in columns:
        column_name, _, column_type = column.partition(":")
        table.add_column(Column(column_name, column_type or "bigint", f"about {column_name}"))
    return table


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    catalog = Catalog()
    catalog.add_table(_table("sales", "orders", ORDERS, description="One row per order"))
    catalog.add_table(_table("sales", "order_line", ORDER_LINE))
    catalog.add_table(_table("sales", "order_revenue", ["order_id", "revenue"], kind="view"))
    catalog.add_table(_table("core", "customer", CUSTOMER))
    catalog.add_table(_table("core", "product", ["product_id", "title"]))
    catalog.add_table(_table("crm", "contacts", ["contact_id", "customer_id", "Full Name"]))
    catalog.add_table(_table("crm", "OrderNotes", ["note"]))
    catalog.add_table(_table("crm", "audit", ["order", "user", "date", "status"]))
    catalog.add_schema("empty")
    catalog.add_function(Function("fiscal_quarter", "core", "fiscal_quarter(d date) RETURNS int", "Quarter of the FY"))
    return catalog


def complete(sql: str, catalog: Catalog, settings: SqlSettings = SETTINGS) -> list[Completion]:
    offset = sql.index("|")
    return complete_sql(sql[:offset] + sql[offset + 1 :], offset, catalog, settings)


def labels(items: list[Completion], kind: str | None = None) -> list[str]:
    return [c.label for c in items if kind is None or c.kind == kind]


def by_label(items: list[Completion], label: str, kind: str | None = None) -> Completion:
    return next(c for c in items if c.label == label and (kind is None or c.kind == kind))


# -- after FROM / JOIN / INTO / UPDATE -----------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM |",
        "SELECT * FROM orders o JOIN |",
        "SELECT * FROM orders o LEFT JOIN | ON true",
        "SELECT * FROM orders o, |",
        "INSERT INTO |",
        "UPDATE |",
        "DELETE FROM |",
        "SELECT 1;\nSELECT * FROM |",
        "SELECT * FROM |\nWHERE status = 'x'",
    ],
)
def test_table_context_offers_search_path_tables_and_schemas(sql: str, catalog: Catalog) -> None:
    items = complete(sql, catalog)
    tables = labels(items, "table")
    assert tables == ["order_line", "orders", "customer", "product"]  # search-path order, then by name
    assert "order_revenue" in labels(items, "view")
    assert labels(items, "schema") == ["core", "crm", "empty", "sales"]
    assert "contacts" not in labels(items)  # crm is not on the search path: reached through `crm.`
    assert all(c.kind != "column" for c in items)


def test_table_items_carry_schema_and_description(catalog: Catalog) -> None:
    orders = by_label(complete("SELECT * FROM ord|", catalog), "orders")
    assert (orders.kind, orders.detail, orders.documentation, orders.insert_text) == (
        "table",
        "table in sales",
        "One row per order",
        None,
    )


def test_typed_prefix_filters_tables_and_reaches_other_schemas_qualified(catalog: Catalog) -> None:
    items = complete("SELECT * FROM con|", catalog)
    assert labels(items) == ["contacts"]
    assert items[0].insert_text == "crm.contacts"
    assert items[0].detail == "table in crm"
    items = complete("SELECT * FROM ORD|", catalog)
    assert labels(items)[:3] == ["order_line", "order_revenue", "orders"]
    notes = by_label(items, "OrderNotes")
    assert notes.insert_text == 'crm."OrderNotes"'  # mixed case must be quoted in PostgreSQL
    assert items.index(notes) > items.index(by_label(items, "orders"))  # search path first


def test_same_name_in_two_schemas_gives_two_items() -> None:
    catalog = Catalog()
    catalog.add_table(_table("sales", "orders", ORDERS))
    catalog.add_table(_table("archive", "orders", ORDERS))
    items = complete("SELECT * FROM ord|", catalog)
    assert [(c.label, c.insert_text, c.detail) for c in items] == [
        ("orders", None, "table in sales"),
        ("orders", "archive.orders", "table in archive"),
    ]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT * FROM sales.|", ["order_line", "order_revenue", "orders"]),
        ("SELECT * FROM sales.ord|", ["order_line", "order_revenue", "orders"]),
        ("SELECT * FROM sales.orders_|", []),
        ("SELECT * FROM crm.|", ["audit", "contacts", "OrderNotes"]),
        ("SELECT * FROM orders o JOIN core.| ON true", ["customer", "product"]),
        ("SELECT * FROM empty.|", []),
        ("DELETE FROM sales.r|", []),
    ],
)
def test_schema_dot_offers_that_schemas_tables(sql: str, expected: list[str], catalog: Catalog) -> None:
    items = complete(sql, catalog)
    assert labels(items) == expected
    assert all(c.kind in ("table", "view") for c in items)


def test_cte_names_and_file_tables_in_table_context(catalog: Catalog) -> None:
    sql = (
        "CREATE TEMP TABLE scratch (id int, note text);\n"
        "CREATE VIEW sales.big_orders AS SELECT order_id, status FROM orders;\n"
        "WITH recent AS (SELECT * FROM orders), totals AS (SELECT 1 AS n)\n"
        "SELECT * FROM |"
    )
    items = complete(sql, catalog)
    assert labels(items, "cte") == ["recent", "totals"]
    assert "scratch" in labels(items, "table")
    assert by_label(items, "scratch").detail == "temporary table"
    assert "big_orders" in labels(items, "view")
    assert labels(items)[:2] == ["recent", "totals"]  # the statement's own names first


def test_cte_does_not_offer_itself_inside_its_body(catalog: Catalog) -> None:
    items = complete("WITH a AS (SELECT 1 AS x), b AS (SELECT * FROM |) SELECT * FROM b", catalog)
    assert labels(items, "cte") == ["a"]


def test_dropped_and_altered_tables_follow_the_file(catalog: Catalog) -> None:
    sql = "DROP TABLE sales.order_line;\nALTER TABLE orders ADD COLUMN channel text;\nSELECT o.| FROM ord| o"
    tables = complete(sql.replace("o.|", "o.", 1), catalog)
    assert sorted(labels(tables)) == ["OrderNotes", "order_revenue", "orders"]  # no order_line
    columns = complete(sql.replace("ord| o", "orders o"), catalog)
    assert labels(columns) == [*ORDERS, "channel"]
    assert by_label(columns, "channel").detail == "TEXT · o"


# -- columns after `alias.` -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT o.| FROM orders o", ORDERS),
        ("SELECT o.| FROM orders AS o JOIN customer c ON c.customer_id = o.customer_id", ORDERS),
        ("SELECT c.| FROM orders AS o JOIN customer c ON c.customer_id = o.customer_id", CUSTOMER),
        ("SELECT orders.| FROM orders", ORDERS),
        ("SELECT sales.orders.| FROM sales.orders", ORDERS),
        ("SELECT * FROM orders o JOIN customer c ON c.| ", CUSTOMER),
        ("SELECT * FROM orders o JOIN customer c ON o.customer_id = c.|", CUSTOMER),
        ("SELECT * FROM orders o WHERE o.| AND o.status = 'new'", ORDERS),
        ("SELECT o.stat| FROM orders o", ["status"]),
        ("SELECT o.id| FROM orders o", ["order_id", "customer_id"]),  # substring matches too
        ("SELECT o.| , CASE FROM orders o", ORDERS),
        ("SELECT o.| FROM orders o JOIN", ORDERS),
        ("SELECT o.| FROM orders o WHERE", ORDERS),
        ("SELECT x.| FROM orders o", []),
        ("SELECT customer.| FROM orders", CUSTOMER),  # a table not in FROM yet
        ("UPDATE orders o SET status = 'x' WHERE o.|", ORDERS),
        ("DELETE FROM orders o USING customer c WHERE c.|", CUSTOMER),
    ],
)
def test_qualifier_dot_offers_that_sources_columns(sql: str, expected: list[str], catalog: Catalog) -> None:
    items = complete(sql, catalog)
    assert labels(items) == expected
    assert all(c.kind == "column" for c in items)


def test_column_items_carry_type_source_and_comment(catalog: Catalog) -> None:
    status = by_label(complete("SELECT o.| FROM orders o", catalog), "status")
    assert (status.detail, status.documentation, status.insert_text) == ("bigint · o", "about status", None)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("WITH r (a, b) AS (SELECT 1, 2) SELECT r.| FROM r", ["a", "b"]),
        ("WITH r AS (SELECT order_id AS oid, status FROM orders) SELECT r.| FROM r", ["oid", "status"]),
        ("WITH r AS (SELECT * FROM customer) SELECT x.| FROM r x", CUSTOMER),
        ("WITH a AS (SELECT 1 AS k), b AS (SELECT k, 2 AS m FROM a) SELECT b.| FROM b", ["k", "m"]),
        ("SELECT d.| FROM (SELECT order_id, count(*) AS n FROM order_line GROUP BY order_id) d", ["order_id", "n"]),
        ("SELECT d.| FROM (SELECT 1, 2) AS d (x, y)", ["x", "y"]),
        ("SELECT * FROM (SELECT status AS s FROM orders) d WHERE d.|", ["s"]),
        ("WITH r AS (SELECT order_id AS oid FROM orders) SELECT CASE WHEN r.| FROM r", ["oid"]),  # unparseable
    ],
)
def test_cte_and_derived_table_columns(sql: str, expected: list[str], catalog: Catalog) -> None:
    assert labels(complete(sql, catalog)) == expected


# -- columns in expression clauses ---------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT | FROM orders",
        "SELECT | FROM orders WHERE",
        "SELECT  | FROM orders WHERE status =",
        "SELECT order_id, | FROM orders",
        "SELECT * FROM orders WHERE |",
        "SELECT * FROM orders WHERE status = 'x' AND |",
        "SELECT * FROM orders WHERE (status = 'x' OR |",
        "SELECT * FROM orders GROUP BY |",
        "SELECT * FROM orders ORDER BY status, |",
        "SELECT status FROM orders GROUP BY status HAVING count(|) > 1",
        "SELECT sum(| FROM orders",
        "SELECT CASE WHEN | FROM orders",
        "SELECT CASE WHEN status = 'x' THEN | END FROM orders",
        "UPDATE orders SET status = | WHERE order_id = 1",
        "DELETE FROM orders WHERE |",
        "SELECT 1;\nSELECT | FROM orders;\nSELECT 2",
        "INSERT INTO sales.order_line SELECT | FROM orders",
        "SELECT * FROM orders WHERE status = 'from' AND |",
        "SELECT row_number() OVER (PARTITION BY | ORDER BY ordered_at) FROM orders",
        "EXPLAIN SELECT | FROM orders",
        "CREATE VIEW v AS SELECT | status FROM orders",
        "CREATE TABLE t AS SELECT | FROM orders WHERE",
    ],
)
def test_expression_offers_columns_of_sources_in_scope(sql: str, catalog: Catalog) -> None:
    items = complete(sql, catalog)
    assert labels(items, "column")[:4] == ORDERS
    assert labels(items, "table") == ["orders"]
    assert "CASE" in labels(items, "keyword")
    assert items[0].label == "order_id"  # columns come first


def test_expression_with_prefix_filters_columns_functions_and_keywords(catalog: Catalog) -> None:
    items = complete("SELECT st| FROM orders", catalog)
    assert items[0].label == "status"
    assert "string_agg" in labels(items, "function")
    assert all(c.label.lower().startswith("st") for c in items if c.kind != "column")
    assert "customer_id" in labels(items, "column")  # contains `st`, ranked after prefix matches
    assert items.index(by_label(items, "customer_id")) > items.index(by_label(items, "string_agg"))


def test_catalog_functions_are_offered(catalog: Catalog) -> None:
    item = by_label(complete("SELECT fisc| FROM orders", catalog), "fiscal_quarter")
    assert (item.kind, item.detail, item.documentation) == (
        "function",
        "fiscal_quarter(d date) RETURNS int",
        "Quarter of the FY",
    )


def test_columns_in_several_sources_are_offered_qualified(catalog: Catalog) -> None:
    items = complete("SELECT | FROM orders o JOIN customer c ON c.customer_id = o.customer_id", catalog)
    columns = labels(items, "column")
    assert columns == ["order_id", "o.customer_id", "status", "ordered_at", "c.customer_id", "name", "email"]
    assert by_label(items, "c.customer_id").insert_text is None
    assert labels(items, "alias") == ["o", "c"]
    assert by_label(items, "o", "alias").detail == "alias of sales.orders"


def test_from_after_the_cursor_and_aliases_defined_later(catalog: Catalog) -> None:
    items = complete("SELECT |\nFROM orders o\nJOIN order_line l ON l.order_id = o.order_id\nWHERE", catalog)
    assert labels(items, "column") == [
        "o.order_id",
        "customer_id",
        "status",
        "ordered_at",
        "l.order_id",
        "product_id",
        "quantity",
    ]


def test_subquery_sees_its_own_sources_first_then_the_outer_query(catalog: Catalog) -> None:
    sql = "SELECT * FROM orders o WHERE EXISTS (SELECT 1 FROM order_line l WHERE l.order_id = o.order_id AND |)"
    items = complete(sql, catalog)
    columns = labels(items, "column")
    assert columns[:3] == ORDER_LINE
    assert {"status", "ordered_at"} <= set(columns[3:])  # correlated: the outer query's columns
    inner = complete("SELECT * FROM orders WHERE order_id IN (SELECT | FROM customer)", catalog)
    assert labels(inner, "column")[:3] == CUSTOMER


def test_derived_table_does_not_see_the_outer_query(catalog: Catalog) -> None:
    items = complete("SELECT * FROM orders o, (SELECT | FROM customer) c", catalog)
    assert labels(items, "column") == CUSTOMER


def test_cursor_inside_a_cte_body(catalog: Catalog) -> None:
    items = complete("WITH r AS (SELECT | FROM customer WHERE) SELECT * FROM r", catalog)
    assert labels(items, "column") == CUSTOMER


def test_unparseable_copies_stay_quiet(catalog: Catalog, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="sqlglot"):
        assert labels(complete("CREATE VIEW v AS SELECT | o.status FROM orders o", catalog), "column")
    assert not [r for r in caplog.records if r.name.startswith("sqlglot")]


def test_order_by_offers_output_aliases(catalog: Catalog) -> None:
    items = complete("SELECT status AS state, count(*) AS n FROM orders ORDER BY |", catalog)
    assert {"state", "n"} <= set(labels(items, "column"))


def test_unparseable_statement_falls_back_to_a_token_scan(catalog: Catalog) -> None:
    sql = "SELECT CASE WHEN o.status = 'new' THEN | FROM orders o JOIN (SELECT 1 AS one) x ON ("
    offset = sql.index("|")
    text = sql.replace("|", "")
    cursor = find_cursor(text, offset, "postgres")
    assert cursor is not None
    found = find_sources(text, cursor, QuietContext(catalog, "postgres", ("sales", "core")))
    assert not found.parsed
    assert [s.name for s in found.sources] == ["o", "x"]
    assert labels(complete(sql, catalog), "column") == [*ORDERS, "one"]


def test_insert_column_list_offers_the_targets_unused_columns(catalog: Catalog) -> None:
    assert labels(complete("INSERT INTO sales.orders (|", catalog)) == ORDERS
    assert labels(complete("INSERT INTO orders (order_id, |) VALUES (1, 2)", catalog)) == ORDERS[1:]


# -- quoted identifiers -------------------------------------------------------------------------


def test_names_that_need_quotes_are_inserted_quoted(catalog: Catalog) -> None:
    items = complete("SELECT c.| FROM crm.contacts c", catalog)
    assert by_label(items, "Full Name").insert_text == '"Full Name"'
    assert by_label(items, "contact_id").insert_text is None


def test_reserved_words_are_inserted_quoted(catalog: Catalog) -> None:
    items = complete("SELECT a.| FROM crm.audit a", catalog)
    inserts = {c.label: c.insert_text for c in items}
    assert inserts == {"order": '"order"', "user": '"user"', "date": None, "status": None}


@pytest.mark.parametrize(
    ("sql", "label", "insert"),
    [
        ('SELECT c."Fu| FROM crm.contacts c', "Full Name", '"Full Name"'),
        ('SELECT "Fu| FROM crm.contacts', "Full Name", '"Full Name"'),
        ('SELECT * FROM crm."Ord|', "OrderNotes", '"OrderNotes"'),
        ('SELECT * FROM crm."Ord|" WHERE true', "OrderNotes", '"OrderNotes"'),
        ('SELECT "contacts".| FROM crm.contacts', "contact_id", None),
        ('SELECT c.| FROM crm."OrderNotes" c', "note", None),
    ],
)
def test_typing_inside_quotes(sql: str, label: str, insert: str | None, catalog: Catalog) -> None:
    items = complete(sql, catalog)
    assert items[0].label == label
    assert items[0].insert_text == insert


def test_replace_range_includes_an_opening_quote() -> None:
    text = 'SELECT c."Fu FROM crm.contacts c'
    assert replace_range(text, text.index("Fu") + 2, "postgres") == (text.index('"'), text.index("Fu") + 2)
    plain = "SELECT * FROM ord"
    assert replace_range(plain, len(plain), "postgres") == (14, 17)


# -- keywords ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("|", ["SELECT", "WITH", "INSERT INTO", "UPDATE", "DELETE FROM"]),
        ("sel|", ["select"]),
        ("SELECT 1;\n|", ["SELECT", "WITH"]),
        ("WITH r AS (SELECT 1) |", ["SELECT", "WITH"]),
        ("SELECT * FROM orders WHERE order_id IN (|", ["SELECT"]),
        ("SELECT * FROM (|", ["SELECT", "WITH", "VALUES"]),
        ("SELECT * FROM orders |", ["AS", "WHERE", "JOIN", "LEFT JOIN"]),
        ("SELECT * FROM orders o wh|", ["where"]),
        ("SELECT * FROM orders WHERE status = 'x' an|", ["and"]),
        ("SELECT status fr|", ["from"]),
        ("SELECT * FROM orders ORDER BY status |", ["ASC", "DESC"]),
        ("DELETE |", ["FROM"]),
        ("INSERT |", ["INTO"]),
    ],
)
def test_keywords(sql: str, expected: list[str], catalog: Catalog) -> None:
    items = complete(sql, catalog)
    assert set(expected) <= set(labels(items, "keyword"))
    if not sql.startswith("SELECT * FROM orders WHERE order_id IN"):
        assert not labels(items, "column")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'ord|'",
        "SELECT * FROM orders WHERE status = 'ne|",
        "SELECT * FROM orders -- ord|",
        "SELECT * FROM orders /* o.| */",
        "SELECT status AS |",
        "SELECT * FROM orders AS |",
        "CREATE TABLE |",
        "WITH |",
        "WITH r (|",
        "SELECT status::|",
        "SELECT * FROM orders LIMIT |",
        "SELECT 12|",
    ],
)
def test_nothing_where_a_new_name_or_literal_is_typed(sql: str, catalog: Catalog) -> None:
    assert complete(sql, catalog) == []


def test_editing_inside_a_word_completes_its_start(catalog: Catalog) -> None:
    assert labels(complete("SELECT * FROM sales.ord|ers", catalog)) == ["order_line", "order_revenue", "orders"]


def test_empty_catalog_offers_keywords_and_functions_only() -> None:
    items = complete("SELECT co| FROM t", Catalog())
    assert "count" in labels(items, "function")
    assert not labels(items, "column")


# -- a large catalog -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def large() -> Catalog:
    catalog = Catalog()
    for i in range(20_000):
        catalog.add_table(_table(f"s{i % 20:02d}", f"events_{i:05d}", ["id", "payload"]))
    return catalog


def test_large_catalog_results_stay_bounded(large: Catalog) -> None:
    settings = SqlSettings(dialect="postgres", search_path=("s01",))
    everything = complete("SELECT * FROM |", large, settings)
    assert len(everything) == MAX_ITEMS
    assert everything[0].label == "events_00001"  # the search path first
    assert all(c.insert_text is None for c in everything if c.kind == "table")

    in_schema = complete("SELECT * FROM s03.|", large, settings)
    assert len(in_schema) == MAX_ITEMS
    assert {c.detail for c in in_schema} == {"table in s03"}

    narrow = complete("SELECT * FROM s03.events_001|", large, settings)
    assert labels(narrow) == ["events_00103", "events_00123", "events_00143", "events_00163", "events_00183"]

    elsewhere = complete("SELECT * FROM events_1234|", large, settings)
    assert sorted(labels(elsewhere)) == [f"events_1234{d}" for d in range(10)]
    assert (elsewhere[0].label, elsewhere[0].insert_text) == ("events_12341", None)  # on the search path
    assert by_label(elsewhere, "events_12345").insert_text == "s05.events_12345"


def test_large_catalog_index_follows_catalog_changes(large: Catalog) -> None:
    settings = SqlSettings(dialect="postgres", search_path=("s01",))
    assert complete("SELECT * FROM zz_|", large, settings) == []
    large.add_table(_table("s01", "zz_new", ["id"]))
    assert labels(complete("SELECT * FROM zz_|", large, settings)) == ["zz_new"]


# -- re-tokenizing only what changed ---------------------------------------------------------------


def _shape(tokens: list[Token]) -> list[tuple[str, str, int, int]]:
    return [(t.token_type.name, t.text, t.start, t.end) for t in tokens]


def test_incremental_cursor_matches_a_fresh_read() -> None:
    text = "SELECT 'x;y' FROM a; SELECT o. FROM orders o; -- tail; comment\nSELECT * FROM b WHERE c = ';'"
    for offset in (text.index("o.") + 2, 5, len(text), text.index("b WHERE")):
        for edit in (text, text.replace("'x;y'", "'x;y"), text.replace("a;", "a ;")):
            find_cursor(text + " WHERE", len(text), "postgres", "doc.sql")  # the previous request
            incremental = find_cursor(edit, offset, "postgres", "doc.sql")  # re-lexes only the edit
            fresh = find_cursor(edit, offset, "postgres", f"fresh-{len(edit)}-{offset}.sql")
            if fresh is None:
                assert incremental is None
                continue
            assert incremental is not None
            assert _shape(incremental.before) == _shape(fresh.before)
            assert _shape(incremental.after) == _shape(fresh.after)
            assert [_shape(e) for e in incremental.earlier] == [_shape(e) for e in fresh.earlier]


def test_on_and_using_are_offered_after_a_join_first_and_never_after_from(catalog: Catalog) -> None:
    after_from = labels(complete("SELECT * FROM sales.orders o |", catalog), "keyword")
    assert "ON" not in after_from and "USING" not in after_from and "WHERE" in after_from
    after_join = labels(complete("SELECT * FROM sales.orders o JOIN core.customer c |", catalog), "keyword")
    assert after_join[:2] == ["ON", "USING"]
