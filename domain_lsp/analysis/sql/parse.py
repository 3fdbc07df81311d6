"""Split a SQL text into statements and parse each on its own, so one broken statement
never hides the others. Offsets in the trees (Identifier/Func `meta`) are into the whole text.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from domain_lsp.analysis.sql.dialects import get_dialect
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


MAX_NESTING = 1_000
"""Deepest parenthesis nesting handed to sqlglot's parser: its compiled build crashes the whole
process (a C stack overflow) at about 7,500 nested subqueries, and gives up on expressions
nested about 500 deep with a RecursionError anyway."""


def nesting(tokens: list[Token], text: str) -> int:
    """How deep the parentheses of these tokens nest (0 when fewer than MAX_NESTING open)."""
    if not tokens or text.count("(", tokens[0].start, tokens[-1].end + 1) <= MAX_NESTING:
        return 0  # counting characters (in C) rules out nearly every statement
    depth = deepest = 0
    for token in tokens:
        if token.token_type == TokenType.L_PAREN:
            depth += 1
            deepest = max(deepest, depth)
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
    return deepest


def parse_statement(tokens: list[Token], text: str, dialect: str, lines: LineIndex) -> Statement:
    statement = Statement(tokens[0].start, tokens[-1].end + 1, tokens)
    depth = nesting(tokens, text)
    if depth > MAX_NESTING:
        statement.error = Finding(
            "file-error",
            f"statement nested too deeply to check: parentheses {depth:,} deep (limit {MAX_NESTING:,}); "
            "its syntax, tables and columns were not checked",
            tokens[0].start,
            tokens[0].end + 1,
        )
        return statement
    parser = get_dialect(dialect).parser(error_level=ErrorLevel.IMMEDIATE)
    try:
        expressions = parser.parse(tokens, text)
    except ParseError as error:
        statement.error = _syntax_finding(error, statement, lines)
        return statement
    except RecursionError:  # nested deeper than sqlglot's parser recurses (about 500 levels)
        statement.error = Finding(
            "file-error",
            "statement nested too deeply for the parser; its syntax, tables and columns were not checked",
            tokens[0].start,
            tokens[0].end + 1,
        )
        return statement
    except Exception as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        statement.error = Finding(
            "syntax-error", f"cannot parse this statement: {detail}", statement.start, statement.end
        )
        return statement
    statement.expression = next((e for e in expressions if e is not None), None)
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
    if message.startswith("Invalid expression / Unexpected token"):
        message = f"unexpected `{highlight or token.text}`"
    return Finding("syntax-error", message, token.start, token.end + 1)
