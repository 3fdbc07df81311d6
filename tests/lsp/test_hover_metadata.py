"""Hover shows what the catalog declares of a name beyond its type (issue 13, step 5): keys,
NOT NULL, the column a foreign key references, deprecation notes and tags. Through a real LSP
client over the example warehouse (whose DDL declares the keys)."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.conftest import Session

QUERY = "SELECT o.customer_id, c.customer_id\nFROM orders o JOIN customer c ON c.customer_id = o.customer_id;\n"
# The file's own DDL: a deprecated table with a PII column (the comment conventions).
LEGACY = (
    "CREATE TABLE core.legacy_contact (id bigint PRIMARY KEY, email text);\n"
    "COMMENT ON TABLE core.legacy_contact IS 'DEPRECATED: use core.customer';\n"
    "COMMENT ON COLUMN core.legacy_contact.email IS 'contact address #pii';\n"
    "SELECT l.email FROM core.legacy_contact l;\n"
)


async def hover_text(session: Session, uri: str, line: int, character: int) -> str:
    params = types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character)
    )
    hover = await session.client.text_document_hover_async(params)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


async def test_hover_on_a_foreign_key_column_names_the_referenced_column(session: Session) -> None:
    uri = session.open("queries/keys.sql", QUERY)
    text = await hover_text(session, uri, 0, 12)  # o.customer_id
    assert "`sales.orders.customer_id`" in text
    assert "NOT NULL" in text
    assert "→ `core.customer.customer_id`" in text


async def test_hover_on_a_primary_key_column_says_so(session: Session) -> None:
    uri = session.open("queries/keys.sql", QUERY)
    text = await hover_text(session, uri, 0, 27)  # c.customer_id
    assert "`core.customer.customer_id`" in text
    assert "primary key" in text
    assert "→" not in text
    table = await hover_text(session, uri, 1, 22)  # customer
    assert "primary key (customer_id)" in table


async def test_hover_shows_deprecation_and_tags(session: Session) -> None:
    uri = session.open("queries/legacy.sql", LEGACY)
    column = await hover_text(session, uri, 3, 10)  # l.email
    assert "`core.legacy_contact.email`" in column
    assert "tags: `pii`" in column
    table = await hover_text(session, uri, 3, 30)  # legacy_contact in FROM
    assert "**deprecated**: use core.customer" in table
