"""SQL inside Python strings: found in the right calls, decoded, and mapped back exactly."""

from __future__ import annotations

import ast
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain_lsp.analysis.python.document import analyze_python
from domain_lsp.analysis.python.embedded_sql import PLACEHOLDER, decode_literals, find_embedded_sql
from domain_lsp.catalog.model import Catalog, Column, Table
from domain_lsp.config import SqlSettings


def catalog() -> Catalog:
    result = Catalog()
    orders = Table("orders", "sales")
    for name in ("order_id", "status", "ordered_at"):
        orders.add_column(Column(name))
    result.add_table(orders)
    return result


SETTINGS = SqlSettings(dialect="postgres")


def findings(source: str) -> list[tuple[str, str]]:
    """(code, the exact source text each finding covers)."""
    analysis = analyze_python(source, catalog(), SETTINGS)
    return [(f.code, source[f.start : f.end]) for f in analysis.findings]


@pytest.mark.parametrize(
    "source",
    [
        'cur.execute("SELECT statuz FROM orders")',
        "cur.execute('SELECT statuz FROM orders')",
        'cur.execute("""\n    SELECT statuz\n    FROM orders\n""")',
        "cur.execute('''SELECT statuz FROM orders''')",
        "cur.execute(r\"SELECT statuz FROM orders WHERE status ~ '\\d+'\")",
        "cur.execute(\"SELECT '\\u00e9', statuz FROM orders\")",
        "cur.execute(\"SELECT '\\t',\\n statuz FROM orders\")",
        'cur.execute("SELECT order_id, "\n            "statuz "  # a comment\n            "FROM orders")',
        'cur.execute(f"SELECT statuz FROM orders WHERE order_id = {order_id}")',
        'pd.read_sql("SELECT statuz FROM orders", conn)',
        'pd.read_sql_query("SELECT statuz FROM orders", conn)',
        'session.execute(text("SELECT statuz FROM orders"))',
        'con.sql("SELECT statuz FROM orders")',
        'cur.executemany("SELECT statuz FROM orders", rows)',
        'x = "é𝄞"; cur.execute("SELECT \'𝄞\', statuz FROM orders")',
    ],
)
def test_unknown_column_lands_on_the_source_token(source: str) -> None:
    assert findings(source) == [("unknown-column", "statuz")]


def test_escape_inside_the_token_is_covered_whole() -> None:
    # `stat\x75z` is `statuz` once decoded; the range covers the escape as written.
    assert findings('cur.execute("SELECT stat\\x75z FROM orders")') == [("unknown-column", "stat\\x75z")]


def test_other_calls_and_non_literals_are_not_sql() -> None:
    source = 'print("SELECT statuz FROM orders")\ncur.execute(query)\ncur.execute(b"SELECT statuz FROM orders")\n'
    assert find_embedded_sql(source) == []


def test_fstring_fields_are_opaque() -> None:
    source = 'cur.execute(f"SELECT {column} FROM {table} WHERE a = {{literal braces}}")'
    (embedded,) = find_embedded_sql(source)
    assert embedded.text == f"SELECT {PLACEHOLDER} FROM {PLACEHOLDER} WHERE a = {{literal braces}}"
    # Nothing about the fields is reported: they can be any name or expression.
    assert findings(source) == []


def test_unparseable_python_yields_nothing_and_does_not_raise() -> None:
    assert findings('cur.execute("SELECT statuz FROM orders"') == []


def test_quick_fix_maps_into_the_python_source() -> None:
    source = 'cur.execute("SELECT statuz FROM orders")'
    (finding,) = analyze_python(source, catalog(), SETTINGS).findings
    (fix,) = [f for f in finding.fixes if f.new_text == "status"]
    assert source[: fix.start] + fix.new_text + source[fix.end :] == 'cur.execute("SELECT status FROM orders")'


def test_suppression_comment_on_the_python_line() -> None:
    assert findings('cur.execute("SELECT statuz FROM orders")  # domain-lsp: ignore[unknown-column]') == []


def test_region_maps_cursor_offsets_both_ways() -> None:
    source = 'cur.execute("SELECT o. FROM orders o")'
    analysis = analyze_python(source, catalog(), SETTINGS)
    cursor = source.index("o. FROM") + 2
    region = analysis.region_at(cursor)
    assert region is not None and region.embedded is not None
    sql_offset = region.to_sql(cursor)
    assert sql_offset is not None
    assert region.analysis.text[:sql_offset] == "SELECT o."
    assert region.to_document(sql_offset - 2, sql_offset) == (cursor - 2, cursor)


@settings(max_examples=300, deadline=None)
@given(
    # no CR: Python reads source with universal newlines, a decoder of the text as written keeps it
    st.text(st.characters(codec="utf-8", exclude_characters="\r"), max_size=20),
    st.sampled_from(["", "r", "u", "R"]),
    st.sampled_from(["'", '"', "'''", '"""']),
)
def test_decoded_literals_map_each_character_to_where_it_is_written(body: str, prefix: str, quote: str) -> None:
    literal = prefix + quote + body + quote
    source = f"x = {literal}\n"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes are kept as written, with a warning
            value = ast.literal_eval(literal)
    except (SyntaxError, ValueError):
        return  # not a valid literal: nothing to decode
    decoded = decode_literals(source, 4, 4 + len(literal))
    assert decoded is not None
    assert decoded.text == value
    for i, ch in enumerate(decoded.text):
        written = source[decoded.starts[i] : decoded.ends[i]]
        # a character stands for itself, or for the escape that writes it
        assert written == ch or ast.literal_eval(f'"{written}"') == ch


# -- SQL passed through a name --------------------------------------------------------------------

THROUGH_A_NAME = [
    # a local bound once, then executed
    'def f(cur):\n    sql = "SELECT statuz FROM orders"\n    cur.execute(sql)\n',
    # a module constant, used in a function and at module level
    'QUERY = "SELECT statuz FROM orders"\n\ndef f(cur):\n    cur.execute(QUERY)\n',
    'QUERY = "SELECT statuz FROM orders"\ncur.execute(QUERY)\n',
    # an annotated local, an f-string, a closure's variable
    'def f(cur):\n    sql: str = "SELECT statuz FROM orders"\n    cur.execute(sql)\n',
    'def f(cur, n):\n    sql = f"SELECT statuz FROM orders LIMIT {n}"\n    cur.execute(sql)\n',
    'def f(cur):\n    sql = "SELECT statuz FROM orders"\n    def g():\n        cur.execute(sql)\n    g()\n',
    # used twice: one finding
    'SQL = "SELECT statuz FROM orders"\ncur.execute(SQL)\ncur.executemany(SQL, rows)\n',
]


@pytest.mark.parametrize("source", THROUGH_A_NAME)
def test_sql_bound_to_a_name_once_is_checked_at_its_literal(source: str) -> None:
    assert findings(source) == [("unknown-column", "statuz")]


NOT_CERTAIN = [
    # two assignments, a parameter (with a default), an augmented string, a loop
    'def f(cur, flag):\n    sql = "SELECT statuz FROM orders"\n    if flag:\n        sql = "SELECT 1"\n    cur.execute(sql)\n',
    'def f(cur, sql="SELECT statuz FROM orders"):\n    cur.execute(sql)\n',
    'def f(cur):\n    sql = "SELECT statuz FROM orders"\n    sql += " WHERE 1 = 1"\n    cur.execute(sql)\n',
    'def f(cur):\n    for sql in ["SELECT statuz FROM orders"]:\n        cur.execute(sql)\n',
    # a constant a function may rebind, one that is imported, a class attribute methods do not see
    'Q = "SELECT statuz FROM orders"\ndef reset():\n    global Q\n    Q = "SELECT 1"\ncur.execute(Q)\n',
    "from queries import Q\ncur.execute(Q)\n",
    'class R:\n    Q = "SELECT statuz FROM orders"\n    def run(self, cur):\n        cur.execute(Q)\n',
    # a local shadows the constant with something that is not a literal
    'Q = "SELECT statuz FROM orders"\ndef f(cur, q):\n    Q = q\n    cur.execute(Q)\n',
    # not a string
    "def f(cur):\n    sql = build()\n    cur.execute(sql)\n",
]


@pytest.mark.parametrize("source", NOT_CERTAIN)
def test_a_name_that_may_hold_another_text_is_not_checked(source: str) -> None:
    assert findings(source) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('p.text(",")\nprinter.text("Failing test case:")\n', []),  # a pretty-printer, not sqlalchemy
        ('con.sql("orders")\n', []),
        ('sqlalchemy.text("SELECT statuz FROM orders")\n', [("unknown-column", "statuz")]),
        ('text("-- the report\\n  select statuz from orders")\n', [("unknown-column", "statuz")]),
        ('duckdb.sql("WITH x AS (SELECT statuz FROM orders) SELECT * FROM x")\n', [("unknown-column", "statuz")]),
    ],
)
def test_text_and_sql_calls_count_only_when_their_argument_starts_as_sql(
    source: str, expected: list[tuple[str, str]]
) -> None:
    assert findings(source) == expected
