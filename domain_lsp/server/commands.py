"""workspace/executeCommand: reload the catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from domain_lsp.server.server import DomainLanguageServer

RELOAD_CATALOG = "domain-lsp.reloadCatalog"


def register(server: DomainLanguageServer) -> None:
    @server.command(RELOAD_CATALOG)
    def reload_catalog(ls: DomainLanguageServer, *args: Any) -> None:
        ls.state.forget_projects()
        ls.publisher.republish_all()  # type: ignore[attr-defined]
