"""type-mismatch: comparisons PostgreSQL has no operator for. PostgreSQL confirms every postgres
case (the finding is there exactly when preparing fails with 42883, operator does not exist),
DuckDB every duckdb case (it casts implicitly where PostgreSQL refuses: the rule is silent there)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.rules.cases import Case, assert_case
from tests.rules.engines import PostgresPreparer, duckdb_error, postgres_preparer
from tests.sources.conftest import Postgres

CODE = "type-mismatch"
FAULTY = [
    Case("postgres", "SELECT * FROM events WHERE event_date = 20200101", "20200101"),
    Case("postgres", "SELECT * FROM events WHERE event_date >= 2020", "2020"),
    Case("postgres", "SELECT * FROM orders WHERE ordered_at < 1700000000", "1700000000"),
    Case("postgres", "SELECT * FROM events WHERE kind = 1", "1"),
    Case("postgres", "SELECT * FROM customer WHERE name <> 2.5", "2.5"),
    Case("postgres", "SELECT * FROM orders WHERE paid = 1", "1"),
    Case("postgres", "SELECT * FROM orders o JOIN customer c ON o.ordered_at > c.customer_id", "customer_id"),
    Case("postgres", "SELECT * FROM orders o JOIN customer c ON c.signed_up = o.note", "note"),
    Case("postgres", "SELECT kind, count(*) FROM events GROUP BY kind HAVING kind = 3", "3"),
]
VALID = [
    Case("postgres", "SELECT * FROM events WHERE event_date = '2020-01-01'", None),
    Case("postgres", "SELECT * FROM events WHERE event_date = DATE '2020-01-01'", None),
    Case("postgres", "SELECT * FROM events WHERE kind = '1'", None),
    Case("postgres", "SELECT * FROM orders WHERE paid = TRUE AND total > 1 AND order_id = 2.5", None),
    Case("postgres", "SELECT * FROM orders o JOIN customer c ON o.ordered_at > c.signed_up", None),
    Case("postgres", "SELECT * FROM events WHERE event_id = 1", None),
    Case("postgres", "SELECT * FROM events WHERE CAST(kind AS int) = 1", None),
    Case("postgres", "SELECT * FROM events WHERE event_date - 1 > '2020-01-01'", None),
    Case("duckdb", "SELECT * FROM events WHERE kind = 1", None),
    Case("duckdb", "SELECT * FROM events WHERE event_date = '2020-01-01'", None),
    Case("duckdb", "SELECT * FROM orders WHERE paid = TRUE", None),
    Case("snowflake", "SELECT * FROM events WHERE event_date = '2020-01-01'", None),
    Case("bigquery", "SELECT * FROM events WHERE event_date = DATE '2020-01-01'", None),
]
CASES = FAULTY + VALID


@pytest.mark.parametrize("case", FAULTY, ids=[c.id for c in FAULTY])
def test_a_comparison_without_an_operator_is_reported(case: Case) -> None:
    assert_case(case, CODE)


@pytest.mark.parametrize("case", VALID, ids=[c.id for c in VALID])
def test_comparable_or_uncertain_types_are_not(case: Case) -> None:
    assert_case(case, CODE)


@pytest.fixture(scope="module")
def preparer(postgres: Postgres) -> Iterator[PostgresPreparer]:
    with postgres_preparer(postgres.dsn) as prepared:
        yield prepared


POSTGRES = [c for c in CASES if c.dialect == "postgres"]
DUCKDB = [c for c in CASES if c.dialect == "duckdb"]


@pytest.mark.parametrize("case", POSTGRES, ids=[c.id for c in POSTGRES])
def test_postgresql_rejects_exactly_the_faulty_cases(case: Case, preparer: PostgresPreparer) -> None:
    assert preparer.sqlstate(case.sql) == ("42883" if case.token is not None else None)


@pytest.mark.parametrize("case", DUCKDB, ids=[c.id for c in DUCKDB])
def test_duckdb_accepts_what_the_rule_leaves_alone(case: Case) -> None:
    assert duckdb_error(case.sql) is None
