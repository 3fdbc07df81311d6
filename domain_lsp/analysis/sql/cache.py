"""Per-statement results kept between analyses, so a one-character edit in a file of thousands of
statements re-parses and re-checks only the statement it touched.

The last tokens of each document (by path and dialect): an edit re-lexes from the semicolon
before it to the first semicolon after it that lexes the same, and moves the tokens after it.

Two caches per workspace catalog (dropped with it):
- parsed trees, keyed by the statement's text and where it starts (the trees carry file offsets,
  so a statement that moved gets a tree parsed again, but only when something reads it);
- resolver findings, keyed by the statement's text, the catalog's version, the file-local DDL
  before it (a digest of every earlier statement that changed the file's overlay catalog) and,
  for script dialects, the variables the file declares. Findings are stored relative to the
  statement's start, so they are reused wherever the statement now sits.
"""

from __future__ import annotations

import bisect
import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlglot import exp
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from domain_lsp.analysis.sql.dialects import SCRIPT_VARIABLE_DIALECTS, get_dialect
from domain_lsp.analysis.sql.parse import Statement, cut_short, parse_statement, split_statements, tokenize
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
        self.shapes: Lru[Shape] = Lru()


_CACHES: weakref.WeakKeyDictionary[Catalog, StatementCache] = weakref.WeakKeyDictionary()


def cache_for(catalog: Catalog) -> StatementCache:
    cache = _CACHES.get(catalog)
    if cache is None:
        cache = _CACHES[catalog] = StatementCache()
    return cache


def read_once(catalog: Catalog) -> None:
    """Analyses against `catalog` read each file once (`domain-lsp check`): keep no parse trees.
    A tree is reused only when its text comes again at the same offset, which in a batch run is
    never, and 20,000 kept trees are millions of objects that every full garbage collection
    walks (6 of a 5,000-file check's 13 seconds)."""
    cache_for(catalog).parsed = Lru(size=0)


def catalog_versions(catalog: Catalog) -> tuple[int, ...]:
    versions = []
    current: Catalog | None = catalog
    while current is not None:
        versions.append(current.version)
        current = current.parent
    return tuple(versions)


LAST_TOKENS = 32
"""Documents whose last tokenization is kept (one entry per path and dialect)."""

_last: OrderedDict[tuple[str, str], tuple[str, list[Token]]] = OrderedDict()


def tokenize_cached(text: str, dialect: str, path: str) -> tuple[list[Token], Finding | None]:
    """`tokenize`, re-lexing only from the statement an edit starts in to the first semicolon
    after it: a semicolon is only read outside strings and comments, so the lexer starts afresh
    after one, and the tokens behind it are those of the previous text, moved."""
    key = (path, dialect)
    previous = _last.get(key)
    tokens = relex(previous[0], previous[1], text, dialect) if previous is not None else None
    if tokens is None:
        tokens, error = tokenize(text, dialect)
        if error is not None:
            _last.pop(key, None)
            return tokens, error
    _last[key] = (text, tokens)
    _last.move_to_end(key)
    if len(_last) > LAST_TOKENS:
        _last.popitem(last=False)
    return tokens, None


def _common_prefix(a: str, b: str) -> int:
    low, high = 0, min(len(a), len(b))
    while low < high:  # slice comparisons run in C: log n of them
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _common_suffix(a: str, b: str, most: int) -> int:
    low, high = 0, most
    while low < high:
        mid = (low + high + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            low = mid
        else:
            high = mid - 1
    return low


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line of `offset` and the column offset of its line start (as the lexer counts)."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1)


def relex(old: str, tokens: list[Token], new: str, dialect: str) -> list[Token] | None:
    """Tokens of `new` from those of `old`, or None when a full tokenization is needed."""
    if old == new:
        return tokens
    if not tokens:
        return None
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old, new, min(len(old), len(new)) - prefix)
    old_end, new_end = len(old) - suffix, len(new) - suffix
    delta = len(new) - len(old)
    # Restart after the last comment-free semicolon wholly before the change (comments after a
    # semicolon belong to it; lexing from just after it would give them to the next token).
    i = bisect.bisect_left(tokens, prefix - 1, key=lambda t: t.end) - 1
    while i >= 0 and not (tokens[i].token_type == TokenType.SEMICOLON and not tokens[i].comments):
        i -= 1
    restart = tokens[i].end + 1 if i >= 0 else 0
    # Resynchronise at the first semicolon wholly after the change.
    j = bisect.bisect_left(tokens, old_end, key=lambda t: t.start)
    while j < len(tokens) and tokens[j].token_type != TokenType.SEMICOLON:
        j += 1
    to_end = j == len(tokens)  # no semicolon after the change: the last statement is being written
    semicolon = len(new) - 1 if to_end else tokens[j].start + delta
    try:
        middle = get_dialect(dialect).tokenizer().tokenize(new[restart : semicolon + 1])
    except TokenError:
        return None  # an unterminated string or comment: the full lexer reports it
    if not to_end:
        if not middle or middle[-1].token_type != TokenType.SEMICOLON or middle[-1].start != semicolon - restart:
            return None  # the edit opened a string or comment that runs past the semicolon
        middle = middle[:-1]  # the old semicolon token is kept: it holds the comments after it
    line0, col0 = _line_col(new, restart)
    # Lines and columns as the lexer counts them (it does not count a newline inside a
    # multi-word keyword such as ORDER BY; these count it).
    moved = [_moved(t, restart, line0 - 1, col0 if t.line == 1 else 0) for t in middle]
    if to_end:
        return tokens[: i + 1] + moved
    old_line, old_col = _line_col(old, old_end)
    new_line, new_col = _line_col(new, new_end)
    lines, cols = new_line - old_line, new_col - old_col
    tail = tokens[j:]
    if delta or lines or cols:
        tail = [_moved(t, delta, lines, cols if t.line == old_line else 0) for t in tail]
    return tokens[: i + 1] + moved + tail


def _moved(token: Token, offset: int, lines: int, cols: int) -> Token:
    return Token(
        token.token_type,
        token.text,
        token.line + lines,
        token.col + cols,
        token.start + offset,
        token.end + offset,
        token.comments,
    )


class MovedStatement(Statement):
    """A statement whose text was parsed before at another offset: its syntax error is known
    (moved), and its tree is parsed again only when something reads it. Its findings usually
    come from the resolver cache, so typing above a thousand statements parses none of them."""

    __slots__ = ("_dialect", "_lines", "_pending", "_source", "ddl_like", "has_tree")
    _source: str
    _dialect: str
    _lines: LineIndex
    _pending: bool
    has_tree: bool
    ddl_like: bool

    @classmethod
    def create(
        cls, start: int, end: int, tokens: list[Token], shape: Shape, source: str, dialect: str, lines: LineIndex
    ) -> MovedStatement:
        statement = cls(start, end, tokens, None, shape.error.shifted(start) if shape.error else None)
        statement._source, statement._dialect, statement._lines = source, dialect, lines
        statement.has_tree, statement.ddl_like = shape.has_tree, shape.ddl_like
        statement._pending = shape.has_tree
        return statement

    @property
    def expression(self) -> exp.Expr | None:
        if getattr(self, "_pending", False):
            self._pending = False
            parsed = parse_statement(self.tokens, self._source, self._dialect, self._lines)
            _TREE.__set__(self, parsed.expression)
        tree: exp.Expr | None = _TREE.__get__(self)
        return tree

    @expression.setter
    def expression(self, tree: exp.Expr | None) -> None:
        _TREE.__set__(self, tree)


_TREE = Statement.__dict__["expression"]
"""The slot MovedStatement's property stores the tree in."""

_DDL = (exp.Create, exp.Command, exp.Alter, exp.Comment, exp.Drop)


@dataclass(frozen=True, slots=True)
class Shape:
    """What is known of a statement's parse without its tree: its error (statement-relative),
    whether it has a tree, and whether that tree may change a catalog (DDL)."""

    error: Finding | None
    has_tree: bool
    ddl_like: bool


def has_tree(statement: Statement) -> bool:
    """statement.expression is not None, without parsing a moved statement."""
    if isinstance(statement, MovedStatement):
        return statement.has_tree
    return statement.expression is not None


def may_change_catalog(statement: Statement) -> bool:
    if isinstance(statement, MovedStatement):
        return statement.ddl_like
    return isinstance(statement.expression, _DDL)


def parse_cached(text: str, dialect: str, lines: LineIndex, cache: StatementCache, path: str = "") -> list[Statement]:
    """parse_sql, reusing the tree of every statement whose text and start are unchanged, and
    deferring the parse of one that only moved."""
    tokens, token_error = tokenize_cached(text, dialect, path)
    chunks = split_statements(tokens)
    statements: list[Statement] = []
    for i, chunk in enumerate(chunks):
        cut = cut_short(chunks, i, token_error)
        if cut is not None:
            statements.append(cut)
            return statements
        start, end = chunk[0].start, chunk[-1].end + 1
        source = text[start:end]
        key = (dialect, start, source)
        hit = cache.parsed.get(key)
        if hit is not None:
            statements.append(Statement(start, end, chunk, hit[0], hit[1]))
            continue
        shape = cache.shapes.get((dialect, source))
        if shape is not None:
            statements.append(MovedStatement.create(start, end, chunk, shape, text, dialect, lines))
            continue
        statement = parse_statement(chunk, text, dialect, lines)
        cache.parsed.put(key, (statement.expression, statement.error))
        error = statement.error.shifted(-start) if statement.error else None
        tree = statement.expression
        cache.shapes.put((dialect, source), Shape(error, tree is not None, isinstance(tree, _DDL)))
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
