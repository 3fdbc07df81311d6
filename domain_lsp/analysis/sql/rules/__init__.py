"""The SQL rules: each a small function over one statement's bindings (bindings.py), in a
module of its own, registered here once with its code, severity, whether it needs a catalog
and a one-line doc. Adding a rule is one module and one line in RULES (docs/architecture.md).

The codes and their severities are the product's contract, declared in findings.RULES (the
docs are tested against that registry); tests/unit/test_rules_registry.py checks that every
rule here names a code declared there with the same severity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from domain_lsp.analysis.sql.bindings import StatementBindings
from domain_lsp.findings import Finding, Fix, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context


@dataclass(frozen=True, slots=True)
class SqlRule:
    code: str
    severity: Severity
    needs_catalog: bool
    """Run only when the catalog declares something: every name would be unknown otherwise."""
    doc: str
    check: Callable[..., Iterable[Finding]]
    """`check(bindings, ctx)`, or `check(bindings, ctx, statement)` when `needs_statement`."""
    needs_statement: bool = False
    """The rule also reads the parsed statement (joins, WHERE, GROUP BY, VALUES), which the
    bindings do not keep; it is passed as a third argument, and the rule is skipped without it."""


def replace_fixes(ctx: Context, start: int, end: int, names: Iterable[str]) -> tuple[Fix, ...]:
    """ "Replace with `x`" quick fixes over one token, each name quoted as the dialect needs."""
    return tuple(Fix(f"Replace with `{n}`", start, end, ctx.quote(n)) for n in names)


def _registry() -> tuple[SqlRule, ...]:
    from domain_lsp.analysis.sql.rules import (
        ambiguous_column,
        ambiguous_table,
        analysis_limit,
        column_count_mismatch,
        deprecated_reference,
        join_mismatch,
        missing_required_filter,
        pii_column,
        type_mismatch,
        ungrouped_column,
        unknown_column,
        unknown_function,
        unknown_schema,
        unknown_table,
        unsafe_dml,
    )

    return (
        unknown_function.RULE,
        unknown_schema.RULE,
        unknown_table.RULE,
        ambiguous_table.RULE,
        unknown_column.RULE,
        ambiguous_column.RULE,
        deprecated_reference.RULE,
        missing_required_filter.RULE,
        pii_column.RULE,
        join_mismatch.RULE,
        analysis_limit.RULE,
        unsafe_dml.RULE,
        column_count_mismatch.RULE,
        ungrouped_column.RULE,
        type_mismatch.RULE,
    )


RULES: tuple[SqlRule, ...] = _registry()


def run_rules(bindings: StatementBindings, ctx: Context, statement: exp.Expr | None = None) -> list[Finding]:
    """Every rule over the bindings (and the parsed statement, for the rules that read it):
    findings deduplicated by (code, range), the first kept (DML is resolved twice, as itself
    and as the SELECT it reads), in text order."""
    findings: list[Finding] = []
    for rule in RULES:
        if rule.needs_catalog and not bindings.catalog_checked:
            continue
        args: tuple[Any, ...] = (bindings, ctx)
        if rule.needs_statement:
            if statement is None:
                continue
            args = (bindings, ctx, statement)
        findings.extend(rule.check(*args))
    if not bindings.catalog_checked:
        return findings
    unique = {(f.code, f.start, f.end): f for f in reversed(findings)}
    return sorted(unique.values(), key=lambda f: (f.start, f.end, f.code))
