"""`check --statistics`: how many findings of each code, instead of the findings themselves.

What a team looks at first when adopting the check on an old codebase (which rules matter
here, which to ignore or baseline). Sorted by count, most first, then by code, so two runs
print the same bytes.
"""

from __future__ import annotations

import json
from collections import Counter

from domain_lsp.findings import RULES
from domain_lsp.report.model import CheckRun
from domain_lsp.report.text import summary_line

VERSION = 1


def counts(run: CheckRun) -> list[tuple[str, int]]:
    """(code, count) of every code found, most frequent first, ties by code."""
    tally = Counter(finding.code for checked in run.files for finding in checked.findings)
    return sorted(tally.items(), key=lambda item: (-item[1], item[0]))


def render_text(run: CheckRun) -> str:
    rows = counts(run)
    code_width = max((len(code) for code, _ in rows), default=0)
    count_width = max((len(str(count)) for _, count in rows), default=0)
    lines = [f"{code:<{code_width}}  {count:>{count_width}}  {RULES[code].summary}" for code, count in rows]
    lines.append(summary_line(run))
    return "\n".join(lines) + "\n"


def render_json(run: CheckRun) -> str:
    statistics = [{"code": code, "count": count, "summary": RULES[code].summary} for code, count in counts(run)]
    return json.dumps({"version": VERSION, "statistics": statistics}, indent=2) + "\n"
