"""What a loaded catalog holds and where it came from: sources, counts, problems, timings. A
pure function of the LoadedCatalog, shown by `domain-lsp catalog` and by the language server.
"""

from __future__ import annotations

import json
import time
from typing import Any

from domain_lsp.catalog.load import LoadedCatalog, catalog_is_stale
from domain_lsp.report.escape import path_at_line_start, printable


def summarize(loaded: LoadedCatalog, missing_globs: list[str] | None = None) -> dict[str, Any]:
    """A JSON-ready summary. Source names never hold a secret (see SourceSettings.name)."""
    tables = list(loaded.catalog.tables())
    sources = []
    for report in loaded.sources:
        entry: dict[str, Any] = {
            "kind": report.kind,
            "name": report.name or str(report.path),
            "path": str(report.path),
            "tables": report.tables,
            "seconds": round(report.seconds, 4),
            "problems": [
                {"message": p.message, "line": p.line + 1, "character": p.character + 1} for p in report.problems
            ],
        }
        if report.live is not None:
            entry["loaded_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(report.loaded_at))
            entry["refresh_interval"] = report.live.refresh_interval
            entry["failed"] = report.failed  # its tables are those of its last good copy, if any
        sources.append(entry)
    return {
        "tables": sum(1 for t in tables if t.kind != "view"),
        "views": sum(1 for t in tables if t.kind == "view"),
        "columns": sum(t.column_count() for t in tables),
        "schemas": len(loaded.catalog.schemas()),
        "functions": sum(1 for _ in loaded.catalog.functions()),
        "seconds": round(loaded.seconds, 4),
        "from_cache": loaded.from_cache,
        "stale": catalog_is_stale(loaded),
        "dbt_projects": [
            {
                "name": p.name,
                "root": str(p.root),
                "refs": sum(1 for k in p.refs if "." not in k),
                "sources": len(p.sources),
            }
            for p in loaded.dbt
        ],
        "sources": sources,
        "missing_globs": list(missing_globs or []),
    }


def render_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2) + "\n"


def render_text(summary: dict[str, Any]) -> str:
    lines = []
    for source in summary["sources"]:
        timing = f"{source['seconds'] * 1000:.0f} ms"
        # Names, paths and messages come from the workspace: escaped as `check`'s text output is.
        lines.append(f"{source['kind']:<8} {printable(source['name'])}  {source['tables']} tables  {timing}")
        for problem in source["problems"]:
            where = path_at_line_start(source["path"])  # the line is indented, but CI runners strip that
            lines.append(f"  {where}:{problem['line']}:{problem['character']}: {printable(problem['message'])}")
    for glob in summary["missing_globs"]:
        lines.append(f"missing  schema glob `{printable(glob)}` matches no file")
    for project in summary["dbt_projects"]:
        name, root = printable(project["name"]), printable(project["root"])
        lines.append(f"dbt      project {name} at {root}: {project['refs']} refs, {project['sources']} sources")
    if not summary["sources"]:
        lines.append("no schema sources (see docs/configuration.md, sql.schemas and [[sql.sources]])")
    origin = "from the cache" if summary["from_cache"] else "read from the sources"
    stale = "; stale: a source changed since" if summary["stale"] else ""
    lines.append(
        f"{summary['tables']} tables, {summary['views']} views, {summary['columns']} columns, "
        f"{summary['schemas']} schemas, {summary['functions']} functions; "
        f"{summary['seconds'] * 1000:.0f} ms, {origin}{stale}"
    )
    return "\n".join(lines) + "\n"
