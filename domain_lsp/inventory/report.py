"""Inventory problems as `inventory-error` findings on the file they are in."""

from __future__ import annotations

import re
from pathlib import Path

from domain_lsp.findings import Finding
from domain_lsp.inventory.model import Inventory
from domain_lsp.text import LineIndex

_WORD = re.compile(r"\S+")


def inventory_findings(inventory: Inventory) -> dict[Path, list[Finding]]:
    by_file: dict[Path, list[Finding]] = {}
    texts: dict[Path, str] = {}
    for problem in inventory.problems:
        if problem.path not in texts:
            try:
                texts[problem.path] = problem.path.read_text(encoding="utf-8-sig", errors="replace")
            except OSError:
                texts[problem.path] = ""
        text = texts[problem.path]
        start = end = 0
        if problem.line:
            lines = LineIndex(text)
            start = min(lines.line_start(problem.line - 1) + problem.column, len(text))
            word = _WORD.match(text, start)
            end = word.end() if word else start
        by_file.setdefault(problem.path.resolve(), []).append(Finding("inventory-error", problem.message, start, end))
    return by_file
