"""textDocument/completion: what may be typed at the cursor, from the catalog and the statement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from domain_lsp.analysis.sql.complete import Completion, complete_sql, replace_range

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
    new_text = completion.insert_text or completion.label
    return types.CompletionItem(
        label=completion.label,
        kind=_KINDS.get(completion.kind, types.CompletionItemKind.Text),
        detail=completion.detail,
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=completion.documentation)
        if completion.documentation
        else None,
        text_edit=types.TextEdit(range=replace, new_text=new_text),
        # A quoted insert replaces a typed quote: filter on what is inserted, or clients hide it.
        filter_text=new_text if new_text != completion.label else None,
        sort_text=completion.sort_text,
    )


def register(server: DomainLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=[".", " "], resolve_provider=False),
    )
    async def completion(ls: DomainLanguageServer, params: types.CompletionParams) -> types.CompletionList | None:
        uri = params.text_document.uri
        analysis = await ls.analysis(uri)
        if analysis is None:
            return None
        positions = ls.positions(analysis)
        offset = positions.offset(params.position)
        region = analysis.region_at(offset)
        sql_offset = region.to_sql(offset) if region is not None else None
        if region is None or sql_offset is None:
            return None
        project = await ls.state.project_for(ls.path_of(uri))
        sql_text = region.analysis.text
        items = complete_sql(sql_text, sql_offset, project.catalog, project.config.sql)
        start, end = replace_range(sql_text, sql_offset, project.config.sql.dialect)
        replace = positions.range(*region.to_document(start, end))
        return types.CompletionList(is_incomplete=True, items=[to_item(c, replace) for c in items])
