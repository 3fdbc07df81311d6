"""Diagnostics: pushed after a short debounce on open/change, or pulled by clients that ask
(textDocument/diagnostic). A client that pulls is never pushed to.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from lsprotocol import types

from domain_lsp.findings import SOURCE, Finding, Severity
from domain_lsp.server.positions import Positions, encoding_of
from domain_lsp.server.suggestions import SuggestedBlock

if TYPE_CHECKING:
    from domain_lsp.server.server import DomainLanguageServer

DEBOUNCE_SECONDS = 0.05
QUIET_SECONDS = 0.01

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def to_diagnostic(
    finding: Finding, positions: Positions, uri: str = "", block: SuggestedBlock | None = None
) -> types.Diagnostic:
    message, related = finding.message, None
    if block is not None:
        message += " (in an unreviewed suggestion)"
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=uri, range=positions.range(block.start, block.end)),
                message=f"suggested block inserted at {time.strftime('%H:%M:%S', time.localtime(block.created))}",
            )
        ]
    return types.Diagnostic(
        range=positions.range(finding.start, finding.end),
        message=message,
        severity=_SEVERITY[finding.effective_severity],
        code=finding.code,
        code_description=types.CodeDescription(href=finding.rule.href),
        source=SOURCE,
        related_information=related,
    )


def client_pulls(ls: DomainLanguageServer) -> bool:
    text_document = ls.client_capabilities.text_document
    return text_document is not None and text_document.diagnostic is not None


async def diagnostics_for(ls: DomainLanguageServer, uri: str) -> list[types.Diagnostic]:
    analysis = await ls.analysis(uri)
    if analysis is None:
        return []
    positions = ls.positions(analysis)
    tracker = ls.suggestions
    return [to_diagnostic(f, positions, uri, tracker.block_at(uri, f.start, f.end)) for f in analysis.findings]


class Publisher:
    """Debounced pushes, one pending task per document; stale versions are never published.

    An edit that finds the server quiet (no edit of the document and no analysis ended in the
    last QUIET_SECONDS) is analysed at once: a single change shows its diagnostics after the
    analysis alone. Edits that queued up while an analysis ran, or come faster than that, wait
    for a pause of DEBOUNCE_SECONDS, so a burst of typing is analysed once, at its end. (Judging
    by the time since the last edit alone is fooled by a slow analysis: the keystrokes queued
    behind it arrive spaced by its length.)"""

    def __init__(self, ls: DomainLanguageServer) -> None:
        self.ls = ls
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.last_scheduled: dict[str, float] = {}
        self.analysed_at = float("-inf")

    def schedule(self, uri: str, delay: float = DEBOUNCE_SECONDS) -> None:
        if client_pulls(self.ls):
            return
        now = time.monotonic()
        if now - max(self.last_scheduled.get(uri, float("-inf")), self.analysed_at) >= QUIET_SECONDS:
            delay = 0
        self.last_scheduled[uri] = now
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._publish(uri, delay))

    async def _publish(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        document = self.ls.workspace.text_documents.get(uri)
        if document is None:
            return
        version = document.version
        try:
            diagnostics = await diagnostics_for(self.ls, uri)
        finally:
            self.analysed_at = time.monotonic()
        current = self.ls.workspace.text_documents.get(uri)
        if current is None or current.version != version:
            return  # a newer edit arrived meanwhile; its own task publishes
        self.ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )
        self.pending.pop(uri, None)

    def republish_all(self) -> None:
        if client_pulls(self.ls):
            workspace = self.ls.client_capabilities.workspace
            diagnostics = workspace.diagnostics if workspace is not None else None
            if diagnostics is not None and diagnostics.refresh_support:
                self.ls.workspace_diagnostic_refresh(None)
            return
        for uri in list(self.ls.workspace.text_documents):
            self.schedule(uri, delay=0)


def pull_result_id(ls: DomainLanguageServer, uri: str) -> str:
    """Equal only when the client's copy is current: same catalog generation, same text (the
    version alone restarts at 1 when a document is closed and opened again) and the same
    unreviewed suggestion blocks (marking one reviewed changes the messages)."""
    document = ls.workspace.text_documents.get(uri)
    if document is None:
        return f"{ls.state.generation}:closed"
    blocks = tuple((b.id, b.start, b.end) for b in ls.suggestions.blocks(uri))
    state = hash((document.source, blocks)) & 0xFFFFFFFF  # a str caches its hash: cheap to repeat
    return f"{ls.state.generation}:{document.version}:{state:08x}"


def register(server: DomainLanguageServer) -> None:
    publisher = Publisher(server)
    server.publisher = publisher

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: DomainLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.suggestions.open(params.text_document.uri, params.text_document.text)
        publisher.schedule(params.text_document.uri, delay=0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: DomainLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        encoding = encoding_of(ls.workspace.position_encoding)
        if ls.suggestions.change(uri, list(params.content_changes), encoding):
            ls.refresh_code_lenses()
        document = ls.workspace.text_documents.get(uri)
        if document is not None and not ls.suggestions.in_sync(uri, document.source):
            ls.suggestions.open(uri, document.source)  # never let block offsets drift
        publisher.schedule(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: DomainLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        path = ls.path_of(params.text_document.uri)
        if ls.state.is_schema_input(path):
            ls.state.files_changed([path], [], saved=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: DomainLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = publisher.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        publisher.last_scheduled.pop(uri, None)
        ls.state.close(uri)
        ls.suggestions.close(uri)
        if not client_pulls(ls):
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier="domain-lsp", inter_file_dependencies=True, workspace_diagnostics=False),
    )
    async def pull(ls: DomainLanguageServer, params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport:
        uri = params.text_document.uri
        # Analyse first: a reload the analysis waits for (a saved schema) bumps the catalog
        # generation, and the result id must describe the catalog the items come from.
        items = await diagnostics_for(ls, uri)
        result_id = pull_result_id(ls, uri)
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)
