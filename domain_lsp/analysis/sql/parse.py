"""Split a SQL text into statements and parse each on its own, so one broken statement
never hides the others. Offsets in the trees (Identifier/Func `meta`) are into the whole text.
"""

from __future__ import annotations

import copy
import operator
import re
from dataclasses import dataclass
from functools import cache

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, TokenType

from domain_lsp.analysis.sql.dialects import get_dialect
from domain_lsp.analysis.suggest import closest, did_you_mean
from domain_lsp.findings import Finding
from domain_lsp.text import LineIndex


@dataclass(slots=True)
class Statement:
    start: int
    """Offset of the statement's first token."""
    end: int
    """Offset just past its last token (the semicolon excluded)."""
    tokens: list[Token]
    expression: exp.Expr | None = None
    error: Finding | None = None

    def text(self, source: str) -> str:
        return source[self.start : self.end]


def tokenize(text: str, dialect: str) -> tuple[list[Token], Finding | None]:
    """All tokens; on an unterminated string or comment, the tokens before it and an error."""
    tokenizer = get_dialect(dialect).tokenizer()
    try:
        return tokenizer.tokenize(text), None
    except TokenError:
        tokens = list(tokenizer.tokens)
        resume = tokens[-1].end + 1 if tokens else 0
        match = re.compile(r"\S").search(text, resume)
        start = match.start() if match else len(text)
        line_end = text.find("\n", start)
        end = line_end if line_end != -1 else len(text)
        opener = text[start : start + 2]
        what = "comment" if opener == "/*" else "quoted string or identifier"
        return tokens, Finding("syntax-error", f"unterminated {what}", start, max(end, start + 1))


_token_type = operator.attrgetter("token_type")


def semicolons(tokens: list[Token]) -> list[int]:
    """The indexes of the semicolon tokens, found by list.index over the token types (a scan in
    C): a Python loop over the 60,000 tokens of a 2,000-statement file took 16 ms of every
    edit's analysis."""
    types = list(map(_token_type, tokens))
    found: list[int] = []
    try:
        while True:
            found.append(types.index(TokenType.SEMICOLON, found[-1] + 1 if found else 0))
    except ValueError:
        return found


def split_statements(tokens: list[Token]) -> list[list[Token]]:
    """The tokens between semicolons, empty statements left out."""
    chunks: list[list[Token]] = []
    start = 0
    for end in [*semicolons(tokens), len(tokens)]:
        if end > start:
            chunks.append(tokens[start:end])
        start = end + 1
    return chunks


MAX_NESTING = 500
"""Deepest nesting handed to sqlglot's parser, counted by `measure_tokens`. Its compiled build
recurses in C: 1,000 nested function calls crash a thread of 2 MB of stack (7,500 nested
subqueries crashed the 8 MB main thread), and expressions nested about 500 deep raise
RecursionError anyway. At 500, the deepest form measured (nested calls) takes about 1 MB."""

MAX_EXPRESSION_DEPTH = 2_000
"""Deepest expression tree the rest of the analysis is given (`expression_depth`). Parsing
chains such as `a::text::text...`, `a -> 'x' -> ...` or `a COLLATE "C" COLLATE ...` is a loop,
but naming the column they select (sqlglot's `output_name`) and generating SQL recurse once
per level: 50,000 casts overflowed the C stack of the main thread (8 MB) and killed the
process."""

MAX_STATEMENT_TOKENS = 250_000
"""Longest statement analysed, the memory bound: a tree and its scopes take about 600 bytes of
memory per byte of SQL (a UNION of 100,000 branches, 2 MB, peaked at 1.3 GB, and DuckDB's
parser added 800 MB more). 250,000 tokens is about 1 MB: 20,000 `AND` terms are 80,000."""

PARSE_WORK_PER_TOKEN = 8
PARSE_WORK_SLACK = 1_024
"""sqlglot reads a call named like a type (`date(`, `char(`, `ARRAY[`, `struct(`) first as a
type and then, when that fails, again as a call: each nested one doubles the reading of what
it holds (20 nested `ARRAY[` took minutes). `parse_work` counts each token 2**k times, k the
number of such calls around it; a statement is parsed only while that stays within
PARSE_WORK_PER_TOKEN times its tokens plus PARSE_WORK_SLACK, so three nested everywhere, or
ten nested once, still are."""

_OPENERS = {TokenType.L_PAREN: TokenType.R_PAREN, TokenType.L_BRACKET: TokenType.R_BRACKET}
_OPENERS[TokenType.L_BRACE] = TokenType.R_BRACE
_OPENERS[TokenType.CASE] = TokenType.END
_CLOSERS = frozenset({*_OPENERS.values(), TokenType.GT})
_PREFIX_OPERATORS = frozenset({TokenType.NOT, TokenType.DASH, TokenType.PLUS, TokenType.TILDE})
_COUNTED = (*_OPENERS, *_PREFIX_OPERATORS, TokenType.LT)
_NOT_IN_A_TYPE = frozenset(
    {TokenType.AND, TokenType.OR, TokenType.NUMBER, TokenType.STRING, TokenType.EQ, TokenType.NEQ}
    | {TokenType.LTE, TokenType.GTE}
)
"""Tokens never inside `ARRAY<...>`: a `<` open when one comes was a comparison, not a type's."""
_FROM = frozenset({TokenType.FROM, TokenType.JOIN})


@dataclass(frozen=True, slots=True)
class TokenMeasure:
    depth: int
    """How deep sqlglot's parser recurses, about: open parentheses, brackets, braces, CASEs and
    nested types' `<`, plus each run of prefix operators (`- - a`, `NOT NOT a`) and chained
    subscripts (`a[1][1]`), which it reads by recursion too."""
    work: int
    """Tokens read, each counted 2**k times for the k type-named calls around it, plus once per
    derived table around it where the parser copies each FROM item (BigQuery)."""
    tokens: int

    def problem(self) -> str | None:
        if self.tokens > MAX_STATEMENT_TOKENS:
            return f"{self.tokens:,} tokens in one statement (limit {MAX_STATEMENT_TOKENS:,})"
        if self.depth > MAX_NESTING:
            return f"nested {self.depth:,} deep (limit {MAX_NESTING:,})"
        if self.work > PARSE_WORK_PER_TOKEN * self.tokens + PARSE_WORK_SLACK:
            return (
                "calls named like types (`date(`, `ARRAY[`) or derived tables nested too deeply to parse in linear time"
            )
        return None


@dataclass(slots=True)
class _Open:
    closer: TokenType
    depth: int
    """The depth and chain to restore at its closer."""
    chain: int
    call: bool
    """A call named like a type: sqlglot reads what it holds twice."""
    derived: bool
    """A derived table (`FROM (`) of a parser that copies FROM items."""


def measure_tokens(tokens: list[Token], dialect: str) -> TokenMeasure:
    """One pass over the tokens, skipped when too few of them open or prefix anything to reach a
    limit: counting token types with list.count runs in C."""
    types = list(map(_token_type, tokens))
    counted = sum(map(types.count, _COUNTED))
    if counted <= 3:
        return TokenMeasure(counted, len(types), len(types))
    parser = get_dialect(dialect).parser_class
    type_tokens, nested_types = parser.TYPE_TOKENS, parser.NESTED_TYPE_TOKENS
    copies_from = bool(getattr(parser, "SUPPORTS_IMPLICIT_UNNEST", False))
    depth = deepest = run = chain = type_calls = derived = work = 0
    stack: list[_Open] = []
    previous: TokenType | None = None
    for kind in types:
        work += (1 << type_calls if type_calls < 62 else 1 << 62) + derived
        if kind in _PREFIX_OPERATORS:
            run += 1
            deepest = max(deepest, depth + run)
            previous = kind
            continue
        if chain and not (kind == TokenType.L_BRACKET and previous == TokenType.R_BRACKET):
            depth -= chain  # the chain of subscripts has ended
            chain = 0
        if kind in _NOT_IN_A_TYPE:
            while stack and stack[-1].closer == TokenType.GT:
                depth, chain = stack.pop().depth, 0
        closer = _OPENERS.get(kind)
        if closer is None and kind == TokenType.LT and previous in nested_types:
            closer = TokenType.GT  # ARRAY<...>: sqlglot reads a nested type by recursion
        if closer is not None:
            if kind == TokenType.L_BRACKET and previous == TokenType.R_BRACKET:
                chain += 1  # sqlglot reads each further subscript one call deeper
                depth += 1
            call = kind in (TokenType.L_PAREN, TokenType.L_BRACKET) and previous in type_tokens
            table = copies_from and kind == TokenType.L_PAREN and previous in _FROM
            stack.append(_Open(closer, depth, chain, call, table))
            depth += 1 + run  # prefix operators before an opening stay on the stack within it
            chain = 0
            type_calls += call
            derived += table
            deepest = max(deepest, depth)
        elif kind in _CLOSERS and stack and (kind != TokenType.GT or stack[-1].closer == TokenType.GT):
            if kind != TokenType.END or stack[-1].closer == TokenType.END:  # else the END of no CASE
                while stack:
                    opened = stack.pop()
                    depth, chain = opened.depth, opened.chain
                    type_calls -= opened.call
                    derived -= opened.derived
                    if opened.closer == kind:
                        break
        run = 0
        previous = kind
    return TokenMeasure(deepest, work, len(types))


def nesting(tokens: list[Token], text: str, dialect: str = "") -> int:
    """How deep these tokens make sqlglot's parser recurse (see TokenMeasure.depth)."""
    return measure_tokens(tokens, dialect).depth


_LINEAR_CHAINS = (exp.Binary, exp.SetOperation)
_QUERY_STRUCTURE = (
    exp.Query,
    exp.Subquery,
    exp.From,
    exp.Join,
    exp.Where,
    exp.Having,
    exp.Group,
    exp.Order,
    exp.With,
    exp.CTE,
    exp.Table,
    exp.TableAlias,
)


def expression_depth(tree: exp.Expr, tokens: int) -> int:
    """The depth of a tree, counting the nodes whose handling recurses: not the links of a
    chain of one operator (`a AND b AND ...`, `a + b + ...`, `... UNION ...`), which sqlglot
    and the resolver walk in loops, and not the clauses of queries (their nesting has its own
    limits). Iterative; 0 for a statement of too few tokens to reach MAX_EXPRESSION_DEPTH."""
    if tokens * 2 < MAX_EXPRESSION_DEPTH:
        return 0  # every counted level takes at least half a token
    deepest = 0
    steps = _STEPS
    stack: list[tuple[exp.Expr, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
        kind = type(node)
        chain = kind in _CHAIN_KINDS  # the root's class may not be known yet: it is no chain link anyway
        negate = node.args.get("negate") if chain else None
        for value in node.args.values():  # what iter_expressions yields, read directly: twice as fast
            for child in value if type(value) is list else (value,):
                if not isinstance(child, exp.Expr):
                    continue
                child_kind = type(child)
                step = steps.get(child_kind)
                if step is None:
                    step = _step(child_kind)
                if step and chain and child_kind is kind and child.args.get("negate") == negate:
                    step = 0
                stack.append((child, depth + step))
    return deepest


_STEPS: dict[type, int] = {}
"""Per node class: 0 for query structure, 1 for the rest (memoised issubclass)."""
_CHAIN_KINDS: set[type] = set()


def _step(kind: type) -> int:
    step = _STEPS.get(kind)
    if step is None:
        step = _STEPS[kind] = 0 if issubclass(kind, _QUERY_STRUCTURE) else 1
        if issubclass(kind, _LINEAR_CHAINS):
            _CHAIN_KINDS.add(kind)
    return step


def parser_for(dialect: str) -> Parser:
    """The dialect's parser, reading subscripts as written: sqlglot shifts the index of each
    `a[i]` by the dialect's INDEX_OFFSET, annotating the types of the whole `a` to decide
    whether to, which made each subscript of a chain cost the chain so far (9 KB of `a[1]`
    took 22 s). The index's value never matters to the analysis; the literal keeps its
    position."""
    return _unshifted(dialect).parser(error_level=ErrorLevel.IMMEDIATE)


@cache
def _unshifted(dialect: str) -> Dialect:
    engine = copy.copy(get_dialect(dialect))
    engine.INDEX_OFFSET = 0
    return engine


@dataclass(frozen=True, slots=True)
class Limit:
    """Why a statement is past the analysis's limits."""

    problem: str
    parsed: bool = False
    """Whether it parsed (its syntax was checked) before the limit was found."""

    def finding(self, tokens: list[Token]) -> Finding:
        """The analysis-limit finding, on the statement's first word."""
        what = "its tables and columns were" if self.parsed else "its syntax, tables and columns were"
        message = f"statement too complex to check: {self.problem}; {what} not checked"
        return Finding("analysis-limit", message, tokens[0].start, tokens[0].end + 1)


def parse_tokens(tokens: list[Token], text: str, dialect: str) -> tuple[exp.Expr | None, Limit | None]:
    """The tree of one statement, or None and why it is too complex to parse or to analyse.
    Raises what sqlglot's parser raises, RecursionError aside."""
    problem = measure_tokens(tokens, dialect).problem()
    if problem is not None:
        return None, Limit(problem)
    try:
        expressions = parser_for(dialect).parse(tokens, text)
    except RecursionError:
        return None, Limit("nested too deeply for the parser")
    tree = next((e for e in expressions if e is not None), None)
    if tree is not None:
        depth = expression_depth(tree, len(tokens))
        if depth > MAX_EXPRESSION_DEPTH:
            return None, Limit(f"expressions {depth:,} deep (limit {MAX_EXPRESSION_DEPTH:,})", parsed=True)
    return tree, None


def parse_statement(tokens: list[Token], text: str, dialect: str, lines: LineIndex) -> Statement:
    statement = Statement(tokens[0].start, tokens[-1].end + 1, tokens)
    try:
        tree, limit = parse_tokens(tokens, text, dialect)
    except ParseError as error:
        statement.error = _syntax_finding(error, statement, lines)
        return statement
    except Exception as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        statement.error = Finding(
            "syntax-error", f"cannot parse this statement: {detail}", statement.start, statement.end
        )
        return statement
    if limit is not None:
        statement.error = limit.finding(tokens)
        return statement
    statement.expression = tree
    return statement


def cut_short(chunks: list[list[Token]], i: int, token_error: Finding | None) -> Statement | None:
    """The last statement, when an unterminated literal cuts it short: it carries the error."""
    chunk = chunks[i]
    if token_error is None or i != len(chunks) - 1 or chunk[-1].end >= token_error.start:
        return None
    return Statement(chunk[0].start, token_error.end, chunk, error=token_error)


def parse_sql(text: str, dialect: str, lines: LineIndex | None = None) -> list[Statement]:
    lines = lines or LineIndex(text)
    tokens, token_error = tokenize(text, dialect)
    chunks = split_statements(tokens)
    statements: list[Statement] = []
    for i, chunk in enumerate(chunks):
        cut = cut_short(chunks, i, token_error)
        if cut is not None:
            statements.append(cut)
            return statements
        statements.append(parse_statement(chunk, text, dialect, lines))
    if token_error is not None:
        statements.append(Statement(token_error.start, token_error.end, [], error=token_error))
    return statements


def _syntax_finding(error: ParseError, statement: Statement, lines: LineIndex) -> Finding:
    details = error.errors[0] if error.errors else {}
    message = str(details.get("description") or error).splitlines()[0]
    line, col = details.get("line"), details.get("col")
    token = None
    if isinstance(line, int) and isinstance(col, int):
        last = lines.line_start(line - 1) + col - 1
        token = next((t for t in statement.tokens if t.start <= last <= t.end), None)
        if token is None:
            token = next((t for t in statement.tokens if t.start >= last), None)
    if token is None:
        token = statement.tokens[-1]
    highlight = details.get("highlight")
    first = statement.tokens[0]
    if message.startswith("Invalid expression / Unexpected token"):
        if first.token_type == TokenType.VAR and token is not first:
            # `SELEC 1`: the statement's first word is no keyword; the parser only notices later.
            hint = did_you_mean(closest(first.text.upper(), STATEMENT_KEYWORDS, 1))
            return Finding(
                "syntax-error", f"`{first.text}` does not start a statement{hint}", first.start, first.end + 1
            )
        message = f"unexpected `{highlight or token.text}`"
    return Finding("syntax-error", plain_message(message, token), token.start, token.end + 1)


STATEMENT_KEYWORDS = (
    "SELECT",
    "WITH",
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE",
    "CREATE",
    "ALTER",
    "DROP",
    "TRUNCATE",
    "GRANT",
    "REVOKE",
    "EXPLAIN",
    "VALUES",
    "COPY",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SET",
    "SHOW",
    "USE",
    "DESCRIBE",
    "CALL",
)

_REQUIRED = re.compile(r"Required keyword: '(\w+)' missing for <class '[\w.]*?(\w+)'>")
_EXPECTED_GOT = re.compile(r"Expected (.+?) but got <Token token_type: TokenType\.(\w+)")
_EXPECTING = re.compile(r"Expecting (\S+)\Z")
_WHAT_IS_MISSING = {"this": "an expression", "expression": "an expression", "expressions": "at least one item"}


def plain_message(message: str, token: Token) -> str:
    """sqlglot's message in the user's terms: `expected an expression after WHERE`, not the
    parser's class names and token types (its wording is kept where it is already plain)."""
    required = _REQUIRED.match(message)
    if required is not None:
        what = _WHAT_IS_MISSING.get(required.group(1), required.group(1))
        return f"expected {what} after `{token.text.upper()}`"
    got = _EXPECTED_GOT.match(message)
    if got is not None:
        return f"expected {got.group(1)} after `{token.text}`"
    expecting = _EXPECTING.match(message)
    if expecting is not None:
        return f"expected `{expecting.group(1)}` before `{token.text}`"
    return message
