"""Per-statement caching: an edit re-analyses only what it touched, and the result is always the
same as analysing the new text from scratch."""

from __future__ import annotations

import pytest
from sqlglot import exp

from domain_lsp.analysis.sql import cache
from domain_lsp.analysis.sql.document import analyze_sql
from domain_lsp.analysis.sql.parse import tokenize
from domain_lsp.catalog.model import Catalog, Column, Table
from domain_lsp.config import SqlSettings

SETTINGS = SqlSettings(dialect="postgres", search_path=("public",))


def table(name: str, *columns: str) -> Table:
    result = Table(name, "public")
    for column in columns:
        result.add_column(Column(column, "int"))
    return result


def make_catalog() -> Catalog:
    catalog = Catalog()
    catalog.add_table(table("orders", "id", "amount"))
    return catalog


def fresh(text: str) -> list[tuple[str, int, int]]:
    """Findings of `text` analysed with an empty cache (a new catalog object)."""
    return [(f.code, f.start, f.end) for f in analyze_sql(text, make_catalog(), SETTINGS, "other.sql").findings]


def signature(text: str) -> list[tuple[object, ...]]:
    return [(t.token_type, t.text, t.start, t.end, tuple(t.comments)) for t in tokenize(text, "postgres")[0]]


BASE = "select id from orders; -- one\nselect amount from orders where id = 1;\nselect nope from orders;\n"


@pytest.mark.parametrize(
    "new",
    [
        BASE.replace("id = 1", "id = 2"),  # same length
        BASE.replace("id = 1", "id = 12"),  # longer: what follows moves
        BASE.replace("amount", "amoun"),
        BASE.replace("-- one\n", "-- one\n\n\n"),
        BASE.replace("id = 1", "id = '1"),  # an unterminated string
        BASE.replace("id = 1", "id = '1';'"),  # a string that swallows a semicolon
        BASE.replace("; -- one", "; /* x */ -- one"),
        BASE + "select id fr",  # the last statement, no semicolon after it
        BASE[:10],
        "",
    ],
)
def test_relex_gives_the_tokens_of_a_full_tokenization(new: str) -> None:
    old_tokens, _ = tokenize(BASE, "postgres")
    tokens = cache.relex(BASE, old_tokens, new, "postgres")
    _, error = tokenize(new, "postgres")
    if error is not None:
        assert tokens is None  # an unterminated string: the full lexer reports it
        return
    assert tokens is not None
    assert [(t.token_type, t.text, t.start, t.end, tuple(t.comments)) for t in tokens] == signature(new)


def test_an_edit_rechecks_only_the_statement_it_touched() -> None:
    catalog = make_catalog()
    analyze_sql(BASE, catalog, SETTINGS, "a.sql")
    statements = cache.cache_for(catalog)
    hits = statements.checked.hits
    new = BASE.replace("id = 1", "id = 12")
    result = analyze_sql(new, catalog, SETTINGS, "a.sql")
    assert statements.checked.hits - hits == 2  # the first and third statements
    assert [(f.code, f.start, f.end) for f in result.findings] == fresh(new)


def test_findings_of_a_moved_statement_move_with_it() -> None:
    catalog = make_catalog()
    analyze_sql(BASE, catalog, SETTINGS, "a.sql")
    new = "\n\n" + BASE
    result = analyze_sql(new, catalog, SETTINGS, "a.sql")
    (finding,) = result.findings
    assert new[finding.start : finding.end] == "nope"


def test_a_changed_create_table_rechecks_the_statements_after_it() -> None:
    catalog = make_catalog()
    text = "create table t (a int);\nselect b from t;\n"
    assert [f.code for f in analyze_sql(text, catalog, SETTINGS, "a.sql").findings] == ["unknown-column"]
    edited = text.replace("(a int)", "(b int)")
    assert analyze_sql(edited, catalog, SETTINGS, "a.sql").findings == []
    assert [f.code for f in analyze_sql(text, catalog, SETTINGS, "a.sql").findings] == ["unknown-column"]


def test_a_catalog_change_rechecks_everything() -> None:
    catalog = make_catalog()
    text = "select * from extra;\n"
    assert [f.code for f in analyze_sql(text, catalog, SETTINGS, "a.sql").findings] == ["unknown-table"]
    catalog.add_table(table("extra", "x"))
    assert analyze_sql(text, catalog, SETTINGS, "a.sql").findings == []


def test_a_moved_statement_is_parsed_again_only_when_its_tree_is_read() -> None:
    catalog = make_catalog()
    analyze_sql(BASE, catalog, SETTINGS, "a.sql")
    new = "select 1;\n" + BASE
    result = analyze_sql(new, catalog, SETTINGS, "a.sql")
    moved = [s for s in result.statements if isinstance(s, cache.MovedStatement)]
    assert len(moved) == 3
    assert all(s._pending for s in moved)  # findings came from the cache: no tree needed
    tree = moved[2].expression  # `select nope from orders`
    assert tree is not None and not moved[2]._pending
    column = next(iter(tree.find_all(exp.Column)))
    start, end = column.this.meta["start"], column.this.meta["end"] + 1
    assert new[start:end] == "nope"


def test_a_moved_create_table_still_defines_its_table() -> None:
    catalog = make_catalog()
    text = "create table t (a int);\nselect a from t;\n"
    analyze_sql(text, catalog, SETTINGS, "a.sql")
    new = "\n" + text
    result = analyze_sql(new, catalog, SETTINGS, "a.sql")
    assert result.findings == []
    (table,) = [t for t in result.catalog.tables_named("t")]
    assert table.column("a") is not None
