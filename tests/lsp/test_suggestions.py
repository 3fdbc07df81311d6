"""Suggestion tracking through the real server: a multi-line didChange becomes a suggested
block, its diagnostics are marked, a code lens summarises it, and review clears it; and
domainLsp/checkSnippet vets text before it is inserted."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from tests.lsp.conftest import Session

SUGGESTION = "SELECT o.order_date, c.customer_name\nFROM orders o JOIN customer c ON c.customer_id = o.customer_id;\n"


def at(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


async def test_suggested_block_is_marked_summarised_and_reviewed(session: Session) -> None:
    uri = session.open("queries/suggested.sql", "-- churn\n")
    assert await session.diagnostics(uri) == []
    session.change(uri, types.Range(start=at(1, 0), end=at(1, 0)), SUGGESTION)
    diagnostics = await session.diagnostics(uri)
    assert sorted(d.range.start.character for d in diagnostics) == [9, 23]
    for diagnostic in diagnostics:
        assert diagnostic.message.endswith("(in an unreviewed suggestion)")
        (related,) = diagnostic.related_information or []
        assert related.location.uri == uri
        assert related.location.range == types.Range(start=at(1, 0), end=at(3, 0))

    lenses = await session.client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    (lens,) = lenses or []
    assert lens.range.start == at(1, 0)
    assert lens.command is not None
    assert lens.command.title == "Suggestion: 2 unknown columns · mark reviewed"

    # Running the lens's command marks the block reviewed.
    assert await session.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=lens.command.command, arguments=lens.command.arguments)
    )
    assert not await session.client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    # Findings stay, without the note (a new version is needed to see them pushed again).
    session.change(uri, types.Range(start=at(0, 0), end=at(0, 0)), " ")
    assert all(not d.message.endswith("suggestion)") for d in await session.diagnostics(uri))


async def test_editing_inside_the_block_reviews_it(session: Session) -> None:
    uri = session.open("queries/suggested.sql", "-- churn\n")
    await session.diagnostics(uri)
    session.change(uri, types.Range(start=at(1, 0), end=at(1, 0)), SUGGESTION)
    await session.diagnostics(uri)
    session.change(uri, types.Range(start=at(1, 9), end=at(1, 19)), "ordered_at")
    (remaining,) = await session.diagnostics(uri)
    assert "customer_name" in remaining.message
    assert not remaining.message.endswith("(in an unreviewed suggestion)")


async def test_check_snippet_returns_what_the_text_would_get(session: Session) -> None:
    uri = session.open("queries/snippet.sql", "-- top\nSELECT 1;\n")
    await session.diagnostics(uri)
    result: Any = await session.client.protocol.send_request_async(
        "domainLsp/checkSnippet",
        {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 0}, "text": "SELECT statuz FROM orders;\n"},
    )
    diagnostics = result.diagnostics
    assert [d.code for d in diagnostics] == ["unknown-column"]
    assert (diagnostics[0].range.start.line, diagnostics[0].range.start.character) == (1, 7)
    # Nothing changed on the server: the document still has no findings.
    if session.pulls:
        assert await session.diagnostics(uri) == []
