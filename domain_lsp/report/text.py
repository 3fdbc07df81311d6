"""Human-readable output: `path:line:col: severity[code] message`, the line, and a marker.

Lines and columns are 1-based and count characters (code points), as compilers print them.
"""

from __future__ import annotations

import unicodedata

from domain_lsp.findings import Severity
from domain_lsp.report.color import PLAIN, Palette
from domain_lsp.report.escape import path_at_line_start, pieces, printable
from domain_lsp.report.model import CheckRun

EXCERPT = 200
"""Characters of a long source line shown around the finding."""


def _cells(text: str) -> int:
    """Terminal columns `text` takes: wide (CJK, emoji) characters take two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def render(run: CheckRun, palette: Palette = PLAIN) -> str:
    """`palette` colours our own words only (path, severity, code, marker, summary), after
    escaping, so no colour code ever sits inside workspace text."""
    out: list[str] = []
    for checked in run.files:
        # Everything from the workspace goes through escape.py: this output lands in terminals
        # and CI logs, where a control character or a line of the file's choosing would act.
        path = path_at_line_start(checked.display_path)
        for finding in checked.findings:
            line, col = checked.lines.line_col(finding.start)
            end_line, end_col = checked.lines.line_col(finding.end)
            severity = finding.effective_severity
            out.append(
                f"{palette.path(path)}:{line + 1}:{col + 1}: {palette.severity(severity, severity.label)}"
                f"[{palette.bold(finding.code)}] {printable(finding.message)}"
            )
            # Tabs become one space so the marker lines up whatever the terminal's tab width.
            source = checked.lines.line_text(line).replace("\t", " ")
            if source.strip():
                stop = end_col if end_line == line else len(source)
                if len(source) > EXCERPT:  # a minified one-line file must not flood the terminal
                    first = max(0, col - EXCERPT // 2)
                    source = source[first : first + EXCERPT]
                    col, stop = col - first, min(stop - first, len(source))
                # Measured on what is printed, so the marker stays under a token after escapes.
                shown = pieces(source, starts_line=True)
                out.append(f"    {''.join(shown)}")
                before, token = "".join(shown[:col]), "".join(shown[col:stop])
                marker = "^" * max(1, _cells(token))
                out.append(f"    {' ' * _cells(before)}{palette.severity(severity, marker)}")
    out.append(summary_line(run, palette))
    return "\n".join(out) + "\n"


def summary_line(run: CheckRun, palette: Palette = PLAIN) -> str:
    errors, warnings = run.count(Severity.ERROR), run.count(Severity.WARNING)
    checked_files = run.checked if run.checked is not None else len(run.files)
    return palette.bold(
        f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {_plural(checked_files, 'file')} checked"
    )
