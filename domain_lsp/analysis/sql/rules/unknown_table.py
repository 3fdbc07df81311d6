"""unknown-table: a table or view the catalog does not have (or has only off the search path),
and a column qualifier that names no table or alias of the query."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from domain_lsp.analysis.sql.bindings import StatementBindings, TableRef
from domain_lsp.analysis.sql.rules import SqlRule, replace_fixes
from domain_lsp.analysis.suggest import did_you_mean
from domain_lsp.findings import Finding, Fix, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context


def qualified_fixes(ctx: Context, ref: TableRef) -> tuple[Fix, ...]:
    """Fixes replacing the whole qualified name with each candidate, each part quoted."""
    return tuple(
        Fix(f"Replace with `{s}`", ref.qualified_start, ref.end, ".".join(ctx.quote(p) for p in s.split(".")))
        for s in ref.candidates
    )


def check(bindings: StatementBindings, ctx: Context) -> Iterator[Finding]:
    for ref in bindings.tables:
        if ref.start < 0:
            continue
        if ref.problem == "unknown-table":
            where = f" in schema `{ref.looked_in}`" if ref.looked_in else ""
            message = f"table `{ref.name}` does not exist{where}{did_you_mean(list(ref.candidates))}"
            fixes = replace_fixes(ctx, ref.start, ref.end, ref.candidates)
            yield Finding("unknown-table", message, ref.start, ref.end, fixes=fixes)
        elif ref.problem == "not-on-search-path":
            names = ", ".join(f"`{n}`" for n in ref.candidates)
            message = f"table `{ref.name}` is not on the search path ({', '.join(ctx.search_path)}); found {names}"
            yield Finding("unknown-table", message, ref.start, ref.end, fixes=qualified_fixes(ctx, ref))
    for column in bindings.columns:
        if column.status != "unknown-qualifier":
            continue
        start, end = column.qualifier_start, column.qualifier_end
        hint = f"; it is aliased as `{column.aliased_as}` here" if column.aliased_as else ""
        message = f"no table or alias `{column.qualifier}` in this query{hint or did_you_mean(list(column.candidates))}"
        yield Finding("unknown-table", message, start, end, fixes=replace_fixes(ctx, start, end, column.candidates))


RULE = SqlRule(
    "unknown-table",
    Severity.ERROR,
    needs_catalog=True,
    doc="A table, view or alias that is not in the catalog or in scope.",
    check=check,
)
