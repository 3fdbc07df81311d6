"""Machine-readable output: LSP-shaped ranges (0-based lines, UTF-16 characters)."""

from __future__ import annotations

import json

from domain_lsp.findings import SOURCE
from domain_lsp.report.model import CheckRun

VERSION = 1


def render(run: CheckRun) -> str:
    diagnostics = []
    for checked in run.files:
        for finding in checked.findings:
            start = checked.lines.position(finding.start, "utf-16")
            end = checked.lines.position(finding.end, "utf-16")
            diagnostics.append(
                {
                    "path": checked.display_path,
                    "range": {
                        "start": {"line": start[0], "character": start[1]},
                        "end": {"line": end[0], "character": end[1]},
                    },
                    "severity": finding.effective_severity.label,
                    "code": finding.code,
                    "message": finding.message,
                    "source": SOURCE,
                }
            )
    return json.dumps({"version": VERSION, "diagnostics": diagnostics}, indent=2) + "\n"
