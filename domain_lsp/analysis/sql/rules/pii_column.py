"""pii-column: a column tagged "pii" (a `#pii` comment, dbt tags or `meta: {pii: true}`, a
mapping's tags, `[conventions] pii`) in what a SELECT statement returns: named in its select
list, or brought in by `*` / `t.*` (reported on the star, naming the columns)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlglot import exp

from domain_lsp.analysis.sql.bindings import ColumnRef, StatementBindings, TableRef
from domain_lsp.analysis.sql.rules import SqlRule
from domain_lsp.catalog.model import Table, key
from domain_lsp.findings import Finding, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context

PII = "pii"


def _start(node: exp.Expr) -> int:
    meta = node._meta
    return meta["start"] if meta and "start" in meta else -1


def _outer_selects(statement: exp.Expr) -> list[exp.Select]:
    """The SELECTs whose rows the statement returns: itself, or each branch of its set operation."""
    found: list[exp.Select] = []
    pending = [statement]  # a stack, not recursion: a chain of 10,000 UNIONs is 10,000 deep
    while pending:
        node = pending.pop()
        if isinstance(node, exp.Select):
            found.append(node)
        elif isinstance(node, exp.SetOperation):
            pending.extend((node.expression, node.this))  # `this` popped first: branches in order
    return found


def _pii(table: Table, excluded: set[str]) -> list[str]:
    return [c.name for c in table.columns.values() if PII in c.tags and key(c.name) not in excluded]


def _sources(select: exp.Select, refs: dict[int, TableRef]) -> list[tuple[str, TableRef | None]]:
    """The level's FROM items as (alias, catalog table reference or None when not a catalog table)."""
    items: list[exp.Expr] = []
    from_ = select.args.get("from_")
    if isinstance(from_, exp.From):
        items.append(from_.this)
    items.extend(j.this for j in select.args.get("joins") or ())
    found: list[tuple[str, TableRef | None]] = []
    for item in items:
        ref = refs.get(_start(item.this)) if isinstance(item, exp.Table) and isinstance(item.this, exp.Expr) else None
        found.append((key(item.alias_or_name), ref))
    return found


def check(bindings: StatementBindings, ctx: Context, statement: exp.Expr) -> Iterator[Finding]:
    if bindings.kind != "select":
        return
    refs = {r.start: r for r in bindings.tables if r.kind == "catalog" and r.table is not None and r.start >= 0}
    columns: dict[int, ColumnRef] = {c.start: c for c in bindings.columns if c.status == "resolved" and c.start >= 0}
    for select in _outer_selects(statement):
        for projection in select.expressions:
            node = projection.this if isinstance(projection, exp.Alias) else projection
            if isinstance(node, exp.Star) or (isinstance(node, exp.Column) and node.is_star):
                yield from _star(node, select, refs, ctx.text)
                continue
            if not isinstance(node, exp.Column) or not isinstance(node.this, exp.Identifier):
                continue
            column = columns.get(_start(node.this))
            declared = column.column if column is not None else None
            if column is None or column.table is None or declared is None or PII not in declared.tags:
                continue
            message = f"column `{column.table.name}.{declared.name}` is tagged PII and is in the output"
            yield Finding("pii-column", message, column.start, column.end)


def _star_start(node: exp.Expr, text: str) -> int:
    """Offset of the `*` (sqlglot records none for `t.*`: found after the qualifier)."""
    if not isinstance(node, exp.Column):
        return _start(node)
    qualifier = node.args.get("table")
    meta = qualifier._meta if isinstance(qualifier, exp.Expr) else None
    if not meta or "end" not in meta:
        return -1
    after = meta["end"] + 1
    found = text.find("*", after, after + 8)
    return found if found >= 0 and text[after:found].strip() in (".", "") else -1


def _star(node: exp.Expr, select: exp.Select, refs: dict[int, TableRef], text: str) -> Iterator[Finding]:
    star = node.this if isinstance(node, exp.Column) else node
    start = _star_start(node, text)
    if start < 0:
        return
    excluded = {key(c.name) for c in (star.args.get("except_") or ()) if isinstance(c, exp.Column)}
    qualifier = key(node.table) if isinstance(node, exp.Column) else ""
    names: list[str] = []
    for alias, ref in _sources(select, refs):
        if qualifier and alias != qualifier:
            continue
        if ref is None or ref.table is None:
            continue
        names.extend(f"{ref.table.name}.{n}" for n in _pii(ref.table, excluded))
    if names:
        listed = ", ".join(f"`{n}`" for n in names)
        plural = "columns" if len(names) > 1 else "column"
        message = f"`*` brings PII {plural} {listed} into the output; list the columns it needs"
        yield Finding("pii-column", message, start, start + 1)


RULE = SqlRule(
    "pii-column",
    Severity.INFORMATION,
    needs_catalog=True,
    doc="A column tagged PII in a statement's output, `*` expansion included.",
    check=check,
    needs_statement=True,
)
