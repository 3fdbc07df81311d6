"""missing-required-filter: a table with required filters (a partitioned table: BigQuery's
`require_partition_filter`, dbt `meta.required_filters`, a mapping's or the config's
`required_filters`) read in a query level whose WHERE, ON or QUALIFY names none of them.

Judged per table instance (`events a JOIN events b` needs both filtered) and per query level,
and leniently wherever the filter may come from elsewhere: a CTE, derived table or view whose
outputs carry a required column (or `*`) may be filtered by the query reading it, so it is not
reported; a column of that name the resolver could not bind counts as a filter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlglot import exp

from domain_lsp.analysis.sql.bindings import ColumnRef, StatementBindings, TableRef
from domain_lsp.analysis.sql.rules import SqlRule
from domain_lsp.catalog.model import key
from domain_lsp.findings import Finding, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context

LEVELS = (exp.Select, exp.Update, exp.Delete)


def _start(node: exp.Expr) -> int:
    """Offset of a Table's or Column's name token, -1 when the parser recorded none."""
    this = node.this if isinstance(node, (exp.Table, exp.Column)) else node
    meta = this._meta if isinstance(this, exp.Expr) else None
    return meta["start"] if meta and "start" in meta else -1


def _level(table: exp.Table) -> exp.Expr | None:
    """The query level that reads the table: the nearest SELECT, UPDATE or DELETE; None for a
    table that is only written (an INSERT or CREATE target)."""
    node: exp.Expr | None = table.parent
    child: exp.Expr = table
    while node is not None:
        if isinstance(node, exp.Insert) and child is node.this:
            return None
        if isinstance(node, exp.Schema) and child is node.this:  # INSERT INTO t (a, b)
            child, node = node, node.parent
            continue
        if isinstance(node, exp.Create):
            return None
        if isinstance(node, LEVELS):
            return node
        child, node = node, node.parent
    return None


def _clauses(level: exp.Expr) -> list[exp.Expr]:
    """WHERE, QUALIFY and every join's ON and USING of the level."""
    found = [level.args[name] for name in ("where", "qualify") if isinstance(level.args.get(name), exp.Expr)]
    for join in level.args.get("joins") or ():
        for name in ("on",):
            if isinstance(join.args.get(name), exp.Expr):
                found.append(join.args[name])
        found.extend(u for u in join.args.get("using") or () if isinstance(u, exp.Expr))
    return found


def _projects(select: exp.Expr, required: set[str]) -> bool:
    """The select list may pass a required column on: a star, or any reference to such a name."""
    for projection in select.expressions if isinstance(select, exp.Select) else ():
        if isinstance(projection, exp.Star) or (isinstance(projection, exp.Column) and projection.is_star):
            return True
        if key(projection.alias_or_name) in required:
            return True
        if any(key(c.name) in required for c in projection.find_all(exp.Column)):
            return True
    return False


def _filtered_later(level: exp.Expr, required: set[str]) -> bool:
    """The level is a CTE, a derived table or a view's body (or a branch of a set operation that
    is) and passes a required column on: the query reading it may filter it, as BigQuery's
    pushdown accepts."""
    node: exp.Expr | None = level
    branches: list[exp.Expr] = [level]
    while node is not None and isinstance(node.parent, exp.SetOperation):
        node = node.parent
        branches.append(node.this if isinstance(node.this, exp.Select) else node)
    holder = node.parent if node is not None else None
    if isinstance(holder, exp.Subquery) and not isinstance(holder.parent, exp.From | exp.Join):
        return False  # a subquery of an expression (IN, EXISTS, scalar): nothing filters it
    if isinstance(holder, exp.CTE | exp.Subquery) or (
        isinstance(holder, exp.Create) and str(holder.args.get("kind", "")).upper() == "VIEW"
    ):
        return any(_projects(b, required) for b in branches)
    return False


def _satisfied(clauses: list[exp.Expr], ref: TableRef, required: set[str], by_start: dict[int, ColumnRef]) -> bool:
    for clause in clauses:
        names = [clause] if isinstance(clause, exp.Identifier) else clause.find_all(exp.Column, exp.Identifier)
        for node in names:
            if isinstance(node, exp.Identifier) and not isinstance(clause, exp.Identifier):
                continue  # identifiers inside Columns are seen through their Column
            if key(node.name) not in required:
                continue
            if isinstance(node, exp.Identifier):
                return True  # JOIN ... USING (event_date): both sides filtered by the join
            column = by_start.get(_start(node))
            if column is None or column.status != "resolved":
                return True  # not certainly another table's column: no finding
            source = column.source.table if column.source is not None else None
            if source is not None and source.start == ref.start:
                return True
    return False


def check(bindings: StatementBindings, ctx: Context, statement: exp.Expr) -> Iterator[Finding]:
    refs = {
        ref.start: ref
        for ref in bindings.tables
        if ref.kind == "catalog" and ref.table is not None and ref.table.required_filters and ref.start >= 0
    }
    if not refs:
        return
    by_start: dict[int, ColumnRef] = {}
    for column in bindings.columns:
        if column.start >= 0 and (column.status == "resolved" or column.start not in by_start):
            by_start[column.start] = column
    for node in statement.find_all(exp.Table):
        ref = refs.get(_start(node))
        if ref is None or ref.table is None:
            continue
        level = _level(node)
        if level is None:
            continue
        filters = ref.table.required_filters
        required = {key(c) for c in filters}
        if _satisfied(_clauses(level), ref, required, by_start) or _filtered_later(level, required):
            continue
        names = " or ".join(f"`{c}`" for c in filters)
        message = (
            f"`{ref.table.qualified_name}` must be filtered on {names}: "
            f"this query's WHERE, ON and QUALIFY do not filter `{ref.name}` on it"
        )
        yield Finding("missing-required-filter", message, ref.start, ref.end)


RULE = SqlRule(
    "missing-required-filter",
    Severity.WARNING,
    needs_catalog=True,
    doc="A table with required filters (a partitioned table) read without a filter on any of them.",
    check=check,
    needs_statement=True,
)
