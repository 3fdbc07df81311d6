"""ambiguous-column: an unqualified column that several sources of its query level have (USING
and NATURAL joins merge them into one)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from domain_lsp.analysis.sql.bindings import StatementBindings
from domain_lsp.analysis.sql.rules import SqlRule
from domain_lsp.findings import Finding, Fix, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context


def check(bindings: StatementBindings, ctx: Context) -> Iterator[Finding]:
    for column in bindings.columns:
        if column.status != "ambiguous":
            continue
        choices = [f"{a}.{column.name}" for a in column.candidates]
        message = f"column `{column.name}` is in several tables: {', '.join(f'`{c}`' for c in choices)}; qualify it"
        written = ctx.identifier_text(column.start, column.end)
        fixes = tuple(
            Fix(f"Qualify as `{c}`", column.start, column.end, f"{ctx.quote(a)}.{written}")
            for a, c in zip(column.candidates, choices, strict=True)
        )
        yield Finding("ambiguous-column", message, column.start, column.end, fixes=fixes)


RULE = SqlRule(
    "ambiguous-column",
    Severity.ERROR,
    needs_catalog=True,
    doc="An unqualified column that several tables in scope have.",
    check=check,
)
