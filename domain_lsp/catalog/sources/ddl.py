"""Schema from SQL DDL files (CREATE TABLE/VIEW/SCHEMA/FUNCTION, ALTER, COMMENT ON)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from domain_lsp.analysis.sql.parse import parse_sql
from domain_lsp.analysis.sql.resolve import Context
from domain_lsp.catalog.ddl import DdlApplier
from domain_lsp.catalog.model import Catalog
from domain_lsp.catalog.sources import SourceProblem
from domain_lsp.text import LineIndex

Retry = Callable[[], bool]


def load_ddl(
    path: Path, text: str, catalog: Catalog, dialect: str, search_path: tuple[str, ...] = ()
) -> tuple[list[SourceProblem], list[Retry]]:
    """Apply the file's DDL; returns problems, and retries for views whose sources come later."""
    lines = LineIndex(text)
    problems: list[SourceProblem] = []
    retries: list[Retry] = []
    for statement in parse_sql(text, dialect, lines):
        if statement.error is not None:
            line, col = lines.line_col(statement.error.start)
            problems.append(SourceProblem(f"schema statement skipped: {statement.error.message}", line, col))
            continue
        if statement.expression is None:
            continue
        expression = statement.expression

        def apply(expression=expression) -> bool:  # type: ignore[no-untyped-def]
            ctx = Context(catalog, dialect, search_path, text)
            return DdlApplier(catalog, ctx, str(path), lines).apply(expression)

        if not apply():
            retries.append(apply)
    return problems, retries
