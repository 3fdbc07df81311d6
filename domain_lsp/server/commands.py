"""workspace/executeCommand: reload the catalog, summarise it, mark suggestions reviewed."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

from domain_lsp.catalog.summary import summarize
from domain_lsp.project import Project
from domain_lsp.server.server import DomainLanguageServer  # at run time: pygls reads the hints

RELOAD_CATALOG = "domain-lsp.reloadCatalog"
MARK_REVIEWED = "domain-lsp.markReviewed"
CATALOG_SUMMARY = "domain-lsp.catalogSummary"


def catalog_summary(project: Project) -> dict[str, Any]:
    """The editors' catalog summary: the CLI's `domain-lsp catalog` numbers plus per-schema
    table counts, in the camelCase shape documented in docs/server.md."""
    summary = summarize(project.loaded)
    per_schema = Counter(t.schema for t in project.catalog.tables())
    return {
        "config": str(project.config.path) if project.config.path else None,
        "dialect": project.config.sql.dialect or "",
        "searchPath": list(project.config.sql.search_path),
        "tables": summary["tables"] + summary["views"],
        "views": summary["views"],
        "columns": summary["columns"],
        "functions": summary["functions"],
        "seconds": summary["seconds"],
        "fromCache": summary["from_cache"],
        "stale": summary["stale"],
        "schemas": [{"name": name, "tables": count} for name, count in sorted(per_schema.items())],
        "sources": [
            {
                "path": source["path"],
                "kind": source["kind"],
                "tables": source["tables"],
                "problems": len(source["problems"]),
                "messages": [p["message"] for p in source["problems"]],
            }
            for source in summary["sources"]
        ],
    }


def register(server: DomainLanguageServer) -> None:
    @server.command(RELOAD_CATALOG)
    async def reload_catalog(ls: DomainLanguageServer, *args: Any) -> None:
        """Re-read config and every source; answers once the new catalogs are in use."""
        loads = ls.state.reload(refresh=True)
        await asyncio.gather(*(asyncio.shield(load) for load in loads), return_exceptions=True)

    @server.command(CATALOG_SUMMARY)
    async def show_catalog_summary(ls: DomainLanguageServer, *args: Any) -> dict[str, Any]:
        """Argument: optionally a document URI, whose project is summarised (else the root's)."""
        if args and isinstance(args[0], str):
            path = ls.path_of(args[0])
        else:
            path = (ls.state.root or Path.cwd()) / "domain-lsp.toml"
        return catalog_summary(await ls.state.project_for(path))

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
