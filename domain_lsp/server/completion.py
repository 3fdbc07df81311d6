"""textDocument/completion: what may be typed at the cursor, from the catalog and the statement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from domain_lsp.analysis.python.complete_attributes import AttributeCompletion, complete_attribute
from domain_lsp.analysis.python.complete_imports import complete_import
from domain_lsp.analysis.sql.complete import Completion, complete_sql, replace_range

if TYPE_CHECKING:
    from domain_lsp.project import Project
    from domain_lsp.server.positions import Positions
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
    "join": types.CompletionItemKind.Snippet,  # a whole declared join condition
}


def to_item(completion: Completion, replace: types.Range, typed: str = "") -> types.CompletionItem:
    """`typed`: the text the item replaces, as the document has it. The server has filtered and
    ranked already (fuzzily: `ordat` finds `ordered_at`), so every item filters on exactly what
    was typed: each client then keeps all of them, in sort_text order, instead of dropping the
    fuzzy ones or reordering by its own score. The list is incomplete: the next keystroke asks again."""
    new_text = completion.insert_text or completion.label
    return types.CompletionItem(
        label=completion.label,
        kind=_KINDS.get(completion.kind, types.CompletionItemKind.Text),
        detail=completion.detail,
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=completion.documentation)
        if completion.documentation
        else None,
        text_edit=types.TextEdit(range=replace, new_text=new_text),
        filter_text=typed or (new_text if new_text != completion.label else None),
        sort_text=completion.sort_text,
    )


_ATTRIBUTE_KINDS = {
    "module": types.CompletionItemKind.Module,
    "class": types.CompletionItemKind.Class,
    "function": types.CompletionItemKind.Function,
    "instance": types.CompletionItemKind.Variable,
    "statement": types.CompletionItemKind.Variable,
    "param": types.CompletionItemKind.Variable,
    "keyword": types.CompletionItemKind.Keyword,
    "property": types.CompletionItemKind.Property,
}


def _attribute_items(attributes: list[AttributeCompletion], positions: Positions) -> types.CompletionList:
    items = [
        types.CompletionItem(
            label=a.label,
            kind=_ATTRIBUTE_KINDS.get(a.kind, types.CompletionItemKind.Text),
            detail=a.detail,
            text_edit=types.TextEdit(range=positions.range(a.start, a.end), new_text=a.label),
        )
        for a in attributes
    ]
    return types.CompletionList(is_incomplete=True, items=items)


def _module_items(
    text: str, offset: int, project: Project, path: str, positions: Positions
) -> types.CompletionList | None:
    """Module names after `import` / `from`: the inventory, the stdlib and the workspace."""
    modules = complete_import(text, offset, project.package_context(), path)
    if modules is None:
        return None
    items = [
        types.CompletionItem(
            label=m.label,
            kind=types.CompletionItemKind.Module,
            detail=m.detail,
            text_edit=types.TextEdit(range=positions.range(m.start, m.end), new_text=m.label),
        )
        for m in modules
    ]
    return types.CompletionList(is_incomplete=True, items=items)


def register(server: DomainLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=["."], resolve_provider=False),  # never a bare space (issue 19)
    )
    async def completion(ls: DomainLanguageServer, params: types.CompletionParams) -> types.CompletionList | None:
        uri = params.text_document.uri
        cursor = await ls.cursor(uri, params.position)
        if cursor is None:
            return None
        analysis, positions, offset, project = cursor.analysis, cursor.positions, cursor.offset, cursor.project
        region, sql_offset = cursor.region, cursor.sql_offset
        if analysis.python is not None and (region is None or sql_offset is None):
            modules = _module_items(analysis.text, offset, project, str(ls.path_of(uri)), positions)
            if modules is not None:
                return modules
            attributes = complete_attribute(analysis.text, offset, project.api_checker())
            return _attribute_items(attributes, positions) if attributes is not None else None
        if region is None or sql_offset is None:
            return None
        sql_text, path = region.analysis.text, str(ls.path_of(uri))  # the path keys the analysis's tokens
        items = complete_sql(sql_text, sql_offset, project.catalog, project.config.sql, path)
        start, end = replace_range(sql_text, sql_offset, project.config.sql.dialect, path)
        document_start, document_end = region.to_document(start, end)
        replace = positions.range(document_start, document_end)
        typed = analysis.text[document_start:document_end]
        return types.CompletionList(is_incomplete=True, items=[to_item(c, replace, typed) for c in items])
