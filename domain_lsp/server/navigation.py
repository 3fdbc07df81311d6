"""textDocument/definition: from a table, column or CTE name to where it is defined."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from domain_lsp.analysis.sql.symbols import symbol_at
from domain_lsp.server.positions import Positions, encoding_of
from domain_lsp.text import LineIndex

if TYPE_CHECKING:
    from domain_lsp.server.server import DomainLanguageServer


def _target_text(ls: DomainLanguageServer, uri: str) -> str | None:
    document = ls.workspace.text_documents.get(uri)
    if document is not None:
        return document.source
    try:
        return Path(ls.path_of(uri)).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def register(server: DomainLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: DomainLanguageServer, params: types.DefinitionParams) -> list[types.Location] | None:
        uri = params.text_document.uri
        cursor = await ls.cursor(uri, params.position)
        if cursor is None or cursor.region is None or cursor.sql_offset is None:
            return None
        region = cursor.region
        symbol = symbol_at(region.analysis, cursor.sql_offset, cursor.project.config.sql)
        if symbol is None or symbol.location is None:
            return None
        location = symbol.location
        if not location.path or (region.embedded is not None and location.path == str(ls.path_of(uri))):
            if region.embedded is not None:
                # A CTE inside the same Python string: its position is in the SQL text.
                sql_lines = region.analysis.lines
                start = sql_lines.line_start(location.line) + location.character
                doc_start, doc_end = region.to_document(start, start + len(symbol.name))
                return [types.Location(uri=uri, range=cursor.positions.range(doc_start, doc_end))]
        target_uri = Path(location.path).resolve().as_uri() if location.path else uri
        text = _target_text(ls, target_uri)
        if text is None:
            return None
        lines = LineIndex(text)
        start = lines.line_start(location.line) + location.character
        end = (
            start + len(symbol.name)
            if text[start : start + len(symbol.name)].casefold() == symbol.name.casefold()
            else start
        )
        target = Positions(lines, encoding_of(ls.workspace.position_encoding))
        return [types.Location(uri=target_uri, range=target.range(start, end))]
