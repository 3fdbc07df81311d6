"""Syntax confirmed by the database's own parser where one is installed (see native.py).

sqlglot's parser is lenient: it quietly rewrites SQL the database rejects (a trailing comma
before FROM, WHERE after GROUP BY, `CROSS APPLY` in PostgreSQL) and rejects some SQL the
database accepts. For PostgreSQL, DuckDB and SQLite the database's parser is the authority:
what it rejects gets one syntax error at the token where it stopped, and what it accepts gets
none, whatever sqlglot thought.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from sqlglot.tokens import Token, TokenType

from domain_lsp.analysis.sql.native import Outcome, Rejection, native_dialects, native_parse
from domain_lsp.analysis.sql.parse import MAX_STATEMENT_TOKENS, Statement
from domain_lsp.findings import Finding

# How many statements a split may have cut one database statement into (a trigger's body).
_MAX_MERGED = 64

# Tokens after which `?`, `:name` or `%s` continue an expression (an operator, a slice bound)
# instead of standing for a value the client binds.
_VALUE_ENDS = frozenset(
    {
        TokenType.VAR,
        TokenType.IDENTIFIER,
        TokenType.NUMBER,
        TokenType.STRING,
        TokenType.R_PAREN,
        TokenType.R_BRACKET,
        TokenType.R_BRACE,
        TokenType.NULL,
        TokenType.TRUE,
        TokenType.FALSE,
    }
)
_PYFORMAT_TYPES = frozenset({"s", "b", "t"})
_PARAMETER = {"postgres": "$1"}  # a bind parameter the database's parser takes; "?" elsewhere


@dataclass(frozen=True, slots=True)
class NativeVerdict:
    """The database parser's word on one statement of `parse_sql`'s split."""

    error: Finding | None
    """Its syntax error, in file offsets; None when it accepts the statement."""
    standalone: bool = True
    """False when the statement is only part of one the database parses whole (the split cut a
    trigger body or BEGIN ATOMIC block at its semicolons): not to be resolved on its own."""


def confirm_syntax(text: str, statements: Sequence[Statement], dialect: str) -> list[NativeVerdict | None]:
    """One verdict per statement; None where there is no native parser (another dialect, the
    package not installed, a statement the tokenizer cut short) or it cannot tell."""
    verdicts: list[NativeVerdict | None] = [None] * len(statements)
    if not dialect:
        return _confirm_generic(text, statements, verdicts)
    if dialect not in native_dialects():
        return verdicts
    i = 0
    while i < len(statements):
        if not _checkable(statements[i], dialect):
            i += 1
            continue
        outcome, source = _check(text, statements[i : i + 1], dialect)
        if isinstance(outcome, Rejection) and outcome.at_end:
            merged = _merge(text, statements, i, dialect)
            if merged > i + 1:
                for k in range(i, merged):
                    verdicts[k] = NativeVerdict(None, standalone=False)
                i = merged
                continue
        if outcome is True:
            verdicts[i] = NativeVerdict(None)
        elif isinstance(outcome, Rejection):
            verdicts[i] = NativeVerdict(_finding(outcome, source, statements[i].tokens, dialect))
        i += 1
    return verdicts


GENERIC_CONFIRMERS = ("postgres", "duckdb")
"""Without a configured dialect, sqlglot's generic parser judges syntax; a statement it rejects
is still valid when one of these databases accepts it (`SELECT file FROM glob($1)`, DuckDB's
table function), and then it is not reported. SQLite is not asked: it accepts too much."""


def _confirm_generic(
    text: str, statements: Sequence[Statement], verdicts: list[NativeVerdict | None]
) -> list[NativeVerdict | None]:
    """Only the statements sqlglot rejected are handed on (a rare case, so nothing is slower)."""
    available = native_dialects()
    for i, statement in enumerate(statements):
        if statement.error is None or statement.error.code != "syntax-error":
            continue
        for other in GENERIC_CONFIRMERS:
            if other in available and _checkable(statement, other) and _check(text, [statement], other)[0] is True:
                verdicts[i] = NativeVerdict(None)
                break
    return verdicts


def _checkable(statement: Statement, dialect: str) -> bool:
    # A statement the tokenizer cut short (unterminated string) keeps the tokenizer's error.
    if not statement.tokens or statement.end != statement.tokens[-1].end + 1:
        return False
    if len(statement.tokens) > MAX_STATEMENT_TOKENS:
        return False  # past the memory bound: not analysed, and not handed to the database's parser
    return dialect != "sqlite" or _sqlite_can_compile(statement.tokens)


_SQLITE_MAX_CHAIN = 500
"""SQLite compiles a statement to judge it, and compiles each CTE a CTE reads, and each COLLATE
of a chain, by recursion in C: 10,000 chained CTEs overflowed a thread of 2 MB of stack, and
100,000 COLLATEs did, killing the process (1,000 and 10,000 did not). A statement with more of
either than this is not handed to SQLite; sqlglot's parse stands alone."""


def _sqlite_can_compile(tokens: list[Token]) -> bool:
    types = [token.token_type for token in tokens]
    if types.count(TokenType.COLLATE) > _SQLITE_MAX_CHAIN:
        return False
    if types.count(TokenType.ALIAS) <= _SQLITE_MAX_CHAIN:  # list.count runs in C: the pairs only when needed
        return True
    ctes = sum(1 for a, b in pairwise(types) if a == TokenType.ALIAS and b == TokenType.L_PAREN)
    return ctes <= _SQLITE_MAX_CHAIN


def _merge(text: str, statements: Sequence[Statement], first: int, dialect: str) -> int:
    """End (exclusive) of the run of statements from `first` that the database accepts as a
    whole, when the first one alone ran out of input; `first` when there is none."""
    last = first + 1
    while last < len(statements) and last - first < _MAX_MERGED and _checkable(statements[last], dialect):
        outcome, _ = _check(text, statements[first : last + 1], dialect)
        if outcome is True:
            return last + 1
        if not (isinstance(outcome, Rejection) and outcome.at_end):
            break
        last += 1
    return first


@dataclass(frozen=True, slots=True)
class _Source:
    """The text given to the database's parser, and the way back to file offsets."""

    base: int
    text: str
    replaced: tuple[tuple[int, int, int, int], ...] = ()
    """(start, end) in `text`, then (start, end) relative to `base`, of each placeholder replaced."""

    def to_file(self, offset: int) -> int:
        shift = 0
        for start, end, old_start, old_end in self.replaced:
            if offset < start:
                break
            if offset < end:
                return self.base + old_start
            shift = old_end - end
        return self.base + offset + shift

    def in_replacement(self, offset: int) -> bool:
        return any(start <= offset < end for start, end, _, _ in self.replaced)


def _check(text: str, statements: Sequence[Statement], dialect: str) -> tuple[Outcome, _Source]:
    base, stop = statements[0].start, statements[-1].end
    source = _Source(base, text[base:stop])
    outcome = native_parse(dialect, source.text)
    if not isinstance(outcome, Rejection):
        return outcome, source
    tokens = [token for statement in statements for token in statement.tokens]
    neutral = _without_placeholders(source, tokens, _PARAMETER.get(dialect, "?"))
    if neutral is None:
        return outcome, source
    # Client-side placeholders (`:name`, `%s`, `?` in PostgreSQL) are not SQL the database
    # parses; with bind parameters in their place, what remains is judged.
    retry = native_parse(dialect, neutral.text)
    if isinstance(retry, Rejection) and retry.start is not None and neutral.in_replacement(retry.start):
        return None, neutral  # the error is the placeholder itself: a template, not a mistake
    return retry, neutral


def _without_placeholders(source: _Source, tokens: list[Token], parameter: str) -> _Source | None:
    spans = _placeholders(tokens)
    if not spans:
        return None
    parts: list[str] = []
    replaced: list[tuple[int, int, int, int]] = []
    position = length = 0
    for start, end in spans:
        start, end = start - source.base, end - source.base
        parts.append(source.text[position:start])
        length += start - position
        replaced.append((length, length + len(parameter), start, end))
        parts.append(parameter)
        length += len(parameter)
        position = end
    parts.append(source.text[position:])
    return _Source(source.base, "".join(parts), tuple(replaced))


def _placeholders(tokens: list[Token]) -> list[tuple[int, int]]:
    """File offsets (start, end) of `?`, `?1`, `:name`, `$name`, `%s` and `%(name)s` standing for values."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if i and tokens[i - 1].token_type in _VALUE_ENDS:
            i += 1
            continue
        chain = _adjacent(tokens, i)
        kind = token.token_type
        size = 0
        if kind == TokenType.PLACEHOLDER:
            size = 2 if len(chain) > 1 and chain[1].token_type == TokenType.NUMBER else 1
        elif kind in (TokenType.COLON, TokenType.PARAMETER) and token.text in (":", "$") and len(chain) > 1:
            size = 2 if chain[1].token_type != TokenType.NUMBER and _is_name(chain[1]) else 0
        elif kind == TokenType.MOD and len(chain) > 1:
            if chain[1].text.lower() in _PYFORMAT_TYPES and chain[1].token_type == TokenType.VAR:
                size = 2
            elif len(chain) > 4 and chain[1].text == "(" and _is_name(chain[2]) and chain[3].text == ")":
                size = 5 if chain[4].text.lower() in _PYFORMAT_TYPES else 0
        if size:
            spans.append((token.start, chain[size - 1].end + 1))
            i += size
        else:
            i += 1
    return spans


def _adjacent(tokens: list[Token], i: int, limit: int = 5) -> list[Token]:
    """Tokens from i on with no space between them."""
    chain = [tokens[i]]
    while len(chain) < limit and i + len(chain) < len(tokens):
        following = tokens[i + len(chain)]
        if following.start != chain[-1].end + 1:
            break
        chain.append(following)
    return chain


def _is_name(token: Token) -> bool:
    return token.token_type == TokenType.IDENTIFIER or token.text[:1].isalpha() or token.text[:1] == "_"


def _finding(rejection: Rejection, source: _Source, tokens: list[Token], dialect: str) -> Finding:
    start, end = _range(rejection, source, tokens)
    return Finding("syntax-error", rejection.message, start, end, data={"parser": dialect})


def _range(rejection: Rejection, source: _Source, tokens: list[Token]) -> tuple[int, int]:
    """The offending token's file offsets: the database's own range when it gave one, else the
    statement's token at (or after) where it stopped; its last token when input ran out."""
    if rejection.start is None:
        token = tokens[-1] if rejection.at_end else tokens[0]
        return token.start, token.end + 1
    start = source.to_file(rejection.start)
    if rejection.end is not None and not source.in_replacement(rejection.start):
        end = source.to_file(rejection.end)
        if end > start:
            return start, end
    # The token under the offset, or the first after it (the offset fell on space or a comment).
    token = next((t for t in tokens if t.end >= start), tokens[-1])
    return token.start, token.end + 1
