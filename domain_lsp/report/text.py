"""Human-readable output: `path:line:col: severity[code] message`, the line, and a marker."""

from __future__ import annotations

from domain_lsp.findings import Severity
from domain_lsp.report.model import CheckRun


def render(run: CheckRun) -> str:
    out: list[str] = []
    for checked in run.files:
        for finding in checked.findings:
            line, col = checked.lines.line_col(finding.start)
            end_line, end_col = checked.lines.line_col(finding.end)
            severity = finding.effective_severity.label
            out.append(f"{checked.display_path}:{line + 1}:{col + 1}: {severity}[{finding.code}] {finding.message}")
            source = checked.lines.line_text(line).expandtabs(1)
            if source.strip():
                width = max(1, (end_col if end_line == line else len(source)) - col)
                out.append(f"    {source}")
                out.append(f"    {' ' * col}{'^' * width}")
    errors, warnings = run.count(Severity.ERROR), run.count(Severity.WARNING)
    files = len(run.files)
    out.append(
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} in {files} file{'s' * (files != 1)} checked"
    )
    return "\n".join(out) + "\n"
