"""Keywords worth offering in each context; few and relevant rather than the whole grammar."""

from __future__ import annotations

from domain_lsp.analysis.sql.completion.context import Kind, Where

STATEMENT = (
    "SELECT",
    "WITH",
    "INSERT INTO",
    "UPDATE",
    "DELETE FROM",
    "CREATE TABLE",
    "CREATE VIEW",
    "CREATE TEMPORARY TABLE",
    "ALTER TABLE",
    "DROP TABLE",
    "TRUNCATE",
    "EXPLAIN",
    "VALUES",
    "COMMENT ON",
)
QUERY = ("SELECT", "WITH", "VALUES")
AFTER_TABLE = (
    "AS",
    "WHERE",
    "JOIN",
    "LEFT JOIN",
    "INNER JOIN",
    "RIGHT JOIN",
    "FULL JOIN",
    "CROSS JOIN",
    "ON",
    "USING",
    "GROUP BY",
    "ORDER BY",
    "HAVING",
    "LIMIT",
    "UNION",
    "UNION ALL",
)
JOIN_CONDITION = ("ON", "USING")
AFTER_INSERT_TARGET = ("VALUES", "SELECT", "DEFAULT VALUES", "ON CONFLICT")
AFTER_UPDATE_TARGET = ("SET", "AS")
OPERAND = ("CASE", "NOT", "EXISTS", "NULL", "TRUE", "FALSE", "CAST", "INTERVAL")
AFTER_OPERAND = {
    "SELECT": ("AS", "FROM", "CASE", "OVER", "FILTER"),
    "WHERE": (
        "AND",
        "OR",
        "NOT",
        "IN",
        "IS NULL",
        "IS NOT NULL",
        "LIKE",
        "ILIKE",
        "BETWEEN",
        "GROUP BY",
        "ORDER BY",
        "LIMIT",
    ),
    "ON": ("AND", "OR", "WHERE", "JOIN", "LEFT JOIN", "INNER JOIN", "GROUP BY", "ORDER BY", "LIMIT"),
    "BY": ("ASC", "DESC", "NULLS FIRST", "NULLS LAST", "HAVING", "ORDER BY", "LIMIT", "OFFSET"),
    "HAVING": ("AND", "OR", "ORDER BY", "LIMIT"),
    "SET": ("WHERE", "FROM", "RETURNING"),
}
_ANYWHERE_AFTER_OPERAND = ("AND", "OR", "AS", "FROM", "WHERE", "END", "THEN", "ELSE", "WHEN")
VERB_FOLLOWERS = {
    "INSERT": ("INTO",),
    "DELETE": ("FROM",),
    "CREATE": ("TABLE", "VIEW", "TEMPORARY TABLE", "SCHEMA", "INDEX", "OR REPLACE VIEW", "FUNCTION"),
    "DROP": ("TABLE", "VIEW", "SCHEMA", "INDEX", "IF EXISTS"),
    "ALTER": ("TABLE", "VIEW"),
    "EXPLAIN": ("SELECT", "ANALYZE"),
}


def keywords_for(where: Where) -> tuple[str, ...]:
    kind = where.kind
    if kind == Kind.START:
        return QUERY if where.clause in ("UNION", "INTERSECT", "EXCEPT") else STATEMENT
    if kind == Kind.QUERY:
        return QUERY
    if kind == Kind.AFTER_TABLE:
        if where.clause == "INTO":
            return AFTER_INSERT_TARGET
        if where.clause == "UPDATE":
            return AFTER_UPDATE_TARGET
        if where.clause in ("TABLE", "USING") and where.previous != ")":
            return ("WHERE", "RETURNING") if where.clause == "USING" else ()
        if where.clause == "JOIN":  # its condition comes next
            return ("ON", "USING", *(k for k in AFTER_TABLE if k not in JOIN_CONDITION))
        return tuple(k for k in AFTER_TABLE if k not in JOIN_CONDITION)  # ON/USING only after a JOIN
    if kind == Kind.EXPRESSION:
        extra = ("DISTINCT",) if where.previous == "SELECT" else ("SELECT",) if where.previous == "(" else ()
        return extra + OPERAND
    if kind == Kind.AFTER_OPERAND:
        own = AFTER_OPERAND.get(where.clause, ())
        return own + tuple(k for k in _ANYWHERE_AFTER_OPERAND if k not in own)
    if kind == Kind.KEYWORD:
        return VERB_FOLLOWERS.get(where.clause or where.previous, ())
    return ()
