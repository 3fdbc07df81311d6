"""unknown-schema: a table qualified with a schema (or database) no catalog source declares."""

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
    for ref in bindings.tables:
        if ref.problem != "unknown-schema":
            continue
        if ref.schema_start < 0:  # no position for the schema: said at the file's start
            yield Finding("unknown-schema", f"schema `{ref.schema}` does not exist", 0, 0)
            continue
        message = f"schema `{ref.schema}` does not exist{did_you_mean(list(ref.candidates))}"
        fixes = replace_fixes(ctx, ref.schema_start, ref.schema_end, ref.candidates)
        yield Finding("unknown-schema", message, ref.schema_start, ref.schema_end, fixes=fixes)


RULE = SqlRule(
    "unknown-schema",
    Severity.ERROR,
    needs_catalog=True,
    doc="A schema (or database) that no catalog source declares.",
    check=check,
)
