"""unknown-column: a column none of the sources in scope has (sources whose columns are unknown
make it undecided, and silent), a USING name missing from one side, a DML target's column."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from domain_lsp.analysis.sql.bindings import StatementBindings
from domain_lsp.analysis.sql.rules import SqlRule, replace_fixes
from domain_lsp.analysis.suggest import did_you_mean
from domain_lsp.findings import Finding, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context


def check(bindings: StatementBindings, ctx: Context) -> Iterator[Finding]:
    for column in bindings.columns:
        if column.status != "unknown":
            continue
        if column.in_using:
            message = f"column `{column.name}` of USING is not in both joined tables"
            yield Finding("unknown-column", message, column.start, column.end)
            continue
        where = f" in {column.looked_in}" if column.looked_in else " in the tables of this query"
        message = f"column `{column.name}` does not exist{where}{did_you_mean(list(column.candidates))}"
        fixes = replace_fixes(ctx, column.start, column.end, column.candidates)
        yield Finding("unknown-column", message, column.start, column.end, fixes=fixes)


RULE = SqlRule(
    "unknown-column",
    Severity.ERROR,
    needs_catalog=True,
    doc="A column that none of the tables in scope has.",
    check=check,
)
