"""The tools: each module registers one with its name, argument schema and handler.

A handler takes the workspace and the arguments as sent, and returns JSON-ready data; it raises
ArgumentError for an argument it cannot use, which the server sends as an MCP error naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain_lsp.mcp.state import Workspace

DEFAULT_LIMIT = 20
MAX_LIMIT = 500

Handler = Callable[[Workspace, dict[str, Any]], dict[str, Any]]


class ArgumentError(ValueError):
    def __init__(self, argument: str, problem: str) -> None:
        super().__init__(f"argument `{argument}`: {problem}")
        self.argument = argument


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    properties: dict[str, dict[str, Any]]
    required: tuple[str, ...]
    handler: Handler

    @property
    def input_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": self.properties,
            "required": list(self.required),
            "additionalProperties": False,
        }

    def call(self, workspace: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(arguments) - set(self.properties))
        if unknown:
            raise ArgumentError(
                unknown[0], f"{self.name} takes no such argument (it takes {', '.join(self.properties)})"
            )
        for name in self.required:
            if name not in arguments:
                raise ArgumentError(name, "is required")
        return self.handler(workspace, arguments)


TOOLS: dict[str, Tool] = {}


def register(tool: Tool) -> Tool:
    TOOLS[tool.name] = tool
    return tool


def text_argument(arguments: dict[str, Any], name: str, default: str | None = None, empty: bool = True) -> str:
    value = arguments.get(name, default)
    if not isinstance(value, str):
        raise ArgumentError(name, f"expects a string, got {_json_kind(value)}")
    if not empty and not value.strip():
        raise ArgumentError(name, "must not be empty")
    return value


def optional_text(arguments: dict[str, Any], name: str) -> str | None:
    if arguments.get(name) is None:
        return None
    return text_argument(arguments, name)


def limit_argument(arguments: dict[str, Any]) -> int:
    value = arguments.get("limit", DEFAULT_LIMIT)
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_LIMIT:
        raise ArgumentError("limit", f"expects an integer from 1 to {MAX_LIMIT}, got {value!r}")
    return value


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def bounded(items: list[Any], limit: int, key: str) -> dict[str, Any]:
    """The first `limit` items under `key`, with how many there were and whether they were cut."""
    return {key: items[:limit], "total": len(items), "truncated": len(items) > limit}
