"""workspace/executeCommand: reload the catalog."""

from __future__ import annotations

from typing import Any

from domain_lsp.server.server import DomainLanguageServer  # at run time: pygls reads the hints

RELOAD_CATALOG = "domain-lsp.reloadCatalog"
MARK_REVIEWED = "domain-lsp.markReviewed"


def register(server: DomainLanguageServer) -> None:
    @server.command(RELOAD_CATALOG)
    def reload_catalog(ls: DomainLanguageServer, *args: Any) -> None:
        ls.state.forget_projects()
        ls.republish()

    @server.command(MARK_REVIEWED)
    def mark_reviewed(ls: DomainLanguageServer, *args: Any) -> bool:
        """Arguments: a document URI, and optionally a block id (else all its blocks)."""
        if not args or not isinstance(args[0], str):
            return False
        block_id = args[1] if len(args) > 1 and isinstance(args[1], int) else None
        marked = ls.suggestions.mark_reviewed(args[0], block_id)
        if marked:
            ls.refresh_code_lenses()
            ls.republish()
        return marked
