"""Inventory problems as `inventory-error` findings on the file they are in."""

from __future__ import annotations

import os
import re
from pathlib import Path

from domain_lsp.findings import Finding
from domain_lsp.inventory.model import Inventory
from domain_lsp.inventory.pyproject import MAX_LOCK_BYTES
from domain_lsp.paths import read_file
from domain_lsp.text import LineIndex

_WORD = re.compile(r"\S+")


def inventory_findings(inventory: Inventory) -> dict[Path, list[Finding]]:
    by_file: dict[Path, list[Finding]] = {}
    indexes: dict[Path, LineIndex] = {}
    for problem in inventory.problems:
        start = end = 0
        if problem.line:  # only a file that was read has lines; one refused is never read here
            lines = indexes.get(problem.path)
            if lines is None:  # read and indexed once per file, however many problems it has
                try:
                    raw = read_file(problem.path, MAX_LOCK_BYTES)
                    text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
                except OSError:
                    text = ""
                lines = indexes[problem.path] = LineIndex(text)
            text = lines.text
            start = min(lines.line_start(problem.line - 1) + problem.column, len(text))
            word = _WORD.match(text, start)
            end = word.end() if word else start
        # Keyed by the path as written: a link is named by its own name, not by where it points.
        written = Path(os.path.abspath(problem.path))
        by_file.setdefault(written, []).append(Finding(problem.code, problem.message, start, end))
    return by_file
