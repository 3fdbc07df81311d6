"""textDocument/documentSymbol through the real client: statements with their CTEs, in a SQL
file and in the SQL strings of a Python file, at exact ranges."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.conftest import Session

SQL = """CREATE TABLE sales.audit (id int);
WITH recent AS (SELECT * FROM sales.orders), big AS (SELECT * FROM recent)
SELECT * FROM big;
INSERT INTO sales.audit VALUES (1);
SELEC broken;
"""


def at(text: str, line: int, start: int, end: int) -> str:
    return text.splitlines()[line][start:end]


async def symbols(session: Session, uri: str) -> list[types.DocumentSymbol]:
    result = await session.client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert result is not None
    return [s for s in result if isinstance(s, types.DocumentSymbol)]


async def test_a_sql_files_outline(session: Session) -> None:
    uri = session.open("queries/outline.sql", SQL)
    found = await symbols(session, uri)
    assert [(s.name, s.kind, s.detail) for s in found] == [
        ("sales.audit", types.SymbolKind.Struct, "CREATE TABLE"),
        ("WITH recent", types.SymbolKind.Object, "sales.orders"),
        ("sales.audit", types.SymbolKind.Method, "INSERT"),
        ("SELEC broken", types.SymbolKind.Module, None),  # not parsed, still listed
    ]
    table = found[0].selection_range
    assert at(SQL, table.start.line, table.start.character, table.end.character) == "audit"
    ctes = found[1].children or []
    assert [c.name for c in ctes] == ["recent", "big"]
    big = ctes[1].selection_range
    assert (big.start.line, at(SQL, big.start.line, big.start.character, big.end.character)) == (1, "big")


async def test_the_sql_strings_of_a_python_file(session: Session) -> None:
    source = 'import psycopg\n\n\ndef run(cur):\n    cur.execute("WITH x AS (SELECT 1 AS one) SELECT one FROM x")\n'
    uri = session.open("pipelines/outline.py", source, language="python")
    (query,) = await symbols(session, uri)
    assert query.name == "WITH x"
    (cte,) = query.children or []
    selected = cte.selection_range
    assert (selected.start.line, at(source, 4, selected.start.character, selected.end.character)) == (4, "x")
