"""join-mismatch: a JOIN ... ON equating two catalog tables that declare a foreign key between
them, on key columns that are not any declared pair (`orders o JOIN customer c ON o.order_id =
c.customer_id` when `orders.customer_id → customer.customer_id` is declared).

Silent unless it is certain: no relationship declared, a condition that also holds a declared
pair, a column that is no key of its table (`o.region = c.region` is a join of its own
choosing), a self-join on one column, anything not resolved to a catalog table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlglot import exp

from domain_lsp.analysis.sql.bindings import ColumnRef, StatementBindings, TableRef
from domain_lsp.analysis.sql.rules import SqlRule
from domain_lsp.catalog.model import Table, key
from domain_lsp.findings import Finding, Fix, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context

Pair = tuple[tuple[str, str], ...]
"""A declared key as (referencing column, referenced column) pairs, case-folded."""


def _start(column: exp.Column) -> int:
    meta = column.this._meta if isinstance(column.this, exp.Expr) else None
    return meta["start"] if meta and "start" in meta else -1


def _end(column: exp.Column) -> int:
    meta = column.this._meta if isinstance(column.this, exp.Expr) else None
    return meta["end"] + 1 if meta and "end" in meta else -1


def _conjuncts(condition: exp.Expr) -> list[exp.Expr]:
    while isinstance(condition, exp.Paren):
        condition = condition.this
    if isinstance(condition, exp.And):
        return [*_conjuncts(condition.this), *_conjuncts(condition.expression)]
    return [condition]


def _key_columns(table: Table) -> set[str]:
    found = {key(c) for c in table.primary_key}
    found.update(key(c) for unique in table.unique_keys for c in unique)
    found.update(key(c) for fk in table.foreign_keys for c in fk.columns)
    return found


def _written_name(ctx: Context, ref: TableRef) -> str:
    """How the query's columns qualify the table: its alias, else its name as written."""
    if ref.alias_start >= 0:
        return ctx.text[ref.alias_start : ref.alias_end]
    return ctx.text[ref.start : ref.end]


def _declared(ctx: Context, a: TableRef, b: TableRef) -> list[tuple[TableRef, TableRef, Pair]]:
    """The keys declared between the two instances, each as (referencing, referenced, pairs)."""
    assert a.table is not None and b.table is not None
    found: list[tuple[TableRef, TableRef, Pair]] = []
    for source, fk, target in ctx.catalog.foreign_keys_between(a.table, b.table):
        targets = fk.target_columns or target.primary_key
        if not targets or len(targets) != len(fk.columns):
            continue
        pairs = tuple((key(c), key(t)) for c, t in zip(fk.columns, targets, strict=True))
        if a.table is b.table:
            found.extend([(a, b, pairs), (b, a, pairs)])
        elif source.key == a.table.key:
            found.append((a, b, pairs))
        else:
            found.append((b, a, pairs))
    return found


def check(bindings: StatementBindings, ctx: Context, statement: exp.Expr) -> Iterator[Finding]:
    columns: dict[int, ColumnRef] = {c.start: c for c in bindings.columns if c.status == "resolved" and c.start >= 0}
    if not any(ref.table is not None and ref.table.foreign_keys for ref in bindings.tables):
        return
    for join in statement.find_all(exp.Join):
        condition = join.args.get("on")
        if isinstance(condition, exp.Expr):
            yield from _check_condition(condition, columns, ctx)


def _instance(column: exp.Column, columns: dict[int, ColumnRef]) -> tuple[TableRef, str] | None:
    found = columns.get(_start(column))
    if found is None or found.source is None or found.source.table is None or found.table is None:
        return None
    ref = found.source.table
    if ref.kind != "catalog" or ref.table is None or ref.start < 0:
        return None
    return ref, key(found.name)


def _check_condition(condition: exp.Expr, columns: dict[int, ColumnRef], ctx: Context) -> Iterator[Finding]:
    # Equalities between two catalog table instances, grouped by the pair of instances.
    groups: dict[tuple[int, int], list[tuple[exp.EQ, str, str]]] = {}
    refs: dict[int, TableRef] = {}
    for term in _conjuncts(condition):
        if not isinstance(term, exp.EQ) or not isinstance(term.this, exp.Column):
            continue
        if not isinstance(term.expression, exp.Column):
            continue
        left, right = _instance(term.this, columns), _instance(term.expression, columns)
        if left is None or right is None or left[0].start == right[0].start:
            continue
        (a, a_col), (b, b_col) = sorted([left, right], key=lambda side: side[0].start)
        refs[a.start], refs[b.start] = a, b
        groups.setdefault((a.start, b.start), []).append((term, a_col, b_col))
    for (a_start, b_start), terms in groups.items():
        a, b = refs[a_start], refs[b_start]
        declared = _declared(ctx, a, b)
        if not declared:
            continue  # no relationship declared: any join is the author's choice
        written = set()
        for _, a_col, b_col in terms:
            written.update({(a.start, a_col, b.start, b_col), (b.start, b_col, a.start, a_col)})
        if any((src.start, s, dst.start, t) in written for src, dst, pairs in declared for s, t in pairs):
            continue  # the declared pair is there
        yield from _mismatch(ctx, a, b, terms, declared)


def _mismatch(
    ctx: Context,
    a: TableRef,
    b: TableRef,
    terms: list[tuple[exp.EQ, str, str]],
    declared: list[tuple[TableRef, TableRef, Pair]],
) -> Iterator[Finding]:
    assert a.table is not None and b.table is not None
    keys_a, keys_b = _key_columns(a.table), _key_columns(b.table)
    for term, a_col, b_col in terms:
        if a_col not in keys_a or b_col not in keys_b:
            continue  # a join on other columns is a choice, not a wrong key
        if a.table is b.table and a_col == b_col:
            continue
        start, end = _start(term.this), _end(term.expression)
        left_start = term.this.args.get("table")
        if isinstance(left_start, exp.Expr) and left_start._meta and "start" in left_start._meta:
            start = left_start._meta["start"]
        if start < 0 or end < 0:
            continue
        options = []
        for src, dst, pairs in declared:
            assert src.table is not None and dst.table is not None
            names = {key(c.name): c.name for c in src.table.columns.values()}
            target = {key(c.name): c.name for c in dst.table.columns.values()}
            text = " AND ".join(
                f"{_written_name(ctx, src)}.{ctx.quote(names.get(s, s))} = "
                f"{_written_name(ctx, dst)}.{ctx.quote(target.get(t, t))}"
                for s, t in pairs
            )
            label = ", ".join(
                f"{src.table.name}.{names.get(s, s)} → {dst.table.name}.{target.get(t, t)}" for s, t in pairs
            )
            options.append((text, label))
        unique = list(dict.fromkeys(options))
        listed = " or ".join(f"`{label}`" for _, label in unique)
        message = (
            f"`{ctx.text[start:end]}` joins `{a.table.name}` and `{b.table.name}` on columns that are not a "
            f"declared key pair; the declared foreign key is {listed}"
        )
        fixes = tuple(Fix(f"Join on `{text}`", start, end, text) for text, _ in unique) if len(terms) == 1 else ()
        # Said on the first column, as written (`o.order_id`); the fix replaces the whole equality.
        yield Finding("join-mismatch", message, start, _end(term.this), fixes=fixes)


RULE = SqlRule(
    "join-mismatch",
    Severity.WARNING,
    needs_catalog=True,
    doc="A join between tables with a declared foreign key, on columns that are not a declared key pair.",
    check=check,
    needs_statement=True,
)
