"""GitHub Actions workflow commands: one `::error file=…::message` line per finding, which the
runner turns into an annotation on the pull request's diff.

Paths are relative to the repository's top; lines and columns are 1-based, columns counted in
UTF-16 code units like the web page that shows them, and `endColumn` is the token's last column. GitHub shows a limited number of
annotations per step; SARIF upload has no such limit.
"""

from __future__ import annotations

from domain_lsp.findings import Severity
from domain_lsp.report.escape import escape_controls
from domain_lsp.report.model import CheckRun

_COMMAND = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "notice",
    Severity.HINT: "notice",
}


def escape_data(text: str) -> str:
    """The message after `::`: the runner unescapes %25, %0D and %0A, so the command stays one
    line; other control characters are shown as escapes (`\\x1b`), as the text format does.
    """
    return escape_controls(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """A `key=value` property: also `:` and `,`, which would end the value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def render(run: CheckRun) -> str:
    root = run.base
    out: list[str] = []
    for checked in run.files:
        path = checked.repo_path(root) or checked.path.resolve().as_posix()
        for finding in checked.findings:
            line, col = checked.lines.position(finding.start, "utf-16")
            end_line, end_col = checked.lines.position(max(finding.start, finding.end), "utf-16")
            properties = [("file", path), ("line", str(line + 1))]
            if end_line == line:  # columns are only honoured on a one-line annotation
                properties += [("col", str(col + 1)), ("endColumn", str(max(col + 1, end_col)))]
            properties += [("endLine", str(end_line + 1)), ("title", f"domain-lsp {finding.code}")]
            props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
            command = _COMMAND[finding.effective_severity]
            out.append(f"::{command} {props}::{escape_data(finding.message)}")
    errors, warnings = run.count(Severity.ERROR), run.count(Severity.WARNING)
    checked_files = run.checked if run.checked is not None else len(run.files)
    out.append(
        f"domain-lsp: {_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {_plural(checked_files, 'file')} checked"
    )
    return "\n".join(out) + "\n"
