"""textDocument/codeLens: a summary above each unreviewed suggested block of what in it does
not fit the domain ("2 unknown columns, 1 hallucinated package"); clicking marks it reviewed."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from lsprotocol import types

from domain_lsp.findings import Finding, Severity
from domain_lsp.server.commands import MARK_REVIEWED

if TYPE_CHECKING:
    from domain_lsp.server.server import DomainLanguageServer

NOUNS: dict[str, tuple[str, str]] = {
    "unknown-column": ("unknown column", "unknown columns"),
    "unknown-table": ("unknown table", "unknown tables"),
    "unknown-schema": ("unknown schema", "unknown schemas"),
    "unknown-function": ("unknown function", "unknown functions"),
    "ambiguous-column": ("ambiguous column", "ambiguous columns"),
    "ambiguous-table": ("ambiguous table", "ambiguous tables"),
    "syntax-error": ("syntax error", "syntax errors"),
    "unknown-package": ("hallucinated package", "hallucinated packages"),
    "undeclared-package": ("undeclared package", "undeclared packages"),
    "denied-package": ("denied package", "denied packages"),
    "unknown-attribute": ("unknown attribute", "unknown attributes"),
    "unknown-argument": ("unknown argument", "unknown arguments"),
}


def summarize(findings: list[Finding]) -> str:
    counts = Counter(f.code for f in findings if f.effective_severity <= Severity.WARNING)
    if not counts:
        return "Suggestion: fits the domain"
    parts = []
    for code, count in counts.most_common():
        singular, plural = NOUNS.get(code, (code, code))
        parts.append(f"{count} {singular if count == 1 else plural}")
    return "Suggestion: " + ", ".join(parts)


def register(server: DomainLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(ls: DomainLanguageServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        uri = params.text_document.uri
        blocks = ls.suggestions.blocks(uri)
        if not blocks:
            return []
        analysis = await ls.analysis(uri)
        if analysis is None:
            return []
        positions = ls.positions(analysis)
        lenses = []
        for block in blocks:
            inside = [f for f in analysis.findings if block.contains(f.start, f.end)]
            lenses.append(
                types.CodeLens(
                    range=positions.range(block.start, block.start),
                    command=types.Command(
                        title=f"{summarize(inside)} · mark reviewed", command=MARK_REVIEWED, arguments=[uri, block.id]
                    ),
                )
            )
        return lenses
