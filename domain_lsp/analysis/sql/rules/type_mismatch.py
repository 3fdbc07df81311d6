"""type-mismatch: a comparison whose two sides' types the dialect has no operator for, when both
types are certain. Deliberately started narrow, with the cases PostgreSQL rejects before running
anything (`operator does not exist: date = integer`): a catalog column of a date/time, text or
boolean type against a number literal or a column of another of those families. Silent in other
dialects (most of them cast implicitly), for string literals (PostgreSQL types them from the
other side), expressions, casts and every type not listed here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlglot import exp

from domain_lsp.analysis.sql.bindings import StatementBindings
from domain_lsp.analysis.sql.rules import SqlRule
from domain_lsp.analysis.sql.rules.unsafe_dml import token_span
from domain_lsp.findings import Finding, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context

FAMILIES = {
    "number": {"SMALLINT", "INT", "INTEGER", "BIGINT", "DECIMAL", "NUMERIC", "REAL", "DOUBLE", "FLOAT"},
    "date/time": {"DATE", "TIMESTAMP", "TIMESTAMPTZ"},
    "text": {"TEXT", "VARCHAR", "CHAR"},
    "boolean": {"BOOLEAN"},
}
"""Type families (as the catalog spells the type, parameters dropped) between which PostgreSQL
has no comparison operator nor implicit cast."""
COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def family(type_name: str | None) -> str | None:
    if not type_name:
        return None
    base = type_name.split("(", 1)[0].strip().upper()
    return next((name for name, types in FAMILIES.items() if base in types), None)


def check(bindings: StatementBindings, ctx: Context, statement: exp.Expr) -> Iterator[Finding]:
    if ctx.dialect != "postgres":
        return
    for comparison in statement.find_all(*COMPARISONS):
        left, right = comparison.this, comparison.expression
        left_family, right_family = _family(left, bindings), _family(right, bindings)
        if left_family is None or right_family is None or left_family == right_family:
            continue
        at = token_span(right.this if isinstance(right, exp.Column) else right)
        if at is None:
            continue
        left_text, right_text = _describe(left, left_family), _describe(right, right_family)
        message = f"{left_text} cannot be compared with {right_text} in postgres (operator does not exist)"
        yield Finding("type-mismatch", message, at[0], at[1])


def _family(node: exp.Expr, bindings: StatementBindings) -> str | None:
    if isinstance(node, exp.Literal):
        return None if node.is_string else "number"
    if not isinstance(node, exp.Column) or isinstance(node.this, exp.Star):
        return None
    at = token_span(node.this)
    if at is None:
        return None
    ref = next((c for c in bindings.columns if c.start == at[0] and c.end == at[1] and c.status == "resolved"), None)
    column = ref.column if ref is not None else None
    return family(column.type) if column is not None else None


def _describe(node: exp.Expr, node_family: str) -> str:
    if isinstance(node, exp.Literal):
        return f"the number {node.this}"
    return f"`{node.sql(dialect='postgres')}` ({node_family})"


RULE = SqlRule(
    "type-mismatch",
    Severity.ERROR,
    needs_catalog=True,
    doc="A comparison whose two sides' types the dialect cannot compare, when both types are known.",
    check=check,
    needs_statement=True,
)
