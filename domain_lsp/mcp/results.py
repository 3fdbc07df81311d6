"""How results name positions and catalog objects: 0-based lines and characters, JSON-ready."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domain_lsp.catalog.model import Column, Location, Table
from domain_lsp.findings import Finding
from domain_lsp.text import LineIndex


def span(lines: LineIndex, start: int, end: int) -> dict[str, dict[str, int]]:
    """A range as LSP writes it: 0-based line and character (code points), end exclusive."""
    (line, character), (end_line, end_character) = lines.line_col(start), lines.line_col(end)
    return {
        "start": {"line": line, "character": character},
        "end": {"line": end_line, "character": end_character},
    }


def finding_json(finding: Finding, lines: LineIndex) -> dict[str, Any]:
    result: dict[str, Any] = {
        "code": finding.code,
        "severity": finding.effective_severity.label,
        "message": finding.message,
        "range": span(lines, finding.start, finding.end),
    }
    if finding.fixes:
        fix = finding.fixes[0]
        result["fix"] = {
            "title": fix.title,
            "edits": [{"range": span(lines, a, b), "new_text": text} for a, b, text in fix.edits()],
        }
    return result


def where(location: Location | None, root: Path) -> dict[str, Any] | None:
    """A definition's place, its path relative to the workspace root when inside it; 0-based."""
    if location is None:
        return None
    path = Path(location.path)
    try:
        shown = path.resolve().relative_to(root).as_posix()
    except (ValueError, OSError):
        shown = location.path
    return {"path": shown, "line": location.line, "character": location.character}


def table_brief(table: Table) -> dict[str, Any]:
    result: dict[str, Any] = {"name": table.qualified_name, "kind": table.kind}
    if table.description:
        result["description"] = table.description
    if table.deprecated is not None:
        result["deprecated"] = table.deprecated or True
    if table.tags:
        result["tags"] = list(table.tags)
    return result


def column_brief(table: Table, column: Column) -> dict[str, Any]:
    result: dict[str, Any] = {"name": f"{table.qualified_name}.{column.name}", "kind": "column"}
    if column.type:
        result["type"] = column.type
    if column.description:
        result["description"] = column.description
    if column.deprecated is not None:
        result["deprecated"] = column.deprecated or True
    if column.tags:
        result["tags"] = list(column.tags)
    return result
