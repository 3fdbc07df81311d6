"""Names as they must be written: quoted when mixed case would fold, when they hold other
characters, or when they are reserved words."""

from __future__ import annotations

import re
from functools import cache

from sqlglot import exp

from domain_lsp.analysis.sql.dialects import get_dialect

_PLAIN = re.compile(r"[^\W\d][\w$]*\Z")

# Words PostgreSQL and the SQL standard reserve: a column named `order` must be written
# "order". sqlglot's parser accepts many of them as names, so its tables alone are not enough.
RESERVED = frozenset(
    "ALL ANALYSE ANALYZE AND ANY ARRAY AS ASC ASYMMETRIC AUTHORIZATION BINARY BOTH CASE CAST CHECK COLLATE "
    "COLLATION COLUMN CONCURRENTLY CONSTRAINT CREATE CROSS CURRENT_CATALOG CURRENT_DATE CURRENT_ROLE "
    "CURRENT_SCHEMA CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DEFAULT DEFERRABLE DESC DISTINCT DO ELSE END "
    "EXCEPT FALSE FETCH FOR FOREIGN FREEZE FROM FULL GRANT GROUP HAVING ILIKE IN INITIALLY INNER INTERSECT INTO "
    "IS ISNULL JOIN LATERAL LEADING LEFT LIKE LIMIT LOCALTIME LOCALTIMESTAMP NATURAL NOT NOTNULL NULL OFFSET ON "
    "ONLY OR ORDER OUTER OVERLAPS PLACING PRIMARY REFERENCES RETURNING RIGHT SELECT SESSION_USER SIMILAR SOME "
    "SYMMETRIC SYSTEM_USER TABLE TABLESAMPLE THEN TO TRAILING TRUE UNION UNIQUE USER USING VARIADIC VERBOSE "
    "WHEN WHERE WINDOW WITH".split()
)


@cache
def _reserved(dialect: str) -> frozenset[str]:
    """Words that cannot stand as a bare identifier in this dialect."""
    engine = get_dialect(dialect)
    usable = engine.parser_class.ID_VAR_TOKENS
    keywords = engine.tokenizer_class.KEYWORDS.items()
    return RESERVED | frozenset(word for word, kind in keywords if kind not in usable and " " not in word)


def quote(name: str, dialect: str, always: bool = False) -> str:
    """`name` as written in SQL of this dialect; `always` quotes it (typing inside quotes)."""
    engine = get_dialect(dialect)
    needed = always or not _PLAIN.match(name) or engine.case_sensitive(name) or name.upper() in _reserved(dialect)
    return exp.to_identifier(name, quoted=True).sql(dialect=engine) if needed else name
