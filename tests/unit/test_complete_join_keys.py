"""Completion after `JOIN t x ON `: the declared foreign key condition first, as one item."""

from __future__ import annotations

from pathlib import Path

from domain_lsp.analysis.sql.complete import complete_sql
from domain_lsp.catalog.model import Catalog
from domain_lsp.catalog.sources.ddl import load_ddl
from domain_lsp.config import SqlSettings

DDL = """
CREATE TABLE core.customer (customer_id int PRIMARY KEY, name text);
CREATE TABLE sales.orders (order_id int PRIMARY KEY, customer_id int REFERENCES core.customer);
CREATE TABLE sales.notes (note_id int PRIMARY KEY);
"""


def _catalog() -> Catalog:
    catalog = Catalog()
    problems, _ = load_ddl(Path("schema.sql"), DDL, catalog, "postgres")
    assert not problems
    return catalog


def _labels(sql: str) -> list[tuple[str, str]]:
    items = complete_sql(sql, len(sql), _catalog(), SqlSettings(dialect="postgres"))
    return [(i.label, i.kind) for i in items]


def test_the_declared_condition_comes_first_whichever_side_references() -> None:
    first = _labels("SELECT * FROM sales.orders o JOIN core.customer c ON ")[0]
    assert first == ("o.customer_id = c.customer_id", "join")
    first = _labels("SELECT * FROM core.customer c JOIN sales.orders o ON ")[0]
    assert first == ("o.customer_id = c.customer_id", "join")


def test_no_condition_without_a_declared_key_or_once_typing_started() -> None:
    assert all(kind != "join" for _, kind in _labels("SELECT * FROM sales.orders o JOIN sales.notes n ON "))
    assert all(kind != "join" for _, kind in _labels("SELECT * FROM sales.orders o JOIN core.customer c ON o."))
    assert all(kind != "join" for _, kind in _labels("SELECT * FROM sales.orders o JOIN core.customer c ON o.x = "))
