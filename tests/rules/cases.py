"""Fixture pairs for the SQL rules of issue 13: each case a statement, its dialect and the token
its finding must be on (None: the rule must stay silent), checked against a small schema given
as DDL, and, for the rules whose verdict a database gives, also against the database itself."""

from __future__ import annotations

from dataclasses import dataclass

from domain_lsp.analysis.sql.document import analyze_sql
from domain_lsp.catalog.model import Catalog
from domain_lsp.catalog.sources.ddl import load_ddl
from domain_lsp.config import SqlSettings

SCHEMA = """
CREATE TABLE customer (customer_id int PRIMARY KEY, name text NOT NULL, email text, signed_up date);
CREATE TABLE orders (
    order_id int PRIMARY KEY, customer_id int REFERENCES customer (customer_id),
    ordered_at timestamp, total numeric, paid boolean, note text
);
CREATE TABLE events (event_id bigint, event_date date, kind text);
"""
"""Unqualified, so that the same DDL makes temporary tables in PostgreSQL (reachable without a
schema) and plain ones in DuckDB."""


@dataclass(frozen=True)
class Case:
    dialect: str
    sql: str
    token: str | None
    """The text the finding is on; None for a valid statement."""

    @property
    def id(self) -> str:
        return f"{self.dialect}:{' '.join(self.sql.split())[:70]}"


_CATALOGS: dict[str, Catalog] = {}


def catalog(dialect: str) -> Catalog:
    if dialect not in _CATALOGS:
        loaded = Catalog()
        problems, retries = load_ddl("schema.sql", SCHEMA, loaded, dialect, ())
        assert not problems, problems
        for retry in retries:
            retry()
        _CATALOGS[dialect] = loaded
    return _CATALOGS[dialect]


def found(case: Case, code: str) -> list[str]:
    """The text under each finding of `code`; a finding of another code fails the case (the
    fixtures are valid SQL but for the one mistake)."""
    findings = analyze_sql(case.sql, catalog(case.dialect), SqlSettings(dialect=case.dialect)).findings
    others = [f"{f.code}: {f.message}" for f in findings if f.code != code]
    assert others == [], others
    return [case.sql[f.start : f.end] for f in findings]


def assert_case(case: Case, code: str) -> None:
    assert found(case, code) == ([] if case.token is None else [case.token])
