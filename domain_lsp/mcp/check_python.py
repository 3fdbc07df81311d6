"""`check_python {code, path?}`: the same for Python, the SQL embedded in it included."""

from __future__ import annotations

from typing import Any

from domain_lsp.mcp.check_sql import check_text
from domain_lsp.mcp.registry import Tool, register
from domain_lsp.mcp.state import Workspace
from domain_lsp.project import PYTHON_SUFFIXES


def handle(workspace: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    return check_text(workspace, arguments, "code", PYTHON_SUFFIXES)


TOOL = register(
    Tool(
        "check_python",
        "Check Python before showing it: imports against the team's declared and installed packages and its deny "
        "list, attributes and keyword arguments against the installed versions, and the SQL embedded in strings "
        "against the catalog. Findings with 0-based ranges and quick fixes; the code is read, never run.",
        {
            "code": {"type": "string", "description": "the Python source"},
            "path": {
                "type": "string",
                "description": "check it as this file (relative to the root); default untitled.py",
            },
        },
        ("code",),
        handle,
    )
)
