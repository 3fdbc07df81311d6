"""textDocument/hover: type, description and definition site of the name under the cursor,
in a .sql file or in SQL inside a Python string."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from domain_lsp.analysis.sql.symbols import describe, symbol_at

if TYPE_CHECKING:
    from domain_lsp.server.server import DomainLanguageServer


def register(server: DomainLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: DomainLanguageServer, params: types.HoverParams) -> types.Hover | None:
        cursor = await ls.cursor(params.text_document.uri, params.position)
        if cursor is None or cursor.region is None or cursor.sql_offset is None:
            return None
        region, project = cursor.region, cursor.project
        symbol = symbol_at(region.analysis, cursor.sql_offset, project.config.sql)
        if symbol is None:
            return None
        dialect = project.config.sql.dialect or "the default dialect"
        text = describe(symbol, dialect, project.config.root, region.analysis.catalog)
        if text is None:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
            range=cursor.positions.range(*region.to_document(symbol.start, symbol.end)),
        )
