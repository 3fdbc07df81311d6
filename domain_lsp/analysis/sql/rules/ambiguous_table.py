"""ambiguous-table: an unqualified table name found in several schemas, none preferred."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from domain_lsp.analysis.sql.bindings import StatementBindings
from domain_lsp.analysis.sql.rules import SqlRule
from domain_lsp.analysis.sql.rules.unknown_table import qualified_fixes
from domain_lsp.findings import Finding, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context


def check(bindings: StatementBindings, ctx: Context) -> Iterator[Finding]:
    for ref in bindings.tables:
        if ref.problem == "ambiguous-table" and ref.start >= 0:
            names = ", ".join(f"`{n}`" for n in ref.candidates)
            message = f"table `{ref.name}` exists in several schemas: {names}; qualify it"
            yield Finding("ambiguous-table", message, ref.start, ref.end, fixes=qualified_fixes(ctx, ref))


RULE = SqlRule(
    "ambiguous-table",
    Severity.ERROR,
    needs_catalog=True,
    doc="An unqualified table name found in several schemas.",
    check=check,
)
