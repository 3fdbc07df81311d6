"""analysis-limit: a query too complex for the resolver (resolve.MAX_NESTED_QUERIES,
resolve.MAX_CTES); its names go unchecked, and the finding says so."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from domain_lsp.analysis.sql.bindings import StatementBindings
from domain_lsp.analysis.sql.rules import SqlRule
from domain_lsp.findings import Finding, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context


def check(bindings: StatementBindings, ctx: Context) -> Iterator[Finding]:
    for limit in bindings.limits:
        message = f"statement too complex to check: {limit.problem}; its tables and columns were not checked"
        yield Finding("analysis-limit", message, limit.start, limit.end)


RULE = SqlRule(
    "analysis-limit",
    Severity.WARNING,
    needs_catalog=True,
    doc="A statement too deep or too complex to check; the rest of the file is still checked.",
    check=check,
)
