"""unknown-function: a call to a function the dialect does not have and the catalog does not
declare (only for dialects whose function list is bundled)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from domain_lsp.analysis.sql.bindings import StatementBindings
from domain_lsp.analysis.sql.rules import SqlRule
from domain_lsp.analysis.suggest import did_you_mean
from domain_lsp.findings import Finding, Fix, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context


def check(bindings: StatementBindings, ctx: Context) -> Iterator[Finding]:
    dialect = ctx.dialect or "the default dialect"
    for call in bindings.functions:
        if call.known:
            continue
        if call.hint:
            message = f"function `{call.name}` does not exist in {dialect}; use {call.hint}"
        else:
            message = f"function `{call.name}` does not exist in {dialect}{did_you_mean(list(call.candidates))}"
        fixes = tuple(Fix(f"Replace with `{s}`", call.start, call.end, s) for s in call.candidates)
        yield Finding("unknown-function", message, call.start, call.end, fixes=fixes)


RULE = SqlRule(
    "unknown-function",
    Severity.ERROR,
    needs_catalog=False,
    doc="A function the dialect does not have and the catalog does not declare.",
    check=check,
)
