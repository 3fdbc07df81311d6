"""What may be typed at the cursor, decided from the tokens before it: a table name, a
column expression, a keyword, or a new name (nothing to offer). Only tokens are read, so
this works on any unfinished text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from sqlglot.tokens import Token, TokenType

from domain_lsp.analysis.sql.completion.cursor import is_word, keyword, name_of


class Kind(Enum):
    START = "start"
    """A statement begins: statement keywords."""
    QUERY = "query"
    """A query begins inside parentheses: SELECT, WITH, VALUES."""
    TABLE = "table"
    """A table name: after FROM, JOIN, INTO, UPDATE, ..."""
    AFTER_TABLE = "after_table"
    """After a FROM item: an alias or a keyword (WHERE, JOIN, ...)."""
    EXPRESSION = "expression"
    """An operand: columns, aliases, functions."""
    AFTER_OPERAND = "after_operand"
    """After a complete operand: an operator or keyword (AND, FROM, AS, ...)."""
    INSERT_COLUMNS = "insert_columns"
    """The column list of INSERT INTO t (...)."""
    KEYWORD = "keyword"
    """Only keywords fit (e.g. after INSERT, DELETE, CREATE)."""
    NONE = "none"
    """A new name, a type, a number: nothing to suggest."""


@dataclass(frozen=True, slots=True)
class Where:
    kind: Kind
    clause: str = ""
    """The clause keyword that governs the cursor (SELECT, WHERE, BY, ...)."""
    table: tuple[str, ...] = ()
    """For INSERT_COLUMNS: the target table's name parts."""
    previous: str = ""
    """The word just before the cursor, upper-cased."""


EXPRESSION_CLAUSES = frozenset({"SELECT", "WHERE", "ON", "BY", "HAVING", "QUALIFY", "SET", "RETURNING", "VALUES"})
TABLE_CLAUSES = frozenset({"FROM", "JOIN", "INTO", "UPDATE", "TABLE", "USING"})
QUERY_OPENERS = frozenset({"FROM", "JOIN", "AS", "IN", "EXISTS", "LATERAL", "UNION", "ALL", "ANY", "SOME", "EXCEPT"})
# Words after which an operand is expected rather than complete.
EXPECTS_OPERAND = frozenset(
    "SELECT DISTINCT WHERE AND OR NOT ON BY HAVING QUALIFY SET RETURNING WHEN THEN ELSE CASE IN LIKE ILIKE "
    "BETWEEN IS ALL ANY SOME EXISTS USING VALUES INTERVAL TO".split()
)
_OTHER_CLAUSES = frozenset(
    {"LIMIT", "OFFSET", "FETCH", "WITH", "UNION", "INTERSECT", "EXCEPT", "CREATE", "DROP", "ALTER", "TRUNCATE"}
)
_STATEMENT_VERBS = frozenset({"INSERT", "DELETE", "MERGE", "EXPLAIN", "COMMENT", "GRANT", "REVOKE"})


def _upper(token: Token) -> str:
    """The keyword a token ends with (`ORDER BY` is one token: BY), "" for a quoted name."""
    words = keyword(token).split()
    return words[-1] if words else ""


def classify(before: list[Token], qualified: bool) -> Where:
    """The kind of thing the cursor's word is, from the statement's tokens before it."""
    if not before:
        return Where(Kind.START)
    prev = before[-1]
    previous = _upper(prev)
    if prev.token_type == TokenType.DCOLON:
        return Where(Kind.NONE, previous=previous)  # a type name
    if previous == "AS":
        return Where(Kind.QUERY if _create_as(before) else Kind.NONE, previous=previous)
    depth = 0
    for j in range(len(before) - 1, -1, -1):
        token = before[j]
        kind = token.token_type
        if kind == TokenType.R_PAREN:
            depth += 1
            continue
        if kind == TokenType.L_PAREN:
            if depth:
                depth -= 1
                continue
            found = _open_paren(before, j, qualified)
            if found is not None:
                return found
            continue  # a function call or a parenthesised expression: the clause is further out
        if depth:
            continue
        word = _upper(token)
        if word == "BY" or word in EXPRESSION_CLAUSES:
            return _expression(before, word, qualified)
        if word in TABLE_CLAUSES:
            return _table(before, j, word, qualified)
        if word in _OTHER_CLAUSES:
            return _other(before, j, word)
        if word in _STATEMENT_VERBS:
            return Where(Kind.KEYWORD, word, previous=previous)
    return Where(Kind.START if previous in ("UNION", "ALL", "INTERSECT", "EXCEPT") else Kind.KEYWORD, previous=previous)


def _create_as(before: list[Token]) -> bool:
    """`CREATE VIEW v AS |`: a query follows, not an alias."""
    return _upper(before[0]) == "CREATE" and not any(_upper(t) == "SELECT" for t in before)


def _expression(before: list[Token], clause: str, qualified: bool) -> Where:
    prev = before[-1]
    if qualified or _expects_operand(before):
        previous = _upper(prev)
        if prev.token_type == TokenType.L_PAREN and len(before) > 1 and is_word(before[-2]):
            if _upper(before[-2]) not in EXPECTS_OPERAND:
                previous = "CALL"  # sum(|: an argument, not a subquery
        return Where(Kind.EXPRESSION, clause, previous=previous)
    return Where(Kind.AFTER_OPERAND, clause, previous=_upper(prev))


def _expects_operand(before: list[Token]) -> bool:
    prev = before[-1]
    kind = prev.token_type
    if kind == TokenType.STAR:
        # `SELECT *` is complete; `a *` is a multiplication waiting for its operand.
        return len(before) > 1 and not (
            before[-2].token_type in (TokenType.COMMA, TokenType.DOT, TokenType.L_PAREN)
            or _upper(before[-2]) in ("SELECT", "DISTINCT")
        )
    if kind in (TokenType.R_PAREN, TokenType.NUMBER, TokenType.STRING, TokenType.IDENTIFIER):
        return False
    if is_word(prev):
        return _upper(prev) in EXPECTS_OPERAND
    return True  # a comma, an opening parenthesis or an operator


def _table(before: list[Token], j: int, clause: str, qualified: bool) -> Where:
    prev = before[-1]
    previous = _upper(prev)
    if clause == "TABLE" and _upper(before[0]) == "CREATE":
        return Where(Kind.NONE, clause, previous=previous)
    if clause == "INTO" and _upper(before[0]) != "INSERT" and _upper(before[0]) != "MERGE":
        return Where(Kind.NONE, clause, previous=previous)  # SELECT ... INTO new_table
    if qualified or j == len(before) - 1 or prev.token_type == TokenType.COMMA or previous in ("ONLY", "LATERAL"):
        return Where(Kind.TABLE, clause, previous=previous)
    if clause == "TABLE" and previous in ("EXISTS",):  # DROP TABLE IF EXISTS |
        return Where(Kind.TABLE, clause, previous=previous)
    return Where(Kind.AFTER_TABLE, clause, previous=previous)


def _other(before: list[Token], j: int, word: str) -> Where:
    previous = _upper(before[-1])
    if word in ("UNION", "INTERSECT", "EXCEPT"):
        return Where(Kind.START, word, previous=previous)
    if word == "WITH":
        if before[-1].token_type == TokenType.R_PAREN:
            return Where(Kind.START, word, previous=previous)  # WITH x AS (...) |
        return Where(Kind.NONE, word, previous=previous)  # naming a CTE
    if word in ("DROP", "ALTER", "TRUNCATE") and j == len(before) - 1:
        return Where(Kind.TABLE if word == "TRUNCATE" else Kind.KEYWORD, word, previous=previous)
    if word == "CREATE" and j == len(before) - 1:
        return Where(Kind.KEYWORD, word, previous=previous)
    return Where(Kind.NONE, word, previous=previous)


def _open_paren(before: list[Token], j: int, qualified: bool) -> Where | None:
    """The meaning of an unclosed `(` before the cursor, or None for an expression paren."""
    opener = before[j - 1] if j else None
    word = _upper(opener) if opener is not None else ""
    directly = j == len(before) - 1
    if opener is None or word in QUERY_OPENERS or (opener.token_type == TokenType.COMMA and _in_from(before, j)):
        if word in ("IN", "ANY", "ALL", "SOME"):
            return None  # IN (|: a list of expressions or a subquery; the outer clause decides
        return Where(Kind.QUERY, word, previous="(") if directly and not qualified else None
    if word == "USING":
        return Where(Kind.EXPRESSION, "USING", previous="(")
    # INSERT INTO name [. name] ( columns
    parts: list[str] = []
    k = j - 1
    while k >= 0 and is_word(before[k]):
        parts.insert(0, name_of(before[k]))
        if k >= 1 and before[k - 1].token_type == TokenType.DOT:
            k -= 2
            continue
        k -= 1
        break
    if parts and k >= 0 and _upper(before[k]) == "INTO":
        return Where(Kind.INSERT_COLUMNS, "INTO", tuple(parts), previous="(")
    if parts and k >= 0 and (_upper(before[k]) in ("TABLE", "VIEW", "WITH") or before[k].token_type == TokenType.COMMA):
        # CREATE TABLE t (...), WITH cte (a, b): defining names
        if _upper(before[k]) != "," or _cte_list(before, k):
            return Where(Kind.NONE, _upper(before[k]))
    if word in ("OVER", "VALUES"):
        return Where(Kind.EXPRESSION, word, previous="(") if word == "VALUES" else None
    return None


def _same_level_words(before: list[Token], k: int) -> Iterator[str]:
    """Upper-cased words before index `k` at `k`'s own nesting level, nearest first; stops at
    the parenthesis that opens that level."""
    depth = 0
    for i in range(k - 1, -1, -1):
        kind = before[i].token_type
        if kind == TokenType.R_PAREN:
            depth += 1
        elif kind == TokenType.L_PAREN:
            if depth == 0:
                return
            depth -= 1
        elif depth == 0:
            yield _upper(before[i])


def _cte_list(before: list[Token], k: int) -> bool:
    """Whether the comma at `k` separates CTE definitions (`WITH a AS (...), b (x, y)`)."""
    for word in _same_level_words(before, k):
        if word == "WITH":
            return True
        if word in ("SELECT", "FROM"):
            return False
    return False


def _in_from(before: list[Token], j: int) -> bool:
    """Whether the token at `j` sits in a FROM list at its own nesting level."""
    for word in _same_level_words(before, j):
        if word in ("FROM", "JOIN"):
            return True
        if word in EXPRESSION_CLAUSES or word == "BY":
            return False
    return False
