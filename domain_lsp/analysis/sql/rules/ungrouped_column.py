"""ungrouped-column: in a query level that aggregates (GROUP BY, or an aggregate in its select
list or HAVING), a column of its own FROM read outside any aggregate and not grouped, in the
dialects that reject it. Deliberately narrow, to never be wrong: only the select list and
HAVING, only columns resolved to a catalog table of that level, silent under a window, an
unknown function (it may be an aggregate), ROLLUP/CUBE/GROUPING SETS and GROUP BY ALL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlglot import exp

from domain_lsp.analysis.sql.bindings import StatementBindings, TableRef
from domain_lsp.analysis.sql.rules import SqlRule
from domain_lsp.analysis.sql.rules.unsafe_dml import token_span
from domain_lsp.findings import Finding, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context

STRICT_DIALECTS = frozenset({"postgres", "duckdb", "snowflake", "bigquery"})
"""SQLite and MySQL (without ONLY_FULL_GROUP_BY) take any row's value instead."""
BARRIERS = (exp.AggFunc, exp.Filter, exp.WithinGroup, exp.Window, exp.Anonymous, exp.Subquery, exp.Select)
"""Inside these a column is not the query level's own bare column (or cannot be judged)."""


def check(bindings: StatementBindings, ctx: Context, statement: exp.Expr) -> Iterator[Finding]:
    if ctx.dialect not in STRICT_DIALECTS:
        return
    for select in statement.find_all(exp.Select):
        yield from _check_select(select, bindings)


def _own_aliases(select: exp.Select) -> dict[str, exp.Table]:
    """The catalog-table FROM items of this level, by the name a column qualifies them with."""
    items = [select.args.get("from_") or select.args.get("from")]
    items += [join for join in select.args.get("joins") or []]
    tables: dict[str, exp.Table] = {}
    for item in items:
        node = item.this if isinstance(item, (exp.From, exp.Join)) else None
        if isinstance(node, exp.Table):
            tables[(node.alias_or_name).casefold()] = node
    return tables


def _aggregates(node: exp.Expr) -> bool:
    for found in node.find_all(exp.AggFunc):
        if not _under(found, node, (exp.Window, exp.Subquery, exp.Select)):
            return True
    return False


def _under(node: exp.Expr, top: exp.Expr, kinds: tuple[type[exp.Expr], ...]) -> bool:
    """Whether an ancestor of `node`, up to and including `top`, is one of `kinds`."""
    if node is top:
        return False
    parent = node.parent
    while parent is not None:
        if isinstance(parent, kinds):
            return True
        if parent is top:
            return False
        parent = parent.parent
    return False


def _check_select(select: exp.Select, bindings: StatementBindings) -> Iterator[Finding]:
    group = select.args.get("group")
    having = select.args.get("having")
    projections = select.expressions
    if group is not None:
        if group.args.get("all") or any(group.args.get(k) for k in ("rollup", "cube", "grouping_sets", "totals")):
            return
        grouped_nodes = list(group.expressions)
        if any(isinstance(g, (exp.Rollup, exp.Cube, exp.GroupingSets)) for g in grouped_nodes):
            return
    elif any(_aggregates(p) for p in projections) or (having is not None and _aggregates(having)):
        grouped_nodes = []
    else:
        return
    if any(
        isinstance(p, exp.Star) or (isinstance(p, exp.Column) and isinstance(p.this, exp.Star)) for p in projections
    ):
        return
    tables = _own_aliases(select)
    if not tables:
        return
    aliases = {p.alias.casefold(): p.this for p in projections if isinstance(p, exp.Alias)}
    grouped: list[exp.Expr] = []
    for node in grouped_nodes:
        if isinstance(node, exp.Literal) and not node.is_string:
            index = int(node.this) - 1 if node.this.isdigit() else -1
            if not 0 <= index < len(projections):
                return
            chosen = projections[index]
            node = chosen.this if isinstance(chosen, exp.Alias) else chosen
        elif isinstance(node, exp.Column) and not node.table and node.name.casefold() in aliases:
            grouped.append(node)  # a column of that name, or the output alias: both count
            node = aliases[node.name.casefold()]
        grouped.append(node)
    keyed = _functionally_determined(grouped, tables, bindings)
    for part in [*projections, *([having] if having is not None else [])]:
        for column in part.find_all(exp.Column):
            if isinstance(column.this, exp.Star) or _under(column, part, BARRIERS):
                continue
            if _is_grouped(column, part, grouped):
                continue
            finding = _finding(column, tables, keyed, bindings)
            if finding is not None:
                yield finding


def _is_grouped(column: exp.Column, top: exp.Expr, grouped: list[exp.Expr]) -> bool:
    node: exp.Expr | None = column
    while node is not None:
        if any(node == g for g in grouped) or (
            isinstance(node, exp.Column) and any(isinstance(g, exp.Column) and _same_column(node, g) for g in grouped)
        ):
            return True
        if node is top:
            return False
        node = node.parent
    return False


def _same_column(a: exp.Column, b: exp.Column) -> bool:
    if a.name.casefold() != b.name.casefold():
        return False
    return not a.table or not b.table or a.table.casefold() == b.table.casefold()


def _functionally_determined(
    grouped: list[exp.Expr], tables: dict[str, exp.Table], bindings: StatementBindings
) -> set[str]:
    """The aliases whose table's primary key is wholly grouped: their other columns follow."""
    keyed: set[str] = set()
    for alias in tables:
        ref = _ref_of(tables[alias], bindings)
        if ref is None or ref.table is None:
            keyed.add(alias)  # not a catalog table: its columns are not judged
            continue
        if not ref.table.primary_key:
            continue
        key = {k.casefold() for k in ref.table.primary_key}
        have = {
            g.name.casefold()
            for g in grouped
            if isinstance(g, exp.Column) and (g.table.casefold() == alias if g.table else len(tables) == 1)
        }
        if key <= have:
            keyed.add(alias)
    return keyed


def _ref_of(table: exp.Table, bindings: StatementBindings) -> TableRef | None:
    at = token_span(table.this)
    if at is None:
        return None
    ref = bindings.table_at(at[0])
    return ref if ref is not None and ref.kind == "catalog" else None


def _finding(
    column: exp.Column, tables: dict[str, exp.Table], keyed: set[str], bindings: StatementBindings
) -> Finding | None:
    at = token_span(column.this)
    if at is None:
        return None
    ref = next((c for c in bindings.columns if c.start == at[0] and c.end == at[1]), None)
    if ref is None or ref.status != "resolved" or ref.table is None or ref.source is None:
        return None
    alias = ref.source.alias.casefold()
    if alias not in tables or alias in keyed:
        return None
    shown = f"{column.table}.{column.name}" if column.table else column.name
    message = f"column `{shown}` must appear in GROUP BY or be used in an aggregate function"
    return Finding("ungrouped-column", message, at[0], at[1])


RULE = SqlRule(
    "ungrouped-column",
    Severity.ERROR,
    needs_catalog=True,
    doc="In an aggregating query, a column outside any aggregate and not in GROUP BY.",
    check=check,
    needs_statement=True,
)
