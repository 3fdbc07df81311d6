"""Hover and go-to-definition resolve a column in its own query level (issue 13): inside a CTE,
an alias or a name means what that CTE's FROM says, not what a same-named alias or table of
another level says. Through a real LSP client, over the example warehouse."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.conftest import Session

# `c` is core.customer inside the CTE and sales.orders outside; both tables have customer_id.
SHADOWED_ALIAS = (
    "WITH recent AS (SELECT c.customer_id FROM customer c)\n"
    "SELECT c.order_id FROM orders c JOIN recent r ON r.customer_id = c.customer_id;\n"
)
# Unqualified: inside the CTE only sales.orders is read, outside only core.customer.
SAME_NAME_ELSEWHERE = "WITH o AS (SELECT customer_id FROM orders)\nSELECT customer_id, full_name FROM customer;\n"


def at(uri: str, line: int, character: int) -> dict[str, object]:
    return {
        "text_document": types.TextDocumentIdentifier(uri=uri),
        "position": types.Position(line=line, character=character),
    }


async def hover_text(session: Session, uri: str, line: int, character: int) -> str:
    hover = await session.client.text_document_hover_async(types.HoverParams(**at(uri, line, character)))  # type: ignore[arg-type]
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


async def test_hover_on_a_qualified_column_inside_a_cte_uses_the_ctes_alias(session: Session) -> None:
    uri = session.open("queries/shadowed.sql", SHADOWED_ALIAS)
    inside = await hover_text(session, uri, 0, 26)  # c.customer_id in the CTE
    assert "`core.customer.customer_id`" in inside
    assert "sales.orders" not in inside
    outside = await hover_text(session, uri, 1, 69)  # c.customer_id in the outer ON
    assert "`sales.orders.customer_id`" in outside


async def test_hover_on_an_unqualified_column_inside_a_cte_reads_only_its_from(session: Session) -> None:
    uri = session.open("queries/elsewhere.sql", SAME_NAME_ELSEWHERE)
    inside = await hover_text(session, uri, 0, 20)  # customer_id in the CTE
    assert "`sales.orders.customer_id`" in inside
    outside = await hover_text(session, uri, 1, 10)  # customer_id in the outer SELECT
    assert "`core.customer.customer_id`" in outside


async def test_definition_of_a_column_inside_a_cte_opens_its_own_tables_ddl(session: Session) -> None:
    uri = session.open("queries/shadowed.sql", SHADOWED_ALIAS)
    result = await session.client.text_document_definition_async(types.DefinitionParams(**at(uri, 0, 26)))  # type: ignore[arg-type]
    assert isinstance(result, list) and len(result) == 1
    assert result[0].uri == (session.root / "schema/01_core.sql").as_uri()
    assert result[0].range.start.line == 4  # `customer_id bigint PRIMARY KEY` of core.customer
