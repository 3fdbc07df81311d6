"""textDocument/documentSymbol: the outline of a SQL file, or of the SQL strings of a Python
file: statements (named by what they create, change or read) with their CTEs as children."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from domain_lsp.analysis.regions import SqlRegion
from domain_lsp.analysis.sql.outline import OutlineEntry, outline

if TYPE_CHECKING:
    from domain_lsp.server.positions import Positions
    from domain_lsp.server.server import DomainLanguageServer

KINDS = {
    "table": types.SymbolKind.Struct,
    "view": types.SymbolKind.Interface,
    "function": types.SymbolKind.Function,
    "cte": types.SymbolKind.Variable,
    "change": types.SymbolKind.Method,
    "query": types.SymbolKind.Object,
    "other": types.SymbolKind.Module,
}


def _symbol(entry: OutlineEntry, region: SqlRegion, positions: Positions) -> types.DocumentSymbol:
    start, end = region.to_document(entry.start, max(entry.end, entry.start + 1))
    name_start, name_end = region.to_document(entry.name_start, entry.name_end)
    name_start, name_end = max(name_start, start), min(max(name_end, name_start), end)  # inside the range
    return types.DocumentSymbol(
        name=entry.name or "(statement)",
        detail=entry.detail or None,
        kind=KINDS[entry.kind],
        range=positions.range(start, end),
        selection_range=positions.range(name_start, name_end),
        children=[_symbol(child, region, positions) for child in entry.children] or None,
    )


def register(server: DomainLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(
        ls: DomainLanguageServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol] | None:
        analysis = await ls.analysis(params.text_document.uri)
        if analysis is None:
            return None
        if analysis.sql is not None:
            regions = [SqlRegion(analysis.sql)]
        elif analysis.python is not None:
            regions = analysis.python.regions
        else:
            return []
        positions = ls.positions(analysis)
        return [
            _symbol(entry, region, positions)
            for region in regions
            for entry in outline(region.analysis.text, region.analysis.statements)
        ]
