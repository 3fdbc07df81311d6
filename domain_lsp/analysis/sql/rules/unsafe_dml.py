"""unsafe-dml: a DELETE or UPDATE without WHERE, which changes every row of its table. Read from
the parsed statement (a WHERE clause is not a binding); DML in a CTE (`WITH d AS (DELETE ...)`)
counts too. A LIMIT (MySQL, SQLite) bounds the statement on purpose: not this rule."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlglot import exp

from domain_lsp.analysis.sql.bindings import StatementBindings
from domain_lsp.analysis.sql.rules import SqlRule
from domain_lsp.findings import Finding, Severity

if TYPE_CHECKING:
    from domain_lsp.analysis.sql.resolve import Context


def token_span(node: object) -> tuple[int, int] | None:
    """Offsets of the token a node was parsed from, when sqlglot recorded them (resolve.span,
    which a rule module cannot import: resolve imports the registry)."""
    meta = node.meta if isinstance(node, exp.Expr) and node._meta else None
    if meta and "start" in meta:
        return int(meta["start"]), int(meta["end"]) + 1
    return None


def check(bindings: StatementBindings, ctx: Context, statement: exp.Expr) -> Iterator[Finding]:
    for dml in statement.find_all(exp.Delete, exp.Update):
        if dml.args.get("where") is not None or dml.args.get("limit") is not None:
            continue
        target = dml.this
        if not isinstance(target, exp.Table):
            continue
        at = token_span(target.this)
        if at is None:
            continue
        verb = "DELETE" if isinstance(dml, exp.Delete) else "UPDATE"
        changes = "deletes" if verb == "DELETE" else "updates"
        hint = "; add a WHERE clause, or use TRUNCATE if emptying the table is meant" if verb == "DELETE" else ""
        message = f"{verb} without WHERE {changes} every row of `{target.name}`{hint or '; add a WHERE clause'}"
        yield Finding("unsafe-dml", message, at[0], at[1])


RULE = SqlRule(
    "unsafe-dml",
    Severity.WARNING,
    needs_catalog=True,
    doc="A DELETE or UPDATE without WHERE, which changes every row of its table.",
    check=check,
    needs_statement=True,
)
