"""`domainLsp/checkSnippet`: the diagnostics a piece of text would get if inserted at a
position, for clients that vet an assistant's suggestion before showing or accepting it.

Request params: `{"textDocument": {"uri"}, "position": Position, "text": str}`.
Result: `{"diagnostics": Diagnostic[]}` — only those touching the inserted text, with ranges
in the document as it would be after the insertion. Nothing is changed on the server.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from domain_lsp.server.diagnostics import to_diagnostic
from domain_lsp.server.positions import Positions, encoding_of
from domain_lsp.server.server import DomainLanguageServer  # at run time: pygls reads the hints
from domain_lsp.text import LineIndex

CHECK_SNIPPET = "domainLsp/checkSnippet"


def register(server: DomainLanguageServer) -> None:
    @server.feature(CHECK_SNIPPET)
    async def check_snippet(ls: DomainLanguageServer, params: Any) -> dict[str, Any]:
        uri = params.textDocument.uri
        document = ls.workspace.text_documents.get(uri)
        if document is None:
            return {"diagnostics": []}
        encoding = encoding_of(ls.workspace.position_encoding)
        before = LineIndex(document.source)
        offset = before.offset(params.position.line, params.position.character, encoding)
        text = document.source[:offset] + params.text + document.source[offset:]
        analysis = await ls.state.analyze_text(ls.path_of(uri), text, ls.language(uri))
        positions = Positions(analysis.lines, encoding)
        end = offset + len(params.text)
        diagnostics = [
            to_diagnostic(f, positions)
            for f in analysis.findings
            if (f.start < end and f.end > offset) or f.start == f.end == offset
        ]
        converter = ls.protocol._converter
        return {"diagnostics": [converter.unstructure(d, types.Diagnostic) for d in diagnostics]}
