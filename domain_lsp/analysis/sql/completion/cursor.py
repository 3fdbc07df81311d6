"""Where the cursor is: the statement around it, the word being typed and the qualifier
before it (`sales.ord|`), read from tokens so that strings and comments are never mistaken
for code. Works on unfinished text, including an unterminated quoted identifier.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace

from sqlglot.tokens import Token, TokenType

from domain_lsp.analysis.sql.dialects import get_dialect
from domain_lsp.analysis.sql.parse import tokenize
from domain_lsp.findings import Finding

_WORD = re.compile(r"[^\W\d][\w$]*\Z")


@dataclass(frozen=True, slots=True)
class Cursor:
    text: str
    """The text read: the file's, with a leading EXPLAIN blanked out."""
    offset: int
    prefix: str
    """What is typed of the current word, without an opening quote."""
    quoted: bool
    """The word is typed inside double quotes (or the dialect's identifier quotes)."""
    word_start: int
    """Start of the text a completion replaces (the opening quote included)."""
    word_end: int
    """End of the word under the cursor, past the cursor when editing inside a word."""
    qualifier: tuple[str, ...]
    """Names before the word: `sales.or|` gives ("sales",)."""
    before: list[Token]
    """The statement's tokens before the qualifier (or the word)."""
    after: list[Token]
    """The statement's tokens after the word."""
    statement_start: int
    """Offset where the statement starts (just after the previous semicolon)."""
    earlier: list[list[Token]]
    """Token lists of the statements before this one."""


# Tokens whose text is a literal's content (quotes stripped): never a name or keyword.
LITERALS = frozenset(
    {
        TokenType.STRING,
        TokenType.NUMBER,
        TokenType.BIT_STRING,
        TokenType.HEX_STRING,
        TokenType.BYTE_STRING,
        TokenType.NATIONAL_STRING,
        TokenType.NATIONAL_RAW_STRING,
        TokenType.RAW_STRING,
        TokenType.HEREDOC_STRING,
        TokenType.UNICODE_STRING,
    }
)


def is_word(token: Token) -> bool:
    """A name or keyword written as a bare word, or a quoted identifier."""
    if token.token_type == TokenType.IDENTIFIER:
        return True
    return token.token_type not in LITERALS and _WORD.match(token.text) is not None


def keyword(token: Token) -> str:
    """The upper-cased text of a bare word or symbol; "" for quoted names and literals."""
    if token.token_type == TokenType.IDENTIFIER or token.token_type in LITERALS:
        return ""
    return token.text.upper()


def name_of(token: Token) -> str:
    return token.text


@dataclass(slots=True)
class _Tokenized:
    text: str
    dialect: str
    tokens: list[Token]
    """Tokens of a prefix of `text`: up to the end of the cursor's statement."""
    starts: list[int]


# The last tokenization. A request re-tokenizes only from the last semicolon before both the
# cursor and the first changed character, up to the semicolon that ends the cursor's
# statement: tokens never span a semicolon outside a string or comment, so the ones before
# it are unchanged, and the ones after the cursor's statement are not needed.
_last: list[_Tokenized] = []


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    low, high = 0, n
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def tokens_of(text: str, dialect: str, offset: int | None = None) -> tuple[list[Token], Finding | None]:
    """parse.tokenize, from the previous call's tokens on; with an `offset`, only up to the
    end of the statement around it (the error then concerns that part only)."""
    kept: list[Token] = []
    last = _last[0] if _last else None
    if last is not None and last.dialect == dialect:
        limit = min(_common_prefix(last.text, text), len(text) if offset is None else offset)
        i = bisect.bisect_left(last.starts, limit) - 1
        while i >= 0 and not (last.tokens[i].token_type == TokenType.SEMICOLON and last.tokens[i].end < limit):
            i -= 1
        kept = last.tokens[: i + 1]
    restart = kept[-1].end + 1 if kept else 0
    end = len(text)
    if offset is not None and text.find(";", offset) != -1:
        end = text.find(";", offset) + 1
    rest, error = tokenize(text[restart:end], dialect)
    if end < len(text) and (error is not None or not rest or rest[-1].end != end - restart - 1):
        rest, error = tokenize(text[restart:], dialect)  # that `;` was in a string or comment
    for token in rest:
        token.start += restart
        token.end += restart
    if error is not None:
        error = replace(error, start=error.start + restart, end=error.end + restart)
    tokens = kept + rest
    _last[:] = [_Tokenized(text, dialect, tokens, [t.start for t in tokens])]
    return tokens, error


def find_cursor(text: str, offset: int, dialect: str) -> Cursor | None:
    """The cursor's surroundings, or None inside a string literal or a comment."""
    offset = max(0, min(offset, len(text)))
    tokens, error = tokens_of(text, dialect, offset)
    open_quote: int | None = None
    quote_end = offset
    if error is not None and offset > error.start:
        quotes = get_dialect(dialect).tokenizer_class.IDENTIFIERS
        opener = text[error.start]
        typed = text[error.start + 1 : offset]
        if opener not in quotes or "\n" in typed or opener in typed:
            return None  # inside an unterminated string or comment
        open_quote = error.start
        # The quote swallowed the rest of the file: blank out the word being typed (up to the
        # next space) and read the tokens after it, keeping every offset.
        space = re.compile(r"\s").search(text, offset)
        quote_end = space.start() if space else len(text)
        blanked = text[:open_quote] + " " * (quote_end - open_quote) + text[quote_end:]
        tokens, _ = tokens_of(blanked, dialect, offset)

    # The statement around the cursor: between the semicolons on either side.
    earlier: list[list[Token]] = []
    current: list[Token] = []
    statement_start = 0
    rest: list[Token] = []
    for i, token in enumerate(tokens):
        if token.start >= offset:
            rest = tokens[i:]
            break
        if token.token_type == TokenType.SEMICOLON:
            if token.end < offset:
                if current:
                    earlier.append(current)
                current = []
                statement_start = token.end + 1
                continue
        current.append(token)
    for token in rest:
        if token.token_type == TokenType.SEMICOLON:
            break
        current.append(token)

    first = current[0] if current else None
    if first is not None and first.token_type == TokenType.COMMAND and first.text.upper() == "EXPLAIN":
        # sqlglot reads what follows a command as one string: read the statement without it.
        blanked = text[: first.start] + " " * (first.end + 1 - first.start) + text[first.end + 1 :]
        return find_cursor(blanked, offset, dialect)

    # The word under the cursor, if any.
    word: Token | None = None
    for token in current:
        if token.start < offset <= token.end + 1:
            if token.token_type == TokenType.IDENTIFIER or is_word(token):
                word = token
            elif token.end >= offset or token.token_type in LITERALS:
                return None  # inside a string literal, number or operator
            break
    if open_quote is not None:
        word_start, word_end, prefix, quoted = open_quote, quote_end, text[open_quote + 1 : offset], True
    elif word is not None:
        word_start, word_end = word.start, word.end + 1
        quoted = word.token_type == TokenType.IDENTIFIER and not _WORD.match(text[word.start : word.end + 1])
        prefix = text[word.start + 1 if quoted else word.start : offset]
        if quoted and offset == word.end + 1:
            prefix = prefix[:-1]  # just after the closing quote
    else:
        word_start = word_end = offset
        prefix, quoted = "", False
        if _in_comment(text, _last_end(current, offset, statement_start), offset):
            return None

    before = [t for t in current if t.end < word_start]
    after = [t for t in current if t.start >= word_end]
    qualifier: list[str] = []
    while len(before) >= 2 and before[-1].token_type == TokenType.DOT and is_word(before[-2]):
        qualifier.insert(0, name_of(before[-2]))
        before = before[:-2]
    return Cursor(
        text, offset, prefix, quoted, word_start, word_end, tuple(qualifier), before, after, statement_start, earlier
    )


def _last_end(tokens: list[Token], offset: int, default: int) -> int:
    end = default
    for token in tokens:
        if token.end < offset:
            end = token.end + 1
    return end


def _in_comment(text: str, start: int, offset: int) -> bool:
    """Whether a comment is open at `offset`; text[start:offset] holds no tokens."""
    i = start
    while i < offset:
        if text.startswith("--", i):
            newline = text.find("\n", i)
            if newline == -1 or newline >= offset:
                return True
            i = newline + 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            if close == -1 or close + 2 > offset:
                return True
            i = close + 2
        else:
            i += 1
    return False
