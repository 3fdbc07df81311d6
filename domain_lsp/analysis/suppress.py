"""Suppression comments: `-- domain-lsp: ignore[unknown-column]` or `/* domain-lsp: ignore[...] */`
(SQL), `# domain-lsp: ignore[...]` (Python, MySQL) silence those codes on the comment's line;
without brackets every code on the line.
"""

from __future__ import annotations

import re

from domain_lsp.findings import Finding
from domain_lsp.text import LineIndex

PATTERN = re.compile(r"(?:--|#|/\*)\s*domain-lsp:\s*ignore(?:\[([a-z0-9,\s-]+)\])?")


def apply_suppressions(text: str, findings: list[Finding], lines: LineIndex) -> list[Finding]:
    if "domain-lsp:" not in text:
        return findings
    suppressed: dict[int, set[str] | None] = {}
    for match in PATTERN.finditer(text):
        line, _ = lines.line_col(match.start())
        codes = match.group(1)
        suppressed[line] = None if codes is None else {c.strip() for c in codes.split(",") if c.strip()}
    kept = []
    for finding in findings:
        line, _ = lines.line_col(finding.start)
        if line in suppressed:
            codes = suppressed[line]
            if codes is None or finding.code in codes:
                continue
        kept.append(finding)
    return kept
