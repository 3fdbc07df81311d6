"""column-count-mismatch: INSERT widths against the target list or the table, set-operation
branch widths. PostgreSQL and DuckDB confirm every case of their dialect: the finding is there
exactly when the database refuses to prepare the statement, with the error a width mismatch
raises (42601 in PostgreSQL, a binder or parser error in DuckDB)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.rules.cases import Case, assert_case
from tests.rules.engines import PostgresPreparer, duckdb_error, postgres_preparer
from tests.sources.conftest import Postgres

CODE = "column-count-mismatch"
WAREHOUSES = ("snowflake", "bigquery")
FAULTY = [
    Case("postgres", "INSERT INTO events (event_id, event_date, kind) VALUES (1, '2020-01-01')", "1, '2020-01-01'"),
    Case("postgres", "INSERT INTO events (event_id) VALUES (1, DATE '2020-01-01')", "1, DATE '2020-01-01'"),
    Case("postgres", "INSERT INTO events VALUES (1, '2020-01-01', 'a', 'b')", "1, '2020-01-01', 'a', 'b'"),
    Case("postgres", "INSERT INTO events (event_id, kind) VALUES (1, 'a'), (2)", "2"),
    Case("postgres", "INSERT INTO events (event_id, kind) SELECT order_id FROM orders", "order_id"),
    Case("postgres", "INSERT INTO events (event_id) SELECT order_id, note FROM orders", "order_id, note"),
    Case("postgres", "SELECT order_id FROM orders UNION SELECT order_id, total FROM orders", "order_id, total"),
    Case("postgres", "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3, 4", "3, 4"),
    Case("postgres", "SELECT name, email FROM customer EXCEPT SELECT note FROM orders", "note"),
    Case("postgres", "SELECT * FROM orders WHERE order_id IN (SELECT 1 INTERSECT SELECT 1, 2)", "1, 2"),
    Case("duckdb", "INSERT INTO events VALUES (1, '2020-01-01')", "1, '2020-01-01'"),
    Case("duckdb", "INSERT INTO events (event_id, kind) VALUES (1, 'a', 'b')", "1, 'a', 'b'"),
    Case("duckdb", "INSERT INTO events (event_id, kind) SELECT order_id FROM orders", "order_id"),
    Case("duckdb", "INSERT INTO events SELECT order_id, note FROM orders", "order_id, note"),
    Case("duckdb", "SELECT order_id FROM orders UNION SELECT order_id, total FROM orders", "order_id, total"),
    *(Case(d, "INSERT INTO events (event_id, kind) VALUES (1)", "1") for d in WAREHOUSES),
    *(Case(d, "INSERT INTO events VALUES (1, 'a')", "1, 'a'") for d in WAREHOUSES),
    *(
        Case(d, "SELECT kind FROM events UNION ALL SELECT kind, event_id FROM events", "kind, event_id")
        for d in WAREHOUSES
    ),
]
VALID = [
    Case("postgres", "INSERT INTO events (event_id, event_date, kind) VALUES (1, '2020-01-01', 'a')", None),
    Case("postgres", "INSERT INTO events VALUES (1, '2020-01-01')", None),  # kind takes its default
    Case("postgres", "INSERT INTO events VALUES (1)", None),
    Case("postgres", "INSERT INTO events (event_id, kind) VALUES (1, 'a'), (2, 'b')", None),
    Case("postgres", "INSERT INTO events DEFAULT VALUES", None),
    Case("postgres", "INSERT INTO events SELECT * FROM events", None),
    Case("postgres", "INSERT INTO events (event_id, kind) SELECT order_id, note FROM orders", None),
    Case("postgres", "INSERT INTO events SELECT order_id FROM orders", None),
    Case("postgres", "SELECT order_id FROM orders UNION SELECT customer_id FROM customer", None),
    Case("postgres", "SELECT * FROM events UNION SELECT event_id, event_date, kind FROM events", None),
    Case("postgres", "WITH e AS (SELECT event_id FROM events) SELECT 1, 2 UNION SELECT event_id, 3 FROM e", None),
    Case("duckdb", "INSERT INTO events VALUES (1, DATE '2020-01-01', 'a')", None),
    Case("duckdb", "INSERT INTO events (kind) VALUES ('a')", None),
    Case("duckdb", "INSERT INTO events SELECT * FROM events", None),
    Case("duckdb", "INSERT INTO events BY NAME SELECT 1 AS event_id", None),
    Case("duckdb", "SELECT order_id, total FROM orders UNION ALL SELECT customer_id, 0 FROM customer", None),
    *(Case(d, "INSERT INTO events (event_id, kind) VALUES (1, 'a')", None) for d in WAREHOUSES),
    *(Case(d, "INSERT INTO events VALUES (1, DATE '2020-01-01', 'a')", None) for d in WAREHOUSES),
    *(Case(d, "SELECT kind FROM events UNION ALL SELECT note FROM orders", None) for d in WAREHOUSES),
]
CASES = FAULTY + VALID


@pytest.mark.parametrize("case", FAULTY, ids=[c.id for c in FAULTY])
def test_a_width_mismatch_is_reported_on_the_row_or_select_list(case: Case) -> None:
    assert_case(case, CODE)


@pytest.mark.parametrize("case", VALID, ids=[c.id for c in VALID])
def test_matching_or_unknowable_widths_are_not(case: Case) -> None:
    assert_case(case, CODE)


@pytest.fixture(scope="module")
def preparer(postgres: Postgres) -> Iterator[PostgresPreparer]:
    with postgres_preparer(postgres.dsn) as prepared:
        yield prepared


POSTGRES = [c for c in CASES if c.dialect == "postgres"]
DUCKDB = [c for c in CASES if c.dialect == "duckdb"]


@pytest.mark.parametrize("case", POSTGRES, ids=[c.id for c in POSTGRES])
def test_postgresql_rejects_exactly_the_faulty_cases(case: Case, preparer: PostgresPreparer) -> None:
    assert preparer.sqlstate(case.sql) == ("42601" if case.token is not None else None)


@pytest.mark.parametrize("case", DUCKDB, ids=[c.id for c in DUCKDB])
def test_duckdb_rejects_exactly_the_faulty_cases(case: Case) -> None:
    expected = {"BinderException", "ParserException"} if case.token is not None else {None}
    assert duckdb_error(case.sql) in expected
