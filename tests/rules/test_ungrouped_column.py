"""ungrouped-column: a bare column in an aggregating query level, in the dialects that reject it.
PostgreSQL and DuckDB confirm every case of their dialect: the finding is there exactly when
the database refuses to prepare the statement with a grouping error (42803; DuckDB's binder)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.rules.cases import Case, assert_case
from tests.rules.engines import PostgresPreparer, duckdb_error, postgres_preparer
from tests.sources.conftest import Postgres

CODE = "ungrouped-column"
STRICT = ("postgres", "duckdb", "snowflake", "bigquery")
JOINED = "FROM customer c JOIN orders o ON o.customer_id = c.customer_id"
FAULTY = [
    *(Case(d, "SELECT kind, event_date, count(*) FROM events GROUP BY kind", "event_date") for d in STRICT),
    *(Case(d, "SELECT kind, count(*) FROM events", "kind") for d in STRICT),
    *(Case(d, "SELECT upper(kind), max(event_date) FROM events", "kind") for d in STRICT),
    Case("postgres", f"SELECT o.note, count(*) {JOINED} GROUP BY c.customer_id", "note"),
    Case("postgres", "SELECT kind FROM events GROUP BY kind HAVING event_date > '2020-01-01'", "event_date"),
    Case("postgres", "SELECT kind, event_id + 1 FROM events GROUP BY 1", "event_id"),
    Case(
        "postgres", "SELECT name, sum(total) FROM orders o JOIN customer c USING (customer_id) GROUP BY email", "name"
    ),
    Case("duckdb", "SELECT kind, event_id + 1 FROM events GROUP BY 1", "event_id"),
    Case("duckdb", "SELECT e.kind, sum(e.event_id) FROM events e GROUP BY e.event_date", "kind"),
]
VALID = [
    *(Case(d, "SELECT kind, count(*) FROM events GROUP BY kind", None) for d in (*STRICT, "sqlite", "mysql")),
    *(Case(d, "SELECT kind, count(*) FROM events GROUP BY 1", None) for d in STRICT),
    *(Case(d, "SELECT upper(kind), count(*) FROM events GROUP BY upper(kind)", None) for d in STRICT),
    *(Case(d, "SELECT count(*), max(kind), min(event_date) FROM events", None) for d in STRICT),
    Case("sqlite", "SELECT kind, event_date, count(*) FROM events GROUP BY kind", None),
    Case("mysql", "SELECT kind, event_date, count(*) FROM events GROUP BY kind", None),
    Case("postgres", "SELECT kind AS k, count(*) FROM events GROUP BY k", None),
    Case("postgres", f"SELECT c.name, c.email, count(*) {JOINED} GROUP BY c.customer_id", None),
    Case("postgres", "SELECT kind || '!', count(*) FROM events GROUP BY kind", None),
    Case("postgres", "SELECT kind, count(*) FILTER (WHERE event_date > '2020-01-01') FROM events GROUP BY kind", None),
    Case("postgres", "SELECT kind FROM events GROUP BY kind HAVING count(event_date) > 1", None),
    Case("postgres", "SELECT kind, sum(count(*)) OVER () FROM events GROUP BY kind", None),
    Case(
        "postgres",
        "SELECT kind, (SELECT max(total) FROM orders WHERE note = events.kind) FROM events GROUP BY kind",
        None,
    ),
    Case("postgres", "SELECT kind, event_date FROM events GROUP BY ROLLUP (kind, event_date)", None),
    Case("postgres", "SELECT kind, event_date FROM events", None),
    Case("duckdb", "SELECT kind AS k, count(*) FROM events GROUP BY k", None),
    Case("duckdb", "SELECT kind, event_date, count(*) FROM events GROUP BY ALL", None),
    Case("duckdb", "SELECT e.kind, count(*) FROM events e GROUP BY kind", None),
    Case("bigquery", "SELECT kind AS k, count(*) FROM events GROUP BY k", None),
    Case("snowflake", "SELECT kind, any_value(event_date) FROM events GROUP BY kind", None),
]
CASES = FAULTY + VALID


@pytest.mark.parametrize("case", FAULTY, ids=[c.id for c in FAULTY])
def test_an_ungrouped_column_is_reported_on_its_name(case: Case) -> None:
    assert_case(case, CODE)


@pytest.mark.parametrize("case", VALID, ids=[c.id for c in VALID])
def test_grouped_aggregated_or_determined_columns_are_not(case: Case) -> None:
    assert_case(case, CODE)


@pytest.fixture(scope="module")
def preparer(postgres: Postgres) -> Iterator[PostgresPreparer]:
    with postgres_preparer(postgres.dsn) as prepared:
        yield prepared


POSTGRES = [c for c in CASES if c.dialect == "postgres"]
DUCKDB = [c for c in CASES if c.dialect == "duckdb"]


@pytest.mark.parametrize("case", POSTGRES, ids=[c.id for c in POSTGRES])
def test_postgresql_rejects_exactly_the_faulty_cases(case: Case, preparer: PostgresPreparer) -> None:
    assert preparer.sqlstate(case.sql) == ("42803" if case.token is not None else None)


@pytest.mark.parametrize("case", DUCKDB, ids=[c.id for c in DUCKDB])
def test_duckdb_rejects_exactly_the_faulty_cases(case: Case) -> None:
    assert duckdb_error(case.sql) == ("BinderException" if case.token is not None else None)
