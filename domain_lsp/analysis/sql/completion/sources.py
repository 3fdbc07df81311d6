"""The tables, CTEs and derived tables a cursor can see, with their columns.

The statement is parsed as a sanitized copy: a placeholder identifier at the cursor, and, when
that still does not parse, parentheses closed and dangling words (WHERE, AND, a trailing
comma) dropped from the end. sqlglot's scopes then say which sources are in the cursor's query,
including those written after the cursor (`SELECT o.| FROM orders o`). When no copy parses, a
token scan of FROM/JOIN items at the cursor's nesting level stands in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, ScopeType, traverse_scope
from sqlglot.tokens import Token, TokenType

from domain_lsp.analysis.sql.completion.cursor import LITERALS, Cursor, is_word, keyword, name_of
from domain_lsp.analysis.sql.completion.lookup import QuietContext
from domain_lsp.analysis.sql.dialects import get_dialect
from domain_lsp.analysis.sql.parse import MAX_NESTING, parse_tokens
from domain_lsp.analysis.sql.resolve import alias_columns, query_outputs, scope_outputs
from domain_lsp.catalog.model import Column, Table, key

PLACEHOLDER = "dlsp_cursor__"
_SQLGLOT_LOG = logging.getLogger("sqlglot")

# Words that cannot end a statement: dropped from the end of the copy until it parses.
_DANGLING = frozenset(
    "WHERE AND OR NOT ON JOIN FROM BY GROUP ORDER PARTITION HAVING SELECT SET AS LEFT RIGHT INNER OUTER FULL "
    "CROSS NATURAL IN LIKE ILIKE IS BETWEEN WHEN THEN ELSE CASE USING LIMIT OFFSET UNION ALL EXCEPT INTERSECT "
    "DISTINCT WITH RETURNING QUALIFY WINDOW VALUES INTO LATERAL".split()
)
_ENDS_FROM = frozenset(
    "WHERE ON GROUP ORDER HAVING LIMIT OFFSET SET SELECT UNION EXCEPT INTERSECT RETURNING WINDOW QUALIFY".split()
)
_CLAUSES = frozenset("FROM WHERE GROUP ORDER HAVING LIMIT UNION EXCEPT INTERSECT WINDOW QUALIFY RETURNING".split())
_MAX_ATTEMPTS = 6


@dataclass(slots=True)
class Source:
    name: str
    """The name that qualifies its columns: the alias, else the table's name."""
    kind: str
    """"table", "view", "cte" or "subquery"."""
    table: Table | None = None
    columns: list[Column] | None = None
    """None when they cannot be known (a table function, an unknown table)."""
    outer: bool = False
    """From an enclosing query (a correlated subquery sees it)."""


@dataclass(slots=True)
class Cte:
    name: str
    columns: list[Column] | None


@dataclass(slots=True)
class Sources:
    sources: list[Source] = field(default_factory=list)
    ctes: list[Cte] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    """Output names of the cursor's SELECT (ORDER BY may use them)."""
    parsed: bool = False
    """Whether a sanitized copy parsed (else a token scan found the sources)."""

    def find(self, name: str) -> Source | None:
        wanted = key(name)
        for outer in (False, True):
            for source in self.sources:
                if source.outer == outer and key(source.name) == wanted:
                    return source
        return None

    def cte(self, name: str) -> Cte | None:
        return next((c for c in self.ctes if key(c.name) == key(name)), None)


def find_sources(text: str, cursor: Cursor, ctx: QuietContext) -> Sources:
    for sql in _sanitized(text, cursor):
        tree = _parse(sql, ctx.dialect)
        if tree is None:
            continue
        found = _from_tree(tree, ctx)
        if found is not None:
            return found
    return _scan(text, [*cursor.before, *cursor.after], len(cursor.before), ctx)


# -- the sanitized copy ---------------------------------------------------------------------


def _balance(tokens: list[Token]) -> tuple[int, int]:
    """(closing parens that match nothing, opening parens left open)."""
    extra = opened = 0
    for token in tokens:
        if token.token_type == TokenType.L_PAREN:
            opened += 1
        elif token.token_type == TokenType.R_PAREN:
            if opened:
                opened -= 1
            else:
                extra += 1
    return extra, opened


def _can_end(token: Token) -> bool:
    """Whether a statement may end with this token (a name, a literal, `)`), not `AND`, `,`."""
    kind = token.token_type
    if kind in (TokenType.R_PAREN, TokenType.VAR, TokenType.IDENTIFIER) or kind in LITERALS:
        return True
    return is_word(token) and keyword(token) not in _DANGLING


def _trimmed(tokens: list[Token]) -> list[Token]:
    end = len(tokens)
    while end and not _can_end(tokens[end - 1]):
        end -= 1
    return tokens[:end]


def _sanitized(text: str, cursor: Cursor) -> list[str]:
    """Copies of the statement with a placeholder at the cursor, most faithful first: as is,
    with parentheses closed, without dangling words at the end, and without the unfinished
    rest of the cursor's clause (`SELECT o.| , CASE FROM t` -> `SELECT o.x FROM t`)."""
    head = text[cursor.statement_start : cursor.word_start] + PLACEHOLDER
    _, head_open = _balance(cursor.before)
    tails = [cursor.after, _trimmed(cursor.after)]
    clause = _next_clause(cursor.after)
    if clause:
        tails.append(_trimmed(cursor.after[clause:]))
    variants: list[str] = []
    for tokens in tails:
        tail = text[tokens[0].start : tokens[-1].end + 1] if tokens else ""
        extra, tail_open = _balance(tokens)
        at_cursor = max(0, head_open - extra)
        variants.append(f"{head} {tail}{')' * (at_cursor + tail_open)}")
        variants.append(f"{head}{')' * at_cursor} {tail}{')' * tail_open}")
    return list(dict.fromkeys(variants))[:_MAX_ATTEMPTS]


def _next_clause(tokens: list[Token]) -> int:
    """Index of the first clause keyword at the cursor's nesting level, 0 when there is none."""
    depth = 0
    for i, token in enumerate(tokens):
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
            if depth < 0:
                return 0
        elif depth == 0 and i:
            words = keyword(token).split()
            if words and words[0] in _CLAUSES:
                return i
    return 0


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence sqlglot's warning when it falls back to an opaque Command: a sanitized copy
    that does not parse is expected, and a language server must not log per keystroke."""
    was = _SQLGLOT_LOG.disabled
    _SQLGLOT_LOG.disabled = True
    try:
        yield
    finally:
        _SQLGLOT_LOG.disabled = was


def _parse(sql: str, dialect: str) -> exp.Expr | None:
    engine = get_dialect(dialect)
    try:
        with _quiet():
            tokens = engine.tokenize(sql)
            if not tokens:
                return None
            tree, _ = parse_tokens(tokens, sql, dialect)  # no tree past the limits that keep sqlglot safe
    except Exception:  # any failure means: try the next copy
        return None
    return None if isinstance(tree, exp.Command) else tree  # Command: sqlglot gave up


def _placeholder(tree: exp.Expr) -> exp.Identifier | None:
    for ident in tree.find_all(exp.Identifier):
        if ident.name == PLACEHOLDER:
            return ident
    return None


def _as_select(statement: exp.Update | exp.Delete) -> exp.Select | None:
    """UPDATE/DELETE as the SELECT over the same sources, so that scopes can be built."""
    target = statement.this
    if not isinstance(target, exp.Table):
        return None
    projections: list[exp.Expr] = []
    if isinstance(statement, exp.Update):
        projections.extend(e.copy() for e in statement.expressions)
    returning = statement.args.get("returning")
    if returning is not None:
        projections.extend(e.copy() for e in returning.expressions)
    select = exp.Select(expressions=projections or [exp.Star()])
    select.set("from_", exp.From(this=target.copy()))
    extra: list[exp.Expr] = []
    from_ = statement.args.get("from_")
    if isinstance(from_, exp.From):
        extra.append(from_.this)
    extra.extend(statement.args.get("using") or [])
    joins: list[exp.Expr] = []
    for item in extra:
        item = item.copy()
        nested = item.args.get("joins") or []
        item.set("joins", None)
        joins.append(exp.Join(this=item))
        joins.extend(nested)
    select.set("joins", joins)
    for arg in ("where", "with_"):
        value = statement.args.get(arg)
        if value is not None:
            select.set(arg, value.copy())
    return select


def _from_tree(tree: exp.Expr, ctx: QuietContext) -> Sources | None:
    query: exp.Expr | None = tree
    if isinstance(tree, (exp.Update, exp.Delete)):
        query = _as_select(tree)
    elif isinstance(tree, (exp.Insert, exp.Create)):
        query = tree.expression
    if not isinstance(query, exp.Query):
        return Sources(parsed=True)
    placeholder = _placeholder(query)
    if placeholder is None:
        return None if _placeholder(tree) is None else Sources(parsed=True)
    try:
        scopes = traverse_scope(query)
    except Exception:  # sqlglot refuses some trees (duplicate aliases, ...): scan tokens instead
        return None
    ancestors: set[int] = set()
    node: exp.Expr | None = placeholder
    while node is not None:
        ancestors.add(id(node))
        node = node.parent
    scope = next((s for s in scopes if id(s.expression) in ancestors), None)
    if scope is None:
        return Sources(parsed=True)
    found = Sources(parsed=True)
    current: Scope | None = scope
    outer = False
    while current is not None:
        for alias, (node_, source) in current.selected_sources.items():
            if key(alias) != key(PLACEHOLDER):
                found.sources.append(_source(alias, node_, source, ctx, outer))
        if current.scope_type != ScopeType.SUBQUERY:
            break  # only a subquery in an expression sees the enclosing query's sources
        current, outer = current.parent, True
    for name, cte_scope in scope.cte_sources.items():
        columns = scope_outputs(cte_scope, ctx) if isinstance(cte_scope, Scope) else None
        found.ctes.append(Cte(name, [Column(c) for c in columns] if columns is not None else None))
    if isinstance(scope.expression, exp.Select):
        found.outputs = [p.alias for p in scope.expression.expressions if isinstance(p, exp.Alias) and p.alias]
    return found


def _source(alias: str, node: exp.Expr, source: exp.Expr | Scope, ctx: QuietContext, outer: bool) -> Source:
    if isinstance(source, Scope):
        names = scope_outputs(source, ctx)
        kind = "cte" if isinstance(node, exp.Table) else "subquery"
        return Source(alias, kind, None, [Column(n) for n in names] if names is not None else None, outer)
    named = alias_columns(source)
    if named is not None:
        return Source(alias, "subquery", None, [Column(n) for n in named], outer)
    if isinstance(source, exp.Table):
        table = ctx.resolve_table(source).table
        if table is not None:
            return Source(
                alias, "view" if table.kind == "view" else "table", table, list(table.columns.values()), outer
            )
    return Source(alias, "table", None, None, outer)


# -- the token scan ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Level:
    """Tokens of a statement with the paren group each one sits in (-1: the top level)."""

    tokens: list[Token]
    group: list[int]
    match: dict[int, int]
    """Opening paren index -> closing paren index."""
    inner: dict[int, int]
    """Opening paren index -> how deep the parentheses inside it nest."""

    @classmethod
    def of(cls, tokens: list[Token]) -> _Level:
        group: list[int] = []
        match: dict[int, int] = {}
        inner: dict[int, int] = {}
        stack: list[int] = []
        for i, token in enumerate(tokens):
            group.append(stack[-1] if stack else -1)
            if token.token_type == TokenType.L_PAREN:
                stack.append(i)
            elif token.token_type == TokenType.R_PAREN and stack:
                opening = stack.pop()
                match[opening] = i
                if stack:
                    inner[stack[-1]] = max(inner.get(stack[-1], 0), inner.get(opening, 0) + 1)
        return cls(tokens, group, match, inner)

    def chain(self, position: int) -> list[int]:
        """Paren groups enclosing `position`, innermost first, ending with -1."""
        stack: list[int] = []
        for i in range(min(position, len(self.tokens))):
            kind = self.tokens[i].token_type
            if kind == TokenType.L_PAREN:
                stack.append(i)
            elif kind == TokenType.R_PAREN and stack:
                stack.pop()
        return [*reversed(stack), -1]

    def end_of(self, opening: int) -> int:
        return self.match.get(opening, len(self.tokens))

    def word(self, i: int) -> str:
        """The keyword a token starts with (`GROUP BY` is one token: GROUP), "" for a quoted name."""
        words = keyword(self.tokens[i]).split() if i < len(self.tokens) else []
        return words[0] if words else ""

    def kind(self, i: int) -> TokenType | None:
        return self.tokens[i].token_type if i < len(self.tokens) else None


MAX_SCANNED_LEVELS = 16
"""Enclosing queries whose FROM items a completion on unparsable text offers, innermost first
(and the statement's own): each may parse a derived table, so 10,000 nested subqueries made one
completion parse 10,000 ever shorter copies of the statement."""


def _scan(text: str, tokens: list[Token], position: int, ctx: QuietContext) -> Sources:
    level = _Level.of(tokens)
    found = Sources()
    ctes = _scan_ctes(text, level, position, ctx)
    found.ctes = [Cte(name, columns) for name, columns, _ in ctes]
    outer = False
    # The groups that hold a SELECT of their own, found in one pass: asked per enclosing group,
    # 2,000 nested calls around the cursor made a completion scan 12 million tokens.
    selects = {level.group[i] for i in range(len(tokens)) if level.word(i) == "SELECT"}
    chain = level.chain(position)
    if len(chain) > MAX_SCANNED_LEVELS:  # each level may parse a derived table: keep it linear
        chain = [*chain[:MAX_SCANNED_LEVELS], -1]
    for group in chain:
        items = _from_items(text, level, group, ctx)
        if not items and group not in selects:
            continue  # a function call's parentheses: the query is further out
        for name, parts, columns in items:
            found.sources.append(_scanned_source(name, parts, columns, found, ctx, outer))
        outer = True
    return found


def _scanned_source(
    name: str, parts: tuple[str, ...], columns: list[str] | None, found: Sources, ctx: QuietContext, outer: bool
) -> Source:
    if not parts:
        return Source(name, "subquery", None, [Column(c) for c in columns] if columns is not None else None, outer)
    if len(parts) == 1:
        cte = found.cte(parts[0])
        if cte is not None:
            return Source(name, "cte", None, cte.columns, outer)
    table = ctx.lookup(parts)
    if columns is not None:
        return Source(name, "table", table, [Column(c) for c in columns], outer)
    if table is None:
        return Source(name, "table", None, None, outer)
    return Source(name, "view" if table.kind == "view" else "table", table, list(table.columns.values()), outer)


def _from_items(
    text: str, level: _Level, group: int, ctx: QuietContext
) -> list[tuple[str, tuple[str, ...], list[str] | None]]:
    """(name, table name parts or () for a derived table, alias columns) of FROM/JOIN items."""
    items: list[tuple[str, tuple[str, ...], list[str] | None]] = []
    tokens = level.tokens
    insert = bool(tokens) and level.word(0) in ("INSERT", "MERGE")
    in_from = False
    i = group + 1
    end = level.end_of(group) if group >= 0 else len(tokens)
    while i < end:
        if level.group[i] != group:
            i = level.end_of(level.group[i]) + 1  # past a nested group at once: linear however deep
            continue
        word = level.word(i)
        starts = word in ("FROM", "JOIN", "UPDATE") or (word == "INTO" and insert)
        starts = starts or (word == "USING" and level.kind(i + 1) != TokenType.L_PAREN)
        if starts or (in_from and level.kind(i) == TokenType.COMMA):
            if starts:  # a comma continues a FROM list; JOIN takes one item
                in_from = word in ("FROM", "USING", "UPDATE")
            item, i = _item(text, level, i + 1, ctx)
            if item is not None:
                items.append(item)
            continue
        if word in _ENDS_FROM or word == "JOIN":
            in_from = False
        i += 1
    return items


def _item(
    text: str, level: _Level, i: int, ctx: QuietContext
) -> tuple[tuple[str, tuple[str, ...], list[str] | None] | None, int]:
    tokens = level.tokens
    while level.word(i) in ("LATERAL", "ONLY"):
        i += 1
    if i >= len(tokens):
        return None, i
    parts: tuple[str, ...] = ()
    columns: list[str] | None = None
    if level.kind(i) == TokenType.L_PAREN:
        close = level.end_of(i)
        if close < len(tokens) and close > i + 1 and level.inner.get(i, 0) < MAX_NESTING:
            columns = _query_columns(text[tokens[i + 1].start : tokens[close - 1].end + 1], ctx)
        i = close + 1
        name = ""
    elif is_word(tokens[i]) and (level.word(i) not in _DANGLING or tokens[i].token_type == TokenType.VAR):
        names = [name_of(tokens[i])]
        i += 1
        while level.kind(i) == TokenType.DOT and i + 1 < len(tokens) and is_word(tokens[i + 1]):
            names.append(name_of(tokens[i + 1]))
            i += 2
        if level.kind(i) == TokenType.L_PAREN:  # a table function: its columns are unknown
            i = level.end_of(i) + 1
            return (names[-1], (), None), i
        parts = tuple(names)
        name = names[-1]
    else:
        return None, i
    if level.word(i) == "AS":
        i += 1
    if i < len(tokens) and tokens[i].token_type in (TokenType.VAR, TokenType.IDENTIFIER):
        name = name_of(tokens[i])
        i += 1
        if level.kind(i) == TokenType.L_PAREN:  # alias (a, b)
            close = level.end_of(i)
            columns = [name_of(t) for t in tokens[i + 1 : close] if is_word(t)]
            i = close + 1
    if not name:
        return None, i
    return (name, parts, columns), i


def _scan_ctes(
    text: str, level: _Level, position: int, ctx: QuietContext
) -> list[tuple[str, list[Column] | None, str]]:
    """(name, columns, definition text) of every CTE the statement defines, except the one
    the cursor is inside (unless it is recursive)."""
    tokens = level.tokens
    found: list[tuple[str, list[Column] | None, str]] = []
    for w in range(len(tokens)):
        if level.word(w) != "WITH":
            continue
        i = w + 1
        recursive = level.word(i) == "RECURSIVE"
        if recursive:
            i += 1
        while i < len(tokens) and is_word(tokens[i]):
            start = i
            name = name_of(tokens[i])
            i += 1
            declared: list[str] | None = None
            if level.kind(i) == TokenType.L_PAREN:
                close = level.end_of(i)
                declared = [name_of(t) for t in tokens[i + 1 : close] if is_word(t)]
                i = close + 1
            if level.word(i) != "AS":
                break
            i += 1
            while level.word(i) in ("NOT", "MATERIALIZED"):
                i += 1
            if level.kind(i) != TokenType.L_PAREN:
                break
            close = level.end_of(i)
            inside = i < position <= close
            if not inside or recursive:
                names = declared
                definition = text[tokens[start].start : tokens[close].end + 1] if close < len(tokens) else ""
                if names is None and definition and close > i + 1:
                    prelude = ", ".join(d for _, _, d in found if d)
                    body = text[tokens[i + 1].start : tokens[close - 1].end + 1]
                    names = _query_columns(f"WITH {prelude} {body}" if prelude else body, ctx)
                found.append((name, [Column(n) for n in names] if names is not None else None, definition))
            i = close + 1
            if level.kind(i) != TokenType.COMMA:
                break
            i += 1
    return found


def _query_columns(sql: str, ctx: QuietContext) -> list[str] | None:
    tree = _parse(sql, ctx.dialect)
    return query_outputs(tree, ctx) if isinstance(tree, exp.Query) else None
