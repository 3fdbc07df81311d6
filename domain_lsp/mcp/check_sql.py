"""`check_sql {sql, dialect?, path?}`: what `domain-lsp check` would report for that text."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from domain_lsp.config import dialect_names
from domain_lsp.findings import Finding
from domain_lsp.mcp.registry import ArgumentError, Tool, optional_text, register, text_argument
from domain_lsp.mcp.results import finding_json
from domain_lsp.mcp.state import Workspace
from domain_lsp.project import SQL_SUFFIXES, Project
from domain_lsp.text import LineIndex

MAX_TEXT_CHARS = 2_000_000
UNTITLED_SQL = "untitled.sql"


def checked_path(project: Project, arguments: dict[str, Any], default: str) -> Path:
    """The file the text is checked as: `path` relative to the root (or absolute), else an
    untitled file in the root; it need not exist, and is never read."""
    written = optional_text(arguments, "path")
    if written is None or not written.strip():
        return project.config.root / default
    path = Path(written)
    return path if path.is_absolute() else project.config.root / path


def check_text(
    workspace: Workspace, arguments: dict[str, Any], text_key: str, suffixes: tuple[str, ...]
) -> dict[str, Any]:
    text = text_argument(arguments, text_key)
    if len(text) > MAX_TEXT_CHARS:
        raise ArgumentError(text_key, f"is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    loaded = workspace.current
    project = loaded.project
    default = UNTITLED_SQL if suffixes is SQL_SUFFIXES else "untitled.py"
    path = checked_path(project, arguments, default)
    if path.suffix.lower() not in suffixes:
        raise ArgumentError("path", f"expects a file name ending in {' or '.join(suffixes)}, got `{path.name}`")
    dialect = (optional_text(arguments, "dialect") or "").strip().lower()
    if dialect:
        if dialect not in dialect_names():
            raise ArgumentError("dialect", f"unknown dialect `{dialect}`; one of {', '.join(dialect_names())}")
        config = replace(project.config, sql=replace(project.config.sql, dialect=dialect))
        project = Project(config, project.loaded, project.packages, project._apis)
    try:
        findings = project.analyze(path, text)
    except Exception as exc:  # as `check` does: the text is reported not checked, never a crash
        message = f"internal error, not checked ({type(exc).__name__}); please report it"
        findings = [Finding("internal-error", message, 0, 0)]
    findings = sorted(loaded.policy.apply(findings), key=lambda f: (f.start, f.end, f.code))
    lines = LineIndex(text)
    return {
        "path": _shown(path, project.config.root),
        "dialect": project.config.sql.dialect,
        "findings": [finding_json(finding, lines) for finding in findings],
        "clean": not findings,
    }


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def handle(workspace: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    return check_text(workspace, arguments, "sql", SQL_SUFFIXES)


TOOL = register(
    Tool(
        "check_sql",
        "Check SQL against the team's catalog and conventions before showing it: the findings `domain-lsp check` "
        "would report (unknown tables or columns, syntax errors in the configured dialect, deprecated names), "
        "with 0-based line/character ranges and a suggested replacement when one is known. Never runs the SQL.",
        {
            "sql": {"type": "string", "description": "the SQL text, one or more statements"},
            "dialect": {"type": "string", "description": "override the workspace's configured dialect"},
            "path": {
                "type": "string",
                "description": "check it as this file (relative to the root); default untitled.sql",
            },
        },
        ("sql",),
        handle,
    )
)
