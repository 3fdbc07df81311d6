"""textDocument/completion: what may be typed at the cursor, from the catalog and the statement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from domain_lsp.analysis.sql.complete import Completion, complete_sql, replace_range
from domain_lsp.server.positions import Positions

if TYPE_CHECKING:
    from domain_lsp.server.server import DomainLanguageServer

_KINDS = {
    "table": types.CompletionItemKind.Class,
    "view": types.CompletionItemKind.Interface,
    "schema": types.CompletionItemKind.Module,
    "column": types.CompletionItemKind.Field,
    "cte": types.CompletionItemKind.Struct,
    "alias": types.CompletionItemKind.Variable,
    "keyword": types.CompletionItemKind.Keyword,
    "function": types.CompletionItemKind.Function,
}


def to_item(completion: Completion, replace: types.Range) -> types.CompletionItem:
    return types.CompletionItem(
        label=completion.label,
        kind=_KINDS.get(completion.kind, types.CompletionItemKind.Text),
        detail=completion.detail,
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=completion.documentation)
        if completion.documentation
        else None,
        text_edit=types.TextEdit(range=replace, new_text=completion.insert_text or completion.label),
        sort_text=completion.sort_text,
    )


def register(server: DomainLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[".", " "], resolve_provider=False),
    )
    async def completion(ls: DomainLanguageServer, params: types.CompletionParams) -> types.CompletionList | None:
        uri = params.text_document.uri
        document = ls.workspace.text_documents.get(uri)
        if document is None or not ls.is_sql(uri):
            return None
        analysis = await ls.analysis(uri)
        positions = ls.positions(analysis) if analysis is not None else None
        if positions is None:
            return None
        project = await ls.state.project_for(ls.path_of(uri))
        offset = positions.offset(params.position)
        items = complete_sql(document.source, offset, project.catalog, project.config.sql)
        replace = _replace_range(positions, document.source, offset, project.config.sql.dialect)
        return types.CompletionList(is_incomplete=True, items=[to_item(c, replace) for c in items])


def _replace_range(positions: Positions, text: str, offset: int, dialect: str) -> types.Range:
    start, end = replace_range(text, offset, dialect)
    return positions.range(start, end)
