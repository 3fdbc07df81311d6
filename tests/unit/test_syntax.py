"""Syntax confirmed by the database's own parser (pglast, duckdb, sqlite3).

Cases mark the token the database stops at with «»; a case without marks is SQL the database
accepts, so it must get no syntax error whatever sqlglot thinks of it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain_lsp.analysis.sql.document import SqlAnalysis, analyze_sql
from domain_lsp.analysis.sql.native import clear_cache
from domain_lsp.catalog.model import Catalog
from domain_lsp.config import SqlSettings

PACKAGES = {"postgres": "pglast", "duckdb": "duckdb", "sqlite": "sqlite3"}


@pytest.fixture(autouse=True)
def _fresh_cache(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.ERROR, logger="sqlglot")  # its "falling back to Command" warnings
    clear_cache()
    yield
    clear_cache()


def require(dialect: str) -> None:
    pytest.importorskip(PACKAGES[dialect])


def marked(source: str) -> tuple[str, tuple[int, int] | None]:
    """The SQL without its «» marks, and the marked range."""
    if "«" not in source:
        return source, None
    start = source.index("«")
    end = source.index("»") - 1
    return source.replace("«", "").replace("»", ""), (start, end)


def analyze(dialect: str, text: str) -> SqlAnalysis:
    return analyze_sql(text, Catalog(), SqlSettings(dialect=dialect))


def syntax_errors(dialect: str, text: str) -> list[tuple[int, int, str]]:
    return [(f.start, f.end, f.message) for f in analyze(dialect, text).findings if f.code == "syntax-error"]


def assert_error_at(dialect: str, source: str) -> None:
    text, expected = marked(source)
    errors = syntax_errors(dialect, text)
    if expected is None:
        assert errors == [], f"{dialect} accepts {text!r}"
    else:
        assert [(start, end) for start, end, _ in errors] == [expected], errors


# sqlglot accepts these (rewriting them), the database does not.
LENIENT = [
    ("postgres", "SELECT a, «FROM» t"),
    ("postgres", "SELECT a FROM t GROUP BY a «WHERE» b > 1"),
    ("postgres", "SELECT * FROM a JOIN «b»"),
    ("postgres", "SELECT * FROM a CROSS «APPLY» b"),
    ("postgres", "SELECT now() - INTERVAL «30» DAY"),
    ("postgres", "SELECT a FROM t ORDER BY a «LIMIT» 1, 2"),
    ("duckdb", "SELECT a FROM t GROUP BY a «WHERE» b > 1"),
    ("duckdb", "SELECT * FROM a JOIN «b»"),
    ("duckdb", "SELECT * FROM a CROSS «APPLY» b"),
    ("duckdb", "SELECT a,«,» b FROM t"),
    ("sqlite", "SELECT a, «FROM» t"),
    ("sqlite", "SELECT a FROM t GROUP BY a «WHERE» b > 1"),
    ("sqlite", "SELECT * FROM a CROSS APPLY «b»"),
    ("sqlite", "SELECT a FROM t «WHERE»"),
    ("sqlite", "SELECT ',', a, b,«,» FROM t"),  # the comma in the string is not the one
]

# Valid for the database; sqlglot rejects some of them or reads them differently.
ACCEPTED = [
    ("postgres", "SELECT * FROM t FOR UPDATE SKIP LOCKED"),
    ("postgres", "SELECT x FROM t TABLESAMPLE SYSTEM (10) REPEATABLE (1)"),
    ("postgres", "SELECT 1 OPERATOR(pg_catalog.+) 2"),
    ("postgres", "SELECT * FROM ROWS FROM (generate_series(1, 2), generate_series(1, 3)) AS g(a, b)"),
    ("postgres", "SELECT a FROM t GROUP BY GROUPING SETS ((a), ())"),
    ("postgres", "SELECT xmlelement(name foo, 'bar')"),
    ("postgres", "SELECT overlay('abc' placing 'x' from 2 for 1)"),
    ("postgres", "CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING"),
    ("postgres", "SELECT (ARRAY[1, 2])[1:1], data ? 'k', arr[1:n] FROM t"),
    ("postgres", "DO $$ BEGIN RAISE NOTICE 'x'; PERFORM 1; END $$"),
    ("postgres", "CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; SELECT 2; $fn$ LANGUAGE sql"),
    ("postgres", "SELECT a FROM t ORDER BY a USING >"),  # sqlglot rejects these three
    ("postgres", "SELECT SUBSTRING('abc' SIMILAR 'b' ESCAPE '#')"),
    ("postgres", "SELECT COLLATION FOR ('x')"),
    ("duckdb", "CREATE SECRET (TYPE s3)"),  # sqlglot rejects it
    ("duckdb", "SELECT a, FROM t"),
    ("duckdb", "SELECT now() - INTERVAL 30 DAY"),
    ("duckdb", "FROM t SELECT a"),
    ("duckdb", "SELECT * EXCLUDE (a) FROM t QUALIFY row_number() OVER () = 1"),
    ("duckdb", "PIVOT t ON a USING sum(b)"),
    ("duckdb", "SELECT x: 42, {'a': 1}, [1, 2, 3][1:2], list_transform([1], x -> x + 1)"),
    ("duckdb", "CREATE MACRO m(a) AS a + 1"),
    ("duckdb", "SELECT * FROM t ASOF JOIN u USING (ts)"),
    ("duckdb", "SELECT 1 UNION BY NAME SELECT 2"),
    ("sqlite", "CREATE TABLE t (a INTEGER PRIMARY KEY AUTOINCREMENT, b ANY) STRICT"),
    ("sqlite", "SELECT a FROM t WHERE a = :id AND b = @b AND c = $c AND d = ?1"),
    ("sqlite", "SELECT * FROM a JOIN b"),
    ("sqlite", "SELECT [col], `col` FROM t INDEXED BY i LIMIT 1, 2"),
    ("sqlite", "INSERT INTO t VALUES (1) ON CONFLICT (a) DO NOTHING"),
    ("sqlite", "ALTER TABLE t ADD COLUMN c int DEFAULT 0"),
]

# Client-side placeholders are the driver's business: judged with bind parameters in their place.
PLACEHOLDERS = [
    ("postgres", "SELECT * FROM t WHERE id = :id AND x = %s AND y = %(name)s AND z = ? AND w = $w"),
    ("postgres", "SELECT * FROM t WHERE z = ? AND x = %(name)s GROUP BY a «WHERE» b"),
    ("duckdb", "SELECT * FROM t WHERE id = :id AND x = %s"),
    ("duckdb", "SELECT * FROM t WHERE id = :id GROUP BY a «WHERE» b"),
    ("sqlite", "SELECT * FROM t WHERE x = %s AND y = %(name)s"),
]

# Positions stay right across lines, non-ASCII text (PostgreSQL counts characters, DuckDB bytes)
# and statements before the broken one.
POSITIONS = [
    ("postgres", "SELECT 'é😀漢', b, «FROM» t"),
    ("duckdb", "SELECT 'é😀漢', b,«,» c FROM t"),
    ("sqlite", "SELECT 'é😀漢', b, «FROM» t"),
    ("postgres", "SELECT a\n  FROM t\n  GROUP BY a\n  «WHERE» b"),
    ("duckdb", "SELECT 'ü'\n  FROM t\n  GROUP BY a\n  «WHERE» b"),
    ("sqlite", "SELECT 'ü'\n  FROM t\n  GROUP BY a\n  «WHERE» b"),
    ("postgres", "SELECT 1;\nSELECT 'ü', a, «FROM» t;\nSELECT 2;"),
    ("duckdb", "SELECT 1;\nSELECT 'ü' a «b» c FROM t;\nSELECT 2;"),
    ("sqlite", "SELECT 1;\nSELECT 'ü', a, «FROM» t;\nSELECT 2;"),
]


@pytest.mark.parametrize(("dialect", "source"), LENIENT + ACCEPTED + PLACEHOLDERS + POSITIONS)
def test_the_database_parser_decides(dialect: str, source: str) -> None:
    require(dialect)
    assert_error_at(dialect, source)


@pytest.mark.parametrize("dialect", ["postgres", "duckdb", "sqlite"])
def test_message_is_the_databases(dialect: str) -> None:
    require(dialect)
    [(_, _, message)] = syntax_errors(dialect, "SELECT a FROM t GROUP BY a WHERE b")
    assert message == 'syntax error at or near "WHERE"'


@pytest.mark.parametrize("dialect", ["postgres", "duckdb", "sqlite"])
def test_one_syntax_error_when_both_parsers_reject(dialect: str) -> None:
    require(dialect)
    assert len(syntax_errors(dialect, "SELECT (1 +")) == 1


def test_accepted_but_unparsed_statement_is_not_resolved() -> None:
    require("sqlite")
    # sqlglot cannot parse STRICT: no syntax error, and no guess at names either.
    assert analyze("sqlite", "CREATE TABLE t (a INTEGER PRIMARY KEY, b ANY) STRICT").findings == []


@pytest.mark.parametrize("dialect", ["postgres", "duckdb", "sqlite"])
def test_rejected_statement_sqlglot_parsed_is_still_resolved(dialect: str) -> None:
    require(dialect)
    text = "CREATE TABLE t (a int);\nSELECT nope FROM t GROUP BY a WHERE a > 1;"
    codes = sorted(f.code for f in analyze(dialect, text).findings)
    assert codes == ["syntax-error", "unknown-column"]


@pytest.mark.parametrize(
    ("dialect", "source"),
    [
        ("sqlite", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE x SET a = new.a;\n  DELETE FROM y;\nEND;"),
        ("postgres", "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;"),
        ("postgres", "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); DELETE FROM b);"),
    ],
)
def test_statement_split_at_inner_semicolons_is_judged_whole(dialect: str, source: str) -> None:
    require(dialect)
    text, _ = marked(source)
    # Neither a syntax error nor the body's names resolved out of context (`new.a`).
    assert analyze(dialect, text).findings == []
    assert_error_at(dialect, source + "\nSELECT a, «FROM» t;")


def test_incomplete_statement_is_not_merged_with_the_next() -> None:
    require("postgres")
    assert_error_at("postgres", "SELECT a FROM t «WHERE»;\nSELECT 1;\nSELECT 2;")


@pytest.mark.parametrize(("dialect", "module"), [("postgres", "pglast"), ("duckdb", "duckdb"), ("sqlite", "sqlite3")])
def test_without_the_package_sqlglot_alone_decides(dialect: str, module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    assert syntax_errors(dialect, "SELECT a FROM t GROUP BY a WHERE b") == []  # sqlglot's leniency
    assert len(syntax_errors(dialect, "SELECT (1 +")) == 1  # sqlglot's own error


def test_other_dialects_are_unaffected() -> None:
    assert syntax_errors("bigquery", "SELECT a FROM t GROUP BY a WHERE b") == []
    assert syntax_errors("", "SELECT a, FROM t") == []


GARBAGE = [
    "SELECT " + "(" * 5000 + "1" + ")" * 5000,
    "SELECT " + "(" * 100_000,
    "SELECT 1 \x00 FROM t",
    "'" * 3 + '"' * 3 + "`" * 3,
    ";;;;",
    "\u202e\ufeff😀 漢字 SELECT é FROM",
    "SELECT " + ", ".join(f"c{i}" for i in range(20_000)) + ",, FROM t",
    "/* unterminated",
    "SELECT $$ unterminated",
    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN " + "SELECT 1; " * 200,
    # Broken input DuckDB's parser needs gigabytes for: left to sqlglot.
    "WITH a AS (" * 12 + "SELECT 1 1",
    "SELECT " + "(" * 5000 + "1",
]


@pytest.mark.parametrize("dialect", ["postgres", "duckdb", "sqlite"])
@pytest.mark.parametrize("text", GARBAGE, ids=range(len(GARBAGE)))
def test_any_input_survives(dialect: str, text: str) -> None:
    analysis = analyze(dialect, text)
    for statement in analysis.statements:
        inside = [
            f for f in analysis.findings if f.code == "syntax-error" and statement.start <= f.start <= statement.end
        ]
        assert len(inside) <= 1
    assert all(0 <= f.start < f.end <= len(text) for f in analysis.findings)


@pytest.mark.parametrize(
    ("dialect", "text"),
    [
        ("sqlite", "ATTACH DATABASE 'x.db' AS x; VACUUM INTO 'y.db'; PRAGMA temp_store_directory = 'z';"),
        ("duckdb", "ATTACH 'x.duckdb'; COPY (SELECT 1) TO 'y.csv'; EXPORT DATABASE 'z';"),
        ("postgres", "COPY (SELECT 1) TO 'y.csv'; CREATE TABLE created (a int);"),
    ],
)
def test_nothing_is_executed_or_written(
    dialect: str, text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    analyze(dialect, text)
    analyze(dialect, text.replace(";", " garbage;"))
    assert list(tmp_path.iterdir()) == []
