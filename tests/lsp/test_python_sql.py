"""SQL inside Python strings through the real server: diagnostics at the exact token in the
.py file, completion and hover inside the string."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.conftest import Session

PIPELINE = "pipelines/churn_export.py"


async def test_embedded_sql_diagnostic_lands_in_the_python_file(session: Session) -> None:
    uri = session.open(PIPELINE, language="python")
    (diagnostic,) = await session.diagnostics(uri)
    assert diagnostic.code == "unknown-column"
    assert "did you mean `email`" in diagnostic.message
    assert diagnostic.range == types.Range(
        start=types.Position(line=24, character=30), end=types.Position(line=24, character=43)
    )


async def test_completion_and_hover_inside_a_python_string(session: Session) -> None:
    text = 'cur.execute("SELECT o. FROM orders o")\ncur.execute("SELECT status FROM orders")\n'
    uri = session.open("pipelines/typing.py", text, language="python")
    result = await session.client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=22)
        )
    )
    assert isinstance(result, types.CompletionList)
    labels = {item.label for item in result.items}
    assert {"order_id", "ordered_at", "status"} <= labels
    item = next(i for i in result.items if i.label == "status")
    assert isinstance(item.text_edit, types.TextEdit)
    assert item.text_edit.range.start == types.Position(line=0, character=22)
    hover = await session.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=22)
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "`sales.orders.status`" in hover.contents.value
    assert hover.range == types.Range(
        start=types.Position(line=1, character=20), end=types.Position(line=1, character=26)
    )


async def test_module_names_complete_after_import(session: Session) -> None:
    uri = session.open("pipelines/imports.py", "import js\nfrom coll\n", language="python")
    result = await session.client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=9)
        )
    )
    assert isinstance(result, types.CompletionList)
    assert "json" in {item.label for item in result.items}  # the stdlib
    item = next(i for i in result.items if i.label == "json")
    assert item.kind == types.CompletionItemKind.Module
    assert isinstance(item.text_edit, types.TextEdit)
    assert item.text_edit.range.start == types.Position(line=0, character=7)


async def test_attributes_complete_through_jedi(session: Session) -> None:
    uri = session.open("pipelines/attrs.py", "import json\n\njson.du\n", language="python")
    result = await session.client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=2, character=7)
        )
    )
    assert isinstance(result, types.CompletionList)
    dumps = next(i for i in result.items if i.label == "dumps")
    assert dumps.kind == types.CompletionItemKind.Function
    assert isinstance(dumps.text_edit, types.TextEdit)
    assert dumps.text_edit.range == types.Range(
        start=types.Position(line=2, character=5), end=types.Position(line=2, character=7)
    )
    assert all(not i.label.startswith("_") for i in result.items)
