"""Analyse a whole SQL text: statements in order, each checked against the workspace catalog
plus what the statements before it created (CREATE TABLE/VIEW, ALTER, temporary tables).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from domain_lsp.analysis.sql.bindings import StatementBindings
from domain_lsp.analysis.sql.cache import (
    CheckKeys,
    absolute,
    cache_for,
    has_tree,
    may_change_catalog,
    parse_cached,
    relative,
)
from domain_lsp.analysis.sql.parse import Statement
from domain_lsp.analysis.sql.resolve import Context, bind_statement, check_statement
from domain_lsp.analysis.sql.syntax import confirm_syntax
from domain_lsp.analysis.suppress import apply_suppressions
from domain_lsp.catalog.ddl import DdlApplier
from domain_lsp.catalog.model import Catalog
from domain_lsp.config import SqlSettings
from domain_lsp.findings import Finding
from domain_lsp.text import LineIndex

DATABASE_DEPTH_LIMITS = re.compile(
    r"stack depth limit exceeded|max expression depth|parser stack overflow|expression tree is too large", re.I
)
"""What PostgreSQL's, DuckDB's and SQLite's parsers say of a statement too deep for their
settings (max_stack_depth, max_expression_depth, SQLITE_MAX_EXPR_DEPTH): no syntax mistake."""

MAX_SQL_CHARS = 5_000_000
"""Longer SQL is not analysed: analysis costs about 6 s per MB (measured: 5 MB in 31 s), so a
20 MB dump would hold a CI run for minutes. Such files are data, not code to check."""


@dataclass
class SqlAnalysis:
    text: str
    lines: LineIndex
    statements: list[Statement]
    findings: list[Finding]
    catalog: Catalog
    """The workspace catalog with this file's own definitions layered on top."""
    _bindings: dict[int, tuple[Statement, StatementBindings]] = field(default_factory=dict, repr=False)

    def bindings_of(self, statement: Statement, settings: SqlSettings) -> StatementBindings:
        """What the statement's names refer to, against the file's whole catalog (its own
        definitions included), for hover and definition. Resolved on the first request and
        kept with the analysis: the check itself keeps only findings (its cache would have to
        shift every offset of a statement that moved)."""
        cached = self._bindings.get(id(statement))
        if cached is None:
            tree = statement.expression
            if tree is None:
                return StatementBindings("other", catalog_checked=False)
            ctx = Context(self.catalog, settings.dialect, settings.search_path, self.text)
            cached = self._bindings[id(statement)] = (statement, bind_statement(tree, ctx))
        return cached[1]


def analyze_sql(text: str, catalog: Catalog, settings: SqlSettings, path: str = "") -> SqlAnalysis:
    lines = LineIndex(text)
    if len(text) > MAX_SQL_CHARS:
        message = (
            f"{len(text) / 1e6:.1f} million characters of SQL: too large to analyse "
            f"(limit {MAX_SQL_CHARS / 1e6:g} million), not checked"
        )
        return SqlAnalysis(text, lines, [], [Finding("file-error", message, 0, 0)], Catalog(parent=catalog))
    # Unchanged statements reuse their tree and their findings from the last analysis.
    cache = cache_for(catalog)
    statements = parse_cached(text, settings.dialect, lines, cache, path)
    keys = CheckKeys(text, catalog, settings.dialect, settings.search_path)
    local = Catalog(parent=catalog)
    findings: list[Finding] = []
    # The database's own parser, where installed, overrules sqlglot's verdict on syntax.
    verdicts = confirm_syntax(text, statements, settings.dialect)
    for statement, verdict in zip(statements, verdicts, strict=True):
        error = statement.error if verdict is None else verdict.error
        if statement.error is not None and statement.error.code == "analysis-limit":
            findings.append(statement.error)  # not parsed at all: said whatever the database thinks
            error = verdict.error if verdict is not None else None
            if error is not None and DATABASE_DEPTH_LIMITS.search(error.message):
                error = None  # its parser's own depth limit, a setting of the database: the limit said it
        if error is not None:
            findings.append(error)
        if not has_tree(statement) or (verdict is not None and not verdict.standalone):
            continue
        ctx = Context(local, settings.dialect, settings.search_path, text)
        source = statement.text(text)
        key = keys.key(source)
        checked = cache.checked.get(key)
        if checked is None:
            tree = statement.expression
            assert tree is not None  # has_tree said so
            found = [
                _on_first_word(f, statement) if f.code == "analysis-limit" else f for f in check_statement(tree, ctx)
            ]
            cache.checked.put(key, relative(found, statement.start))
            findings.extend(found)
        else:
            findings.extend(absolute(checked, statement.start))
        if may_change_catalog(statement):
            tree = statement.expression
            if tree is not None and DdlApplier(local, ctx, path, lines).apply(tree):
                keys.changed_catalog(source)
    findings.sort(key=lambda f: (f.start, f.end, f.code))
    return SqlAnalysis(text, lines, statements, apply_suppressions(text, findings, lines), local)


def _on_first_word(finding: Finding, statement: Statement) -> Finding:
    """A statement the resolver left unchecked (too complex) is said so on its first word, as
    the parser's own limits are, not over every name in it."""
    first = statement.tokens[0]
    return dataclasses.replace(finding, start=first.start, end=first.end + 1)
