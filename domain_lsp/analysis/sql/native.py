"""The databases' own parsers, used only to parse: PostgreSQL's (pglast, i.e. libpg_query),
DuckDB's and SQLite's. For one SQL text each answers: accepted (True), rejected (a Rejection
saying where and why), or None when it cannot tell (package missing, text this harness cannot
put to the parser, input known to make the parser pathologically slow). Nothing here runs the
text or touches a file.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class Rejection:
    message: str
    """The database's message, cleaned up: `syntax error at or near "FROM"`."""
    start: int | None
    """Character offset into the parsed text where the parser stopped; None when it did not say."""
    end: int | None
    """Just past the offending token, when known."""
    at_end: bool
    """The parser ran out of input: the statement may go on past a semicolon (a trigger body)."""


Outcome = Literal[True] | Rejection | None

# Errors of this harness rather than of the SQL (a pragma refused, a merged text with two
# statements, a NUL the C string ends at): the database's parser could not judge the text.
_UNJUDGED = re.compile(r"not authorized|one statement at a time|null character", re.IGNORECASE)
_NEAR = re.compile(r'at or near "(.*)"\Z|\Anear "(.*)": syntax error\Z', re.DOTALL)
_SHOWN_NEAR = 40


def native_dialects() -> frozenset[str]:
    return frozenset(_PARSERS)


_CACHED_LENGTH = 1 << 16


def native_parse(dialect: str, sql: str) -> Outcome:
    """The database's verdict on `sql`. Any failure of the parser itself is "cannot tell", never a crash."""
    if len(sql) > _CACHED_LENGTH:
        return _parse(dialect, sql)
    return _cached_parse(dialect, sql)


@lru_cache(maxsize=4096)
def _cached_parse(dialect: str, sql: str) -> Outcome:
    # Editors re-check every unchanged statement on each keystroke.
    return _parse(dialect, sql)


def clear_cache() -> None:
    _cached_parse.cache_clear()


def _parse(dialect: str, sql: str) -> Outcome:
    parse = _PARSERS.get(dialect)
    if parse is None or "\x00" in sql:
        return None  # C parsers would stop at a NUL and judge only the text before it
    try:
        return parse(sql)
    except ImportError:
        _say_missing(dialect)
        return None  # the optional package is not installed: sqlglot alone decides
    except Exception:
        return None


_INSTALL = {"postgres": ("pglast", "domain-lsp[postgres]"), "duckdb": ("duckdb", "domain-lsp[duckdb]")}
_said: set[str] = set()


def say_if_parser_missing(dialect: str) -> None:
    """What `check` and `catalog` call for the configured dialect: said once, before any SQL is
    parsed, when the database's own parser is not importable (a look, not an import)."""
    package = _INSTALL.get(dialect, ("", ""))[0]
    if package and importlib.util.find_spec(package) is None:
        _say_missing(dialect)


def _say_missing(dialect: str) -> None:
    """Once per process: the dialect's own parser is missing, so fewer syntax errors are found."""
    if dialect in _said or dialect not in _INSTALL:
        return
    _said.add(dialect)
    package, extra = _INSTALL[dialect]
    logging.getLogger("domain_lsp").warning(
        "%s syntax is judged by sqlglot alone: %s (the database's own parser) is not installed; "
        "pip install '%s' confirms it as the database does",
        dialect,
        package,
        extra,
    )


def _rejection(sql: str, message: str, start: int | None, end: int | None) -> Rejection | None:
    if _UNJUDGED.search(message):
        return None
    near = _near(message)
    if start is not None and not 0 <= start <= len(sql):
        start = end = None
    if start and near and not sql.startswith(near, start) and sql.startswith(near, start - 1):
        start -= 1  # a parser binding that passes the database's 1-based position through
    if start is not None and (end is None or end <= start) and near and sql.startswith(near, start):
        end = start + len(near)
    last = len(sql.rstrip())
    at_end = "end of input" in message or "incomplete input" in message or (start is not None and start >= last)
    at_end = at_end or (end is not None and end >= last)
    return Rejection(_clean(message, near), start, end, at_end)


def _near(message: str) -> str | None:
    match = _NEAR.search(message)
    if match is None:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


def _clean(message: str, near: str | None) -> str:
    """One line, the database's words; a long offending token (a whole unterminated string) shortened."""
    if message.startswith("incomplete input"):
        return "syntax error at end of input"
    match = _NEAR.search(message)
    if near is None or match is None:
        return " ".join(message.split())
    shown = near.splitlines()[0] if near.strip() else near
    if len(shown) > _SHOWN_NEAR or shown != near:
        shown = shown[:_SHOWN_NEAR] + "…"
    before = " ".join(message[: match.start()].split()) if match.group(1) is not None else "syntax error"
    return f'{before} at or near "{shown}"'.lstrip()


# PostgreSQL ------------------------------------------------------------------------------------


def _postgres(sql: str) -> Outcome:
    from pglast import parser

    try:
        parser.parse_sql_json(sql)  # the cheapest full parse: no Python tree is built
    except parser.ParseError as error:
        # pglast turns the server's 1-based cursor position (in characters, not bytes) into a
        # 0-based index, or None when the error is at the end of the input.
        location = error.args[1] if len(error.args) > 1 else None
        return _rejection(sql, str(error.args[0]), location if isinstance(location, int) else None, None)
    return True


# DuckDB ----------------------------------------------------------------------------------------

_local = threading.local()


def _duckdb_connection() -> Any:
    connection = getattr(_local, "duckdb", None)
    if connection is None:
        import duckdb

        from domain_lsp.catalog.sources.duckdb_db import NO_SIDE_EFFECTS

        # In memory and per thread: a connection is what owns DuckDB's parser settings. It only
        # parses, and may not load an extension or touch a file or URL even if asked to.
        connection = _local.duckdb = duckdb.connect(":memory:", config={**NO_SIDE_EFFECTS})
    return connection


# On some broken input DuckDB's parser takes time and memory that grow steeply: unclosed
# parentheses (0.3 s at 256, gigabytes at 5,000) and CTE bodies that open with WITH (each level
# of `WITH a AS (WITH ...` multiplies the cost by about five: gigabytes at 8). Such text is left
# to sqlglot.
_DUCKDB_MAX_NESTING = 100
_DUCKDB_MAX_INNER_WITH = 3
_INNER_WITH = re.compile(r"\(\s*with\b", re.IGNORECASE)


def _duckdb(sql: str) -> Outcome:
    import duckdb

    if _nesting(sql) > _DUCKDB_MAX_NESTING or len(_INNER_WITH.findall(sql)) > _DUCKDB_MAX_INNER_WITH:
        return None
    connection = _duckdb_connection()
    try:
        connection.extract_statements(sql)  # parses only; nothing is bound or run
    except duckdb.ParserException as error:
        message = str(error).split("\n", 1)[0]
        message = message.removeprefix("Parser Error: ")
        try:
            start, end = _duckdb_location(connection, sql)
        except (duckdb.Error, ValueError):  # an older DuckDB without it: the token's first occurrence
            near = _near(message)
            start, end = (sql.find(near), None) if near and near in sql else (None, None)
        return _rejection(sql, message, start, end)
    return True


def _duckdb_location(connection: Any, sql: str) -> tuple[int | None, int | None]:
    """The exact offending range. The exception only has a caret drawn in display columns, but
    json_serialize_sql reports the parser's (byte offset, byte length); the text is passed as a
    parameter and only parsed by it, never run."""
    row = connection.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    info = json.loads(row[0]) if row else {}
    match = re.fullmatch(r"\[(\d+),(\d+)\]", str(info.get("location", "")))
    if not info.get("error") or match is None:
        return None, None
    encoded = sql.encode("utf-8")
    first, length = int(match.group(1)), int(match.group(2))
    if first > len(encoded):
        return None, None
    start = len(encoded[:first].decode("utf-8", "ignore"))
    end = len(encoded[: first + length].decode("utf-8", "ignore")) if length else None
    return start, end


def _nesting(sql: str) -> int:
    """The deepest parenthesis nesting, at least; parentheses in strings count too (it only has to be cheap)."""
    if sql.count("(") <= _DUCKDB_MAX_NESTING:
        return sql.count("(")
    depth = deepest = 0
    for char in sql:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


# SQLite ----------------------------------------------------------------------------------------

# Errors SQLite's grammar raises; any other error comes later, from a name the empty database lacks.
_SQLITE_SYNTAX = re.compile(
    r"syntax error|\Aincomplete input|\Aunrecognized token|should come after|JOIN clause is required|join type|"
    r"stack overflow|too large"  # its parser's limits: the database refuses the statement too
)
_NO_SUCH_TABLE = re.compile(r"no such table: (?:(main|temp)\.)?([^.]+)\Z")
_STUB_TABLES = 8
_LOCATE_CANDIDATES = 64


def _sqlite(sql: str) -> Outcome:
    if re.match(r"\s*pragma\b", sql, re.IGNORECASE):
        return None  # some pragmas act while being prepared
    message = _sqlite_error(sql)
    if message is None or _UNJUDGED.search(message):
        return None if message else True
    if not _SQLITE_SYNTAX.search(message):
        return True
    near = _near(message) or _unrecognized(message)
    start = _sqlite_locate(sql, near, message) if near else None
    return _rejection(sql, message, start, None if start is None or near is None else start + len(near))


def _unrecognized(message: str) -> str | None:
    match = re.fullmatch(r'unrecognized token: "(.*)"', message, re.DOTALL)
    return match.group(1) if match else None


def _sqlite_error(sql: str) -> str | None:
    """SQLite's error preparing `sql`, or None. Preparing an EXPLAIN only compiles the statement.

    SQLite looks some names up while still parsing (a trigger's table, ALTER TABLE's), so a missing
    table would hide a later syntax error: for CREATE and ALTER, empty stand-ins are created in a
    throwaway in-memory database and the statement is compiled again."""
    import sqlite3

    explain = "" if re.match(r"\s*explain\b", sql, re.IGNORECASE) else "EXPLAIN "
    stubs = re.match(r"\s*(create|alter)\b", sql, re.IGNORECASE) is not None
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        connection.set_authorizer(_sqlite_authorizer)
        for _ in range(_STUB_TABLES):
            try:
                connection.execute(explain + sql).close()
            except (sqlite3.Error, sqlite3.Warning) as error:
                message = str(error)
            else:
                return None
            missing = _NO_SUCH_TABLE.fullmatch(message) if stubs else None
            if missing is None:
                return message
            temp = "TEMP " if missing.group(1) == "temp" else ""
            name = missing.group(2).replace('"', '""')
            connection.execute(f'CREATE {temp}TABLE "{name}" (_)')
        return message
    finally:
        connection.close()


def _sqlite_authorizer(action: int, *_: object) -> int:
    import sqlite3

    # Defence in depth: nothing compiled here may attach files or set pragmas.
    denied = (sqlite3.SQLITE_PRAGMA, sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH)
    return sqlite3.SQLITE_DENY if action in denied else sqlite3.SQLITE_OK


def _sqlite_locate(sql: str, near: str, message: str) -> int | None:
    """SQLite names the token but not its position: of the places the token text occurs, it is
    the first one where the text cut just after it already fails with the same message (earlier
    occurrences leave a prefix that is merely incomplete)."""
    word = near[:1].isalnum() or near[:1] == "_"
    candidates: list[int] = []
    start = sql.find(near)
    while start != -1 and len(candidates) < _LOCATE_CANDIDATES:
        before = sql[start - 1] if start else " "
        after = sql[start + len(near) : start + len(near) + 1] or " "
        if not word or not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
            candidates.append(start)
        start = sql.find(near, start + 1)
    for start in candidates:
        if _sqlite_error(sql[: start + len(near)]) == message:
            return start
    return candidates[0] if candidates else None


_PARSERS: dict[str, Callable[[str], Outcome]] = {"postgres": _postgres, "duckdb": _duckdb, "sqlite": _sqlite}
