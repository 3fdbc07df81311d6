"""deprecated-reference: a table, view or column the catalog marks deprecated (a `DEPRECATED`
comment, a dbt or mapping `deprecated`, `[conventions.deprecated]`), said with its note; a
quick fix when the note names exactly one replacement that the catalog has."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from domain_lsp.analysis.sql.bindings import ColumnRef, StatementBindings, TableRef
from domain_lsp.analysis.sql.rules import SqlRule
from domain_lsp.catalog.model import Table, key
from domain_lsp.findings import Finding, Fix, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context

_NAME = r"[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*){0,2}"
REPLACEMENT = re.compile(
    rf"^\s*(?:use|replaced\s+by|superseded\s+by|moved\s+to)\s+([`\"']?)({_NAME})\1\s*(?:instead)?\s*[.;!]?\s*$",
    re.IGNORECASE,
)
"""A note that is only a pointer to one name: `use sales.orders`, "replaced by `orders`."; a
note naming two (`use a or b`) or saying more (`use a after the migration`) offers no fix."""


def replacement(note: str) -> str | None:
    """The one name a deprecation note points to, or None."""
    match = REPLACEMENT.match(note)
    return match.group(2) if match else None


def _note(note: str) -> str:
    return f": {note}" if note.strip() else ""


def _table_fix(ctx: Context, ref: TableRef, table: Table, name: str) -> Fix | None:
    """Replace the reference with the note's table, when that names exactly one other table:
    a qualified replacement replaces the whole written name, a bare one only the name token
    (it must then exist in the schema written, or be the only table of that name)."""
    parts = name.split(".")
    catalog = ctx.catalog
    if len(parts) > 1:
        found = catalog.get(parts[-1], parts[-2], parts[-3] if len(parts) == 3 else "")
        if found is None:
            named = [t for t in catalog.tables_named(parts[-1]) if key(t.schema) == key(parts[-2])]
            found = named[0] if len(named) == 1 and len(parts) == 2 else None
        start = ref.qualified_start
    elif ref.schema:
        named = [t for t in catalog.tables_named(name) if key(t.schema) == key(ref.schema)]
        found, start = (named[0] if len(named) == 1 else None), ref.start
    else:
        named = catalog.tables_named(name)
        found, start = (named[0] if len(named) == 1 else None), ref.start
    if found is None or found.key == table.key or found.deprecated is not None or start < 0:
        return None
    return Fix(f"Replace with `{name}`", start, ref.end, ".".join(ctx.quote(p) for p in parts))


def _column_fix(ctx: Context, column: ColumnRef, table: Table, name: str) -> Fix | None:
    """Replace the column with the note's column of the same table (a bare name only)."""
    if "." in name:
        return None
    found = table.column(name)
    if found is None or key(found.name) == key(column.name) or found.deprecated is not None:
        return None
    return Fix(f"Replace with `{found.name}`", column.start, column.end, ctx.quote(found.name))


def check(bindings: StatementBindings, ctx: Context) -> Iterator[Finding]:
    for ref in bindings.tables:
        table = ref.table
        if ref.kind != "catalog" or table is None or table.deprecated is None or ref.start < 0:
            continue
        what = "view" if table.kind == "view" else "table"
        message = f"{what} `{table.qualified_name}` is deprecated{_note(table.deprecated)}"
        name = replacement(table.deprecated)
        fix = _table_fix(ctx, ref, table, name) if name else None
        yield Finding("deprecated-reference", message, ref.start, ref.end, fixes=(fix,) if fix else ())
    for column in bindings.columns:
        if column.status != "resolved" or column.table is None or column.start < 0:
            continue
        declared = column.column
        if declared is None or declared.deprecated is None:
            continue
        message = f"column `{column.table.name}.{declared.name}` is deprecated{_note(declared.deprecated)}"
        name = replacement(declared.deprecated)
        fix = _column_fix(ctx, column, column.table, name) if name else None
        yield Finding("deprecated-reference", message, column.start, column.end, fixes=(fix,) if fix else ())


RULE = SqlRule(
    "deprecated-reference",
    Severity.WARNING,
    needs_catalog=True,
    doc="A table, view or column the catalog marks deprecated.",
    check=check,
)
