"""GitLab code quality report: the JSON list a job's `artifacts:reports:codequality` reads, which
GitLab shows in the merge request's widget and diff.
"""

from __future__ import annotations

import json
from typing import Any

from domain_lsp.findings import Severity
from domain_lsp.report.escape import escape_json
from domain_lsp.report.model import CheckRun
from domain_lsp.report.sarif import fingerprints

_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFORMATION: "info", Severity.HINT: "info"}


def render(run: CheckRun) -> str:
    root = run.base
    issues: list[dict[str, Any]] = []
    for checked in run.files:
        path = checked.repo_path(root) or checked.path.resolve().as_posix()
        for finding, fingerprint in zip(checked.findings, fingerprints(checked, path), strict=True):
            first = checked.lines.line_col(finding.start)[0] + 1
            last = checked.lines.line_col(max(finding.start, finding.end - 1))[0] + 1
            issues.append(
                {
                    "description": finding.message,
                    "check_name": finding.code,
                    "fingerprint": fingerprint,
                    "severity": _SEVERITY[finding.effective_severity],
                    "location": {"path": path, "lines": {"begin": first, "end": last}},
                }
            )
    return escape_json(json.dumps(issues, indent=2, ensure_ascii=False)) + "\n"
