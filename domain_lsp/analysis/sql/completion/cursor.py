"""Where the cursor is: the statement around it, the word being typed and the qualifier
before it (`sales.ord|`), read from tokens so that strings and comments are never mistaken
for code. Works on unfinished text, including an unterminated quoted identifier.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from sqlglot.tokens import Token, TokenType

from domain_lsp.analysis.sql.cache import tokenize_cached
from domain_lsp.analysis.sql.dialects import get_dialect
from domain_lsp.analysis.sql.parse import semicolons

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
    """Token lists of the DDL statements (DDL_VERBS) before this one."""


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


DDL_VERBS = frozenset({"CREATE", "ALTER", "DROP", "COMMENT"})
"""First words of the statements that change the catalog a later statement sees."""

# The statements of the last token list read: the index of each semicolon, and the (start,
# end) token indexes of each DDL statement. Kept while the tokens are the same list, which
# tokenize_cached returns for an unchanged text: a request then costs a binary search, not a
# pass over every token before the cursor.
_statements: list[tuple[list[Token], list[int], list[tuple[int, int]]]] = []


def _split(tokens: list[Token]) -> tuple[list[int], list[tuple[int, int]]]:
    if _statements and _statements[0][0] is tokens:
        return _statements[0][1], _statements[0][2]
    found = semicolons(tokens)
    ddl = []
    start = 0
    for end in [*found, len(tokens)]:
        if start < end and keyword(tokens[start]) in DDL_VERBS:
            ddl.append((start, end))
        start = end + 1
    _statements[:] = [(tokens, found, ddl)]
    return found, ddl


def find_cursor(text: str, offset: int, dialect: str, path: str = "") -> Cursor | None:
    """The cursor's surroundings, or None inside a string literal or a comment. `path` names
    the document, whose tokens the analysis keeps (tokenize_cached): an unchanged text is not
    lexed again, an edited one only around the edit."""
    offset = max(0, min(offset, len(text)))
    tokens, error = tokenize_cached(text, dialect, path)
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
        tokens, _ = tokenize_cached(blanked, dialect, path)

    # The statement around the cursor: between the semicolons on either side.
    ends, ddl = _split(tokens)
    at = bisect.bisect_left(tokens, offset, key=_start)  # tokens[:at] start before the cursor
    n = bisect.bisect_left(ends, at)  # the semicolons ends[:n] are before the cursor
    first = ends[n - 1] + 1 if n else 0
    last = ends[n] if n < len(ends) else len(tokens)
    current = tokens[first:last]
    statement_start = tokens[first - 1].end + 1 if first else 0
    earlier = [tokens[start:end] for start, end in ddl if end < first]

    head = current[0] if current else None
    if head is not None and head.token_type == TokenType.COMMAND and head.text.upper() == "EXPLAIN":
        # sqlglot reads what follows a command as one string: read the statement without it.
        blanked = text[: head.start] + " " * (head.end + 1 - head.start) + text[head.end + 1 :]
        return find_cursor(blanked, offset, dialect, path)

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


def _start(token: Token) -> int:
    return token.start


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
