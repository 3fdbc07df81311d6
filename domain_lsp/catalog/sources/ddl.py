"""Schema from SQL DDL files (CREATE TABLE/VIEW/SCHEMA/FUNCTION, ALTER, COMMENT ON)."""

from __future__ import annotations

from pathlib import Path

from sqlglot import exp

from domain_lsp.analysis.sql.parse import Statement, parse_sql
from domain_lsp.analysis.sql.resolve import Context, span
from domain_lsp.catalog.ddl import DdlApplier
from domain_lsp.catalog.model import Catalog
from domain_lsp.catalog.sources import FileRead, FileSource, Retry, SourceProblem
from domain_lsp.catalog.sources.pg_ddl import apply_pg_ddl
from domain_lsp.config import SqlSettings
from domain_lsp.text import LineIndex


def load_ddl(
    path: Path, text: str, catalog: Catalog, dialect: str, search_path: tuple[str, ...] = ()
) -> tuple[list[SourceProblem], list[Retry]]:
    """Apply the file's DDL; returns problems, and retries for statements whose tables come later."""
    lines = LineIndex(text)
    problems: list[SourceProblem] = []
    retries: list[Retry] = []
    for statement in parse_sql(text, dialect, lines):
        if statement.error is not None:
            if _read_by_postgres(statement, dialect, text, catalog, path, lines):
                continue
            line, col = lines.line_col(statement.error.start)
            problems.append(SourceProblem(f"schema statement skipped: {statement.error.message}", line, col))
            continue
        if statement.expression is None:
            continue

        def apply(expression: exp.Expr = statement.expression) -> bool:
            ctx = Context(catalog, dialect, search_path, text)
            return DdlApplier(catalog, ctx, str(path), lines).apply(expression)

        try:
            applied = apply()
        except Exception as exc:  # a sqlglot corner case must not lose the rest of the file
            line, col = lines.line_col(statement.start)
            problems.append(SourceProblem(f"schema statement skipped: {type(exc).__name__}: {exc}", line, col))
            continue
        if not applied and isinstance(statement.expression, exp.Command):
            # sqlglot read it only as a command (`ALTER TABLE ... SET SCHEMA`, `CREATE AGGREGATE`)
            if _read_by_postgres(statement, dialect, text, catalog, path, lines):
                continue
        if not applied:
            problem = _pending_problem(statement.expression, lines, statement.start)
            if problem is not None:
                retries.append(Retry(apply, problem))
    return problems, retries


def _read_by_postgres(
    statement: Statement, dialect: str, text: str, catalog: Catalog, path: Path, lines: LineIndex
) -> bool:
    """PostgreSQL's own grammar reads what sqlglot could not (pg_ddl.py); False elsewhere, or
    when it rejects the statement too (then sqlglot's problem is reported)."""
    if dialect != "postgres" or (statement.error is not None and statement.error.code != "syntax-error"):
        return False
    sql = text[statement.start : statement.end]
    return apply_pg_ddl(sql, catalog, str(path), lines.line_col(statement.start)[0]) is True


def _pending_problem(statement: exp.Expr, lines: LineIndex, start: int) -> SourceProblem | None:
    """What to report if this statement never applies; None for statements that never will
    (CREATE INDEX, GRANT, INSERT...), which a schema file may hold without any problem.
    """
    target = statement.this
    table = target.this if isinstance(target, exp.Schema) else target
    if isinstance(statement, exp.Create) and str(statement.args.get("kind", "")).upper() in ("TABLE", "VIEW"):
        if not isinstance(table, exp.Table) or not table.name:
            return None
        kind = str(statement.args.get("kind")).lower()
        problem = f"{kind} `{table.name}` not loaded: the names of its columns cannot be derived from its query"
        hint = " (does every expression have an alias, and is every table it reads defined?)"
        return SourceProblem(problem + hint, *_at(table.this, lines, start))
    if isinstance(statement, exp.Alter) and statement.args.get("exists"):
        return None  # `ALTER TABLE IF EXISTS`: a missing table is what it allows for
    if isinstance(statement, exp.Alter) and isinstance(target, exp.Table):
        return SourceProblem(
            f"ALTER TABLE skipped: table `{target.name}` is not defined", *_at(target.this, lines, start)
        )
    if isinstance(statement, exp.Comment):
        if str(statement.args.get("kind", "")).upper() not in ("TABLE", "COLUMN", "VIEW", "MATERIALIZED VIEW"):
            return None  # a schema's, type's or function's comment describes nothing queries name
        node = target.this if isinstance(target, (exp.Column, exp.Table)) else target
        return SourceProblem("COMMENT ON skipped: its table or column is not defined", *_at(node, lines, start))
    return None


def _at(node: exp.Expr | None, lines: LineIndex, fallback: int) -> tuple[int, int]:
    where = span(node) if isinstance(node, exp.Expr) else None
    return lines.line_col(where[0] if where else fallback)


def _any_file(path: Path, head: object) -> bool:
    return True  # last in the registry: what no other kind claims is read as DDL


def _read(path: Path, content: str | bytes, catalog: Catalog, sql: SqlSettings) -> FileRead:
    problems, retries = load_ddl(path, str(content), catalog, sql.dialect, sql.search_path)
    return FileRead(problems, retries)


SOURCE = FileSource("ddl", _any_file, _read, builds_cycles=True)
