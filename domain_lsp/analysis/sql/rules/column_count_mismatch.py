"""column-count-mismatch: an INSERT whose VALUES rows or SELECT give more or fewer columns than
its target list (or than the table has, when no list is given and the catalog knows them), and
UNION / INTERSECT / EXCEPT branches of different widths. Read from the parsed statement; silent
whenever a width cannot be known (`*`, DEFAULT VALUES, a row that is not a parenthesised list)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlglot import exp

from domain_lsp.analysis.sql.bindings import StatementBindings
from domain_lsp.analysis.sql.rules import SqlRule
from domain_lsp.analysis.sql.rules.unsafe_dml import token_span
from domain_lsp.findings import Finding, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context

FEWER_VALUES_REJECTED = frozenset({"duckdb", "sqlite", "mysql", "snowflake", "bigquery"})
"""Dialects known to reject `INSERT INTO t VALUES (...)` with fewer values than t has columns;
PostgreSQL gives the others their defaults, and another dialect is not known either way."""


def width(query: exp.Expr | None, known: dict[int, int | None] | None = None) -> int | None:
    """How many columns a query gives; None when that cannot be known from the text alone.

    A set operation gives its first branch's width: the left spine is walked in a loop, not by
    recursion (a chain of 10,000 UNIONs is one such spine), and `known` keeps the width of every
    node walked through, so checking each operation of a chain costs no second walk."""
    known = {} if known is None else known
    spine: list[int] = []
    node = query
    while isinstance(node, (exp.Subquery, exp.SetOperation)) and id(node) not in known:
        spine.append(id(node))
        node = node.unnest() if isinstance(node, exp.Subquery) else node.this
    result = known[id(node)] if node is not None and id(node) in known else _leaf_width(node)
    for walked in spine:
        known[walked] = result
    return result


def _leaf_width(query: exp.Expr | None) -> int | None:
    if isinstance(query, exp.Values):
        rows = [row_width(row) for row in query.expressions]
        return rows[0] if rows and all(r == rows[0] for r in rows) else None
    if isinstance(query, exp.Select):
        projections = query.expressions
        if not projections or any(_is_star(p) for p in projections):
            return None
        return len(projections)
    return None


def row_width(row: exp.Expr) -> int | None:
    return len(row.expressions) if isinstance(row, exp.Tuple) else None


def _is_star(projection: exp.Expr) -> bool:
    if isinstance(projection, exp.Star):
        return True
    return isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)


def extent(node: exp.Expr) -> tuple[int, int] | None:
    """The text range of a VALUES row, or of a query's select list (its first branch's)."""
    while isinstance(node, (exp.Subquery, exp.SetOperation)):
        node = node.unnest() if isinstance(node, exp.Subquery) else node.this
    parts = node.expressions if isinstance(node, exp.Select) else [node]
    spans = [s for part in parts for s in (token_span(n) for n in part.walk()) if s is not None]
    return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None


def _plural(n: int) -> str:
    return f"{n} column{'s' if n != 1 else ''}"


def check(bindings: StatementBindings, ctx: Context, statement: exp.Expr) -> Iterator[Finding]:
    for insert in statement.find_all(exp.Insert):
        yield from _check_insert(insert, ctx)
    known: dict[int, int | None] = {}
    for operation in statement.find_all(exp.SetOperation):
        left, right = width(operation.this, known), width(operation.expression, known)
        at = extent(operation.expression)
        if left is None or right is None or left == right or at is None:
            continue
        keyword = operation.key.upper()
        message = f"the {keyword} branches give different numbers of columns: {left} before, {right} here"
        yield Finding("column-count-mismatch", message, at[0], at[1])


def _check_insert(insert: exp.Insert, ctx: Context) -> Iterator[Finding]:
    if insert.args.get("by_name"):
        return  # DuckDB's INSERT ... BY NAME matches columns by name: any subset goes
    target = insert.this
    source = insert.expression
    if isinstance(target, exp.Schema):
        expected: int | None = len(target.expressions)
        table_node = target.this
        listed = True
    else:
        table_node, listed = target, False
        expected = _table_width(table_node, ctx)
    if expected is None or not isinstance(table_node, exp.Table) or source is None:
        return
    name = table_node.name
    what = f"{_plural(expected)} listed" if listed else f"`{name}` has {_plural(expected)}"
    if isinstance(source, exp.Values):
        rows: list[tuple[exp.Expr, int | None]] = [(row, row_width(row)) for row in source.expressions]
    elif isinstance(source, exp.Query):
        rows = [(source, width(source))]
    else:
        return
    for row, given in rows:
        if given is None or given == expected:
            continue
        if given < expected and not listed and ctx.dialect not in FEWER_VALUES_REJECTED:
            continue  # the other columns take their defaults (PostgreSQL), or the dialect is not known to reject it
        at = extent(row)
        if at is None:
            continue
        noun = "values" if isinstance(source, exp.Values) else "selected columns"
        message = f"INSERT into `{name}` gives {given} {noun} for {what}"
        yield Finding("column-count-mismatch", message, at[0], at[1])


def _table_width(node: exp.Expr, ctx: Context) -> int | None:
    """The target table's column count, when the catalog knows its columns."""
    if not isinstance(node, exp.Table) or ctx.catalog.is_empty():
        return None
    table = ctx.resolve_table(node).table
    if table is None or not table.columns_known or not table.column_count():
        return None
    return table.column_count()


RULE = SqlRule(
    "column-count-mismatch",
    Severity.ERROR,
    needs_catalog=True,
    doc="An INSERT whose values or SELECT give a different number of columns than its target, "
    "or set-operation branches of different widths.",
    check=check,
    needs_statement=True,
)
