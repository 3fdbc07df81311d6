"""Hover, go-to-definition and quick fixes through a real LSP client."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.conftest import Session

QUERY = "SELECT o.ordered_at, c.full_name\nFROM orders o JOIN customer c ON c.customer_id = o.customer_id;\n"


def at(uri: str, line: int, character: int) -> dict[str, object]:
    return {
        "text_document": types.TextDocumentIdentifier(uri=uri),
        "position": types.Position(line=line, character=character),
    }


async def test_hover_on_column_shows_type_description_and_origin(session: Session) -> None:
    uri = session.open("queries/hover.sql", QUERY)
    hover = await session.client.text_document_hover_async(types.HoverParams(**at(uri, 0, 12)))  # type: ignore[arg-type]
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "`sales.orders.ordered_at`" in text
    assert "TIMESTAMPTZ" in text.upper()
    assert "When the customer placed the order (UTC)" in text
    assert "*defined in schema/02_sales.sql:7*" in text
    assert hover.range == types.Range(
        start=types.Position(line=0, character=9), end=types.Position(line=0, character=19)
    )


async def test_hover_on_table_lists_columns(session: Session) -> None:
    uri = session.open("queries/hover.sql", QUERY)
    hover = await session.client.text_document_hover_async(types.HoverParams(**at(uri, 1, 27)))  # type: ignore[arg-type]
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "**table** `core.customer`" in hover.contents.value
    assert "One row per customer account" in hover.contents.value
    assert "- `full_name`" in hover.contents.value


async def test_definition_of_column_opens_the_ddl_line(session: Session) -> None:
    uri = session.open("queries/hover.sql", QUERY)
    result = await session.client.text_document_definition_async(types.DefinitionParams(**at(uri, 0, 25)))  # type: ignore[arg-type]
    assert isinstance(result, list) and len(result) == 1
    location = result[0]
    assert isinstance(location, types.Location)
    assert location.uri == (session.root / "schema/01_core.sql").as_uri()
    assert location.range.start == types.Position(line=5, character=4)
    assert location.range.end == types.Position(line=5, character=13)


async def test_definition_of_table_and_cte(session: Session) -> None:
    text = "WITH recent AS (SELECT order_id FROM orders)\nSELECT r.order_id FROM recent r;\n"
    uri = session.open("queries/cte.sql", text)
    table = await session.client.text_document_definition_async(types.DefinitionParams(**at(uri, 0, 40)))  # type: ignore[arg-type]
    assert isinstance(table, list) and table[0].uri.endswith("schema/02_sales.sql")
    assert table[0].range.start == types.Position(line=3, character=19)
    cte = await session.client.text_document_definition_async(types.DefinitionParams(**at(uri, 1, 25)))  # type: ignore[arg-type]
    assert isinstance(cte, list) and cte[0].uri == uri
    assert cte[0].range.start == types.Position(line=0, character=5)


async def test_quick_fix_replaces_with_the_real_name(session: Session) -> None:
    uri = session.open("queries/fix.sql", "SELECT o.order_date FROM orders o;\n")
    (diagnostic,) = await session.diagnostics(uri)
    actions = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert actions
    first = actions[0]
    assert isinstance(first, types.CodeAction)
    assert first.title == "Replace with `ordered_at`"
    assert first.kind == types.CodeActionKind.QuickFix and first.is_preferred
    assert first.edit is not None and first.edit.document_changes
    change = first.edit.document_changes[0]
    assert isinstance(change, types.TextDocumentEdit)
    (edit,) = change.edits
    assert isinstance(edit, types.TextEdit)
    assert edit.new_text == "ordered_at"
    assert edit.range == diagnostic.range


async def test_quick_fix_for_foreign_function(session: Session) -> None:
    uri = session.open("queries/fix.sql", "SELECT NVL(status, 'none') FROM orders;\n")
    (diagnostic,) = await session.diagnostics(uri)
    assert diagnostic.code == "unknown-function"
    actions = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert [a.title for a in actions if isinstance(a, types.CodeAction)] == ["Replace with `coalesce`"]
