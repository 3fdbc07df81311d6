"""Completion through a real LSP client, in each context and in unfinished SQL."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.conftest import Session


async def complete(session: Session, text: str, marker: str = "|") -> list[types.CompletionItem]:
    """Open `text` with the cursor at `marker` and ask for completions there."""
    offset = text.index(marker)
    text = text.replace(marker, "", 1)
    before = text[:offset]
    line = before.count("\n")
    character = len(before) - (before.rfind("\n") + 1)  # ASCII only: the same in every encoding
    uri = session.open("queries/typing.sql", text)
    result = await session.client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )
    assert isinstance(result, types.CompletionList)
    return list(result.items)


def labels(items: list[types.CompletionItem], kind: types.CompletionItemKind | None = None) -> list[str]:
    return [i.label for i in items if kind is None or i.kind == kind]


async def test_tables_after_from(session: Session) -> None:
    items = await complete(session, "SELECT * FROM ord|")
    assert "orders" in labels(items, types.CompletionItemKind.Class)
    assert "order_line" in labels(items)
    orders = next(i for i in items if i.label == "orders")
    assert isinstance(orders.text_edit, types.TextEdit)
    assert orders.text_edit.range.start == types.Position(line=0, character=14)  # replaces `ord`


async def test_columns_after_alias_dot_in_unfinished_sql(session: Session) -> None:
    items = await complete(session, "SELECT o.| FROM orders o")
    columns = labels(items, types.CompletionItemKind.Field)
    assert {"order_id", "customer_id", "ordered_at", "status", "channel"} <= set(columns)
    assert "full_name" not in columns


async def test_columns_in_select_list_of_tables_named_later(session: Session) -> None:
    items = await complete(session, "SELECT full| FROM customer c JOIN orders o ON o.customer_id = c.customer_id")
    assert "full_name" in labels(items, types.CompletionItemKind.Field)


async def test_columns_in_where_and_cte_names(session: Session) -> None:
    text = "WITH recent AS (SELECT order_id, ordered_at FROM orders)\nSELECT * FROM recent r WHERE r.|"
    items = await complete(session, text)
    assert set(labels(items, types.CompletionItemKind.Field)) == {"order_id", "ordered_at"}
    items = await complete(session, "WITH recent AS (SELECT order_id FROM orders)\nSELECT * FROM rec|")
    assert "recent" in labels(items)


async def test_tables_of_a_schema_after_schema_dot(session: Session) -> None:
    items = await complete(session, "SELECT * FROM marketing.|")
    assert set(labels(items)) >= {"campaign", "touch"}
    assert "orders" not in labels(items)
