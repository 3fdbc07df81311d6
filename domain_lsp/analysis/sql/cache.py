"""Per-statement results kept between analyses, so a one-character edit in a file of thousands of
statements re-parses and re-checks only the statement it touched.

Two caches per workspace catalog (dropped with it):
- parsed trees, keyed by the statement's text and where it starts (the trees carry file offsets,
  so a statement that moved is parsed again);
- resolver findings, keyed by the statement's text, the catalog's version, the file-local DDL
  before it (a digest of every earlier statement that changed the file's overlay catalog) and,
  for script dialects, the variables the file declares. Findings are stored relative to the
  statement's start, so they are reused wherever the statement now sits.
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from sqlglot import exp

from domain_lsp.analysis.sql.dialects import SCRIPT_VARIABLE_DIALECTS
from domain_lsp.analysis.sql.parse import Statement, parse_statement, split_statements, tokenize
from domain_lsp.analysis.sql.resolve import declared_variables
from domain_lsp.catalog.model import Catalog
from domain_lsp.findings import Finding
from domain_lsp.text import LineIndex

MAX_STATEMENTS = 20_000
"""Entries per cache: a few large open files; the least recently used go first."""

V = TypeVar("V")


class Lru(Generic[V]):
    def __init__(self, size: int = MAX_STATEMENTS) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, V] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        value = self.entries.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self.entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> None:
        self.entries[key] = value
        self.entries.move_to_end(key)
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)


class StatementCache:
    def __init__(self) -> None:
        self.parsed: Lru[tuple[exp.Expr | None, Finding | None]] = Lru()
        self.checked: Lru[tuple[Finding, ...]] = Lru()


_CACHES: weakref.WeakKeyDictionary[Catalog, StatementCache] = weakref.WeakKeyDictionary()


def cache_for(catalog: Catalog) -> StatementCache:
    cache = _CACHES.get(catalog)
    if cache is None:
        cache = _CACHES[catalog] = StatementCache()
    return cache


def catalog_versions(catalog: Catalog) -> tuple[int, ...]:
    versions = []
    current: Catalog | None = catalog
    while current is not None:
        versions.append(current.version)
        current = current.parent
    return tuple(versions)


def parse_cached(text: str, dialect: str, lines: LineIndex, cache: StatementCache) -> list[Statement]:
    """parse_sql, reusing the tree of every statement whose text and start are unchanged.
    The whole text is still tokenized (cheap next to parsing), so the split is always current."""
    tokens, token_error = tokenize(text, dialect)
    chunks = split_statements(tokens)
    statements: list[Statement] = []
    for i, chunk in enumerate(chunks):
        if token_error is not None and i == len(chunks) - 1 and chunk[-1].end < token_error.start:
            statements.append(Statement(chunk[0].start, token_error.end, chunk, error=token_error))
            return statements
        start, end = chunk[0].start, chunk[-1].end + 1
        key = (dialect, start, text[start:end])
        hit = cache.parsed.get(key)
        if hit is not None:
            statements.append(Statement(start, end, chunk, hit[0], hit[1]))
            continue
        statement = parse_statement(chunk, text, dialect, lines)
        cache.parsed.put(key, (statement.expression, statement.error))
        statements.append(statement)
    if token_error is not None:
        statements.append(Statement(token_error.start, token_error.end, [], error=token_error))
    return statements


class CheckKeys:
    """Builds the resolver-cache key of each statement of one analysis, in file order."""

    def __init__(self, text: str, catalog: Catalog, dialect: str, search_path: tuple[str, ...]) -> None:
        declared = declared_variables(text) if dialect in SCRIPT_VARIABLE_DIALECTS else frozenset()
        self.base = (dialect, search_path, catalog_versions(catalog), declared)
        self.ddl = b""

    def key(self, statement_text: str) -> Hashable:
        return (self.base, self.ddl, statement_text)

    def changed_catalog(self, statement_text: str) -> None:
        """This statement changed the file's overlay catalog: later statements see it."""
        self.ddl = hashlib.blake2b(self.ddl + statement_text.encode(), digest_size=16).digest()


def relative(findings: list[Finding], start: int) -> tuple[Finding, ...]:
    return tuple(f.shifted(-start) for f in findings)


def absolute(findings: tuple[Finding, ...], start: int) -> list[Finding]:
    return [f.shifted(start) for f in findings] if start else list(findings)
