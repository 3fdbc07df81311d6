"""textDocument/hover: type, description and definition site of the name under the cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from domain_lsp.analysis.sql.symbols import describe, symbol_at

if TYPE_CHECKING:
    from domain_lsp.server.server import DomainLanguageServer


def register(server: DomainLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: DomainLanguageServer, params: types.HoverParams) -> types.Hover | None:
        analysis = await ls.analysis(params.text_document.uri)
        positions = ls.positions(analysis) if analysis is not None else None
        if analysis is None or analysis.sql is None or positions is None:
            return None
        project = await ls.state.project_for(ls.path_of(params.text_document.uri))
        symbol = symbol_at(analysis.sql, positions.offset(params.position), project.config.sql)
        text = (
            describe(symbol, project.config.sql.dialect or "the default dialect", project.config.root)
            if symbol
            else None
        )
        if symbol is None or text is None:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
            range=positions.range(symbol.start, symbol.end),
        )
