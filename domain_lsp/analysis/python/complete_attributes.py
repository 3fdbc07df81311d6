"""Attribute completion in Python (`httpx.` → what the installed httpx really has), through
jedi against the project's configured environment: reading, never running, its code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain_lsp.analysis.python.apis import ApiChecker

_ATTRIBUTE = re.compile(r"(?:^|[^\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(\w*)$", re.MULTILINE)
MAX_ITEMS = 200


@dataclass(frozen=True, slots=True)
class AttributeCompletion:
    label: str
    kind: str
    """jedi's type: "module", "class", "function", "instance", "statement", "param", ..."""
    detail: str
    start: int
    end: int
    """The typed part of the name the item replaces (offsets into the text)."""


def complete_attribute(text: str, offset: int, apis: ApiChecker) -> list[AttributeCompletion] | None:
    """Completions after `name.` (or `name.par`), or None when the cursor is not there."""
    line_start = text.rfind("\n", 0, offset) + 1
    match = _ATTRIBUTE.search(text, line_start, offset)
    if match is None or match.end() != offset:
        return None
    typed = match.group(2)
    line = text.count("\n", 0, offset) + 1
    column = offset - line_start
    completions = apis.complete(text, line, column)
    if completions is None:
        return None
    items = []
    for completion in completions:
        name = completion.name
        if name.startswith("_") and not typed.startswith("_"):
            continue
        items.append(
            AttributeCompletion(name, completion.type, completion.description or "", offset - len(typed), offset)
        )
        if len(items) >= MAX_ITEMS:
            break
    return items
