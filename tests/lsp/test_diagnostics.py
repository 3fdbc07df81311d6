"""Diagnostics through a real LSP client: codes, exact ranges in the negotiated encoding,
re-analysis on incremental edits."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.conftest import Session

REPORT = "reports/ai_churn_report.sql"


def summary(diagnostics: list[types.Diagnostic]) -> set[tuple[str, int, int, int]]:
    return {(str(d.code), d.range.start.line, d.range.start.character, d.range.end.character) for d in diagnostics}


async def test_ai_mistakes_are_reported_at_their_tokens(session: Session) -> None:
    uri = session.open(REPORT)
    diagnostics = await session.diagnostics(uri)
    found = summary(diagnostics)
    assert ("unknown-column", 3, 9, 19) in found  # o.order_date
    assert ("unknown-function", 4, 7, 10) in found  # NVL
    assert ("unknown-table", 5, 5, 14) in found  # customers
    assert ("ambiguous-column", 15, 7, 18) in found
    first = next(d for d in diagnostics if d.code == "unknown-column")
    assert first.source == "domain-lsp"
    assert first.severity == types.DiagnosticSeverity.Error
    assert "did you mean `ordered_at`" in first.message
    assert first.code_description is not None and first.code_description.href.endswith("rules.md#unknown-column")


async def test_correct_file_gets_no_diagnostics(session: Session) -> None:
    uri = session.open("queries/monthly_revenue.sql")
    assert await session.diagnostics(uri) == []


async def test_positions_follow_the_negotiated_encoding(session: Session) -> None:
    # "é" is 2 UTF-8 bytes and 1 UTF-16 unit; "𝄞" is 4 bytes and 2 units.
    text = "SELECT 'é𝄞', o.nope FROM orders o;\n"
    uri = session.open("queries/unicode.sql", text)
    (diagnostic,) = await session.diagnostics(uri)
    assert diagnostic.code == "unknown-column"
    start = 19 if session.profile == "neovim" else 16  # UTF-8 bytes vs UTF-16 units before `nope`
    assert (diagnostic.range.start.character, diagnostic.range.end.character) == (start, start + 4)


async def test_incremental_edit_reanalyses(session: Session) -> None:
    uri = session.open("queries/edit.sql", "SELECT status FROM orders;\n")
    assert await session.diagnostics(uri) == []
    # Replace `status` with `statuz`.
    session.change(
        uri, types.Range(start=types.Position(line=0, character=12), end=types.Position(line=0, character=13)), "z"
    )
    (diagnostic,) = await session.diagnostics(uri)
    assert diagnostic.code == "unknown-column"
    assert (diagnostic.range.start.character, diagnostic.range.end.character) == (7, 13)
    assert "did you mean `status`" in diagnostic.message


async def test_broken_statement_does_not_hide_the_others(session: Session) -> None:
    uri = session.open("queries/broken.sql", "SELECT (status FROM orders;\nSELECT nope FROM orders;\n")
    codes = sorted((str(d.code), d.range.start.line) for d in await session.diagnostics(uri))
    assert codes == [("syntax-error", 0), ("unknown-column", 1)]
