"""textDocument/codeAction: the quick fixes that findings carry ("did you mean" replacements)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from domain_lsp.server.diagnostics import to_diagnostic

if TYPE_CHECKING:
    from domain_lsp.server.server import DomainLanguageServer


def register(server: DomainLanguageServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    async def code_action(ls: DomainLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        analysis = await ls.analysis(uri)
        if analysis is None:
            return []
        positions = ls.positions(analysis)
        start, end = positions.offset(params.range.start), positions.offset(params.range.end)
        document = ls.workspace.text_documents.get(uri)
        actions: list[types.CodeAction] = []
        for finding in analysis.findings:
            if finding.end < start or finding.start > end or not finding.fixes:
                continue
            diagnostic = to_diagnostic(finding, positions)
            for i, fix in enumerate(finding.fixes):
                edits = [types.TextEdit(range=positions.range(a, b), new_text=text) for a, b, text in fix.edits()]
                actions.append(
                    types.CodeAction(
                        title=fix.title,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        is_preferred=i == 0,
                        edit=types.WorkspaceEdit(
                            document_changes=[
                                types.TextDocumentEdit(
                                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                                        uri=uri, version=document.version if document else None
                                    ),
                                    edits=list(edits),
                                )
                            ]
                        ),
                    )
                )
        return actions
