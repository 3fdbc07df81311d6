"""`check --fix`: apply the quick fixes that leave nothing to choose, and show them as a diff.

A finding is fixed only when it offers exactly one fix, and that fix corrects a spelling or
names an equivalent: with two candidates the choice is the author's, and a single "closest
name" that is another word (`customer_name` → `customer_id`, `post_json` → `post`) would make
the check pass on code that still means the wrong thing. So the replacement must be the name
as written with at most one letter changed, added, dropped or swapped (two for names of eight
letters or more; case and quotes aside), or the dialect's equivalent of a foreign function
(`NVL` → `coalesce` in PostgreSQL). `denied-package` is never fixed: its fix renames the
import, not the code that uses the module. A fix is applied only where it
cannot break what holds the SQL: on one line, not across a Jinja or f-string brace, and in a
Python file only when neither the replaced text nor the replacement has a quote or backslash
(either would change the string literal around the SQL). Fixes on one file never overlap: in
the order of their positions (then the shorter, then the text), one that overlaps a fix
already taken is skipped and its finding stays. One pass: a fix that uncovers another finding
(a table renamed, so its columns can be judged) leaves that one for the next run.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from domain_lsp.analysis.sql.functions import EQUIVALENTS
from domain_lsp.findings import Finding, Fix, Severity
from domain_lsp.output import write_atomic
from domain_lsp.project import PYTHON_SUFFIXES
from domain_lsp.report.escape import printable
from domain_lsp.report.model import CheckedFile, CheckRun

NEVER_FIXED = frozenset({"denied-package"})
_BOM = b"\xef\xbb\xbf"
_PYTHON_STRING_UNSAFE = frozenset("'\"\\")
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


@dataclass
class FilePlan:
    """The fixes chosen for one file and the text they give."""

    checked: CheckedFile
    fixes: list[Fix] = field(default_factory=list)
    fixed: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)
    """Findings with one fix that overlaps a fix already chosen."""

    @property
    def original(self) -> str:
        return self.checked.lines.text

    @property
    def text(self) -> str:
        parts, position = [], 0
        for fix in self.fixes:
            parts += [self.original[position : fix.start], fix.new_text]
            position = fix.end
        parts.append(self.original[position:])
        return "".join(parts)


def _distance(a: str, b: str) -> int:
    """Edits (a letter changed, added, dropped, or two neighbours swapped) from `a` to `b`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def _bare(name: str) -> str:
    return name.replace('"', "").replace("`", "").replace("[", "").replace("]", "").casefold()


def _equivalent(written: str, replacement: str) -> bool:
    """Whether some dialect names `replacement` as the one equivalent of the function `written`."""
    wanted = replacement.casefold()
    for table in EQUIVALENTS.values():
        found = table.get(written.casefold())
        if found is not None and found[1] is not None and found[1].casefold() == wanted:
            return True
    return False


def corrects_spelling(finding: Finding, written: str) -> bool:
    """Whether the finding's one fix is the name as written, respelt (or the function's equivalent)."""
    new_text = finding.fixes[0].new_text
    if finding.code == "unknown-function" and _equivalent(written, new_text):
        return True
    a, b = _bare(written), _bare(new_text)
    allowed = 1 if min(len(a), len(b)) < 8 else 2
    return _distance(a, b) <= allowed


def _safe(fix: Fix, text: str, python: bool) -> bool:
    if not 0 <= fix.start <= fix.end <= len(text):
        return False
    replaced = text[fix.start : fix.end]
    both = replaced + fix.new_text
    if replaced == fix.new_text or "\n" in both or "\r" in both or "{" in both or "}" in both:
        return False
    return not (python and _PYTHON_STRING_UNSAFE & set(both))


def plan_file(checked: CheckedFile) -> FilePlan:
    plan = FilePlan(checked)
    if any(finding.code == "file-error" for finding in checked.findings):
        return plan  # text decoded with replacement characters, or not read: never written back
    python = checked.path.suffix.lower() in PYTHON_SUFFIXES
    candidates = [
        finding
        for finding in checked.findings
        if len(finding.fixes) == 1
        and not finding.fixes[0].also  # one replacement each: a fix of several edits is the editor's
        and finding.code not in NEVER_FIXED
        and _safe(finding.fixes[0], plan.original, python)
        and corrects_spelling(finding, plan.original[finding.fixes[0].start : finding.fixes[0].end])
    ]
    candidates.sort(key=lambda f: (f.fixes[0].start, f.fixes[0].end, f.fixes[0].new_text, f.code, f.start))
    for finding in candidates:
        fix = finding.fixes[0]
        last = plan.fixes[-1] if plan.fixes else None
        if last is not None and (last.start, last.end, last.new_text) == (fix.start, fix.end, fix.new_text):
            plan.fixed.append(finding)  # two findings, one edit
        elif last is not None and (fix.start < last.end or fix.start == fix.end == last.start == last.end):
            plan.skipped.append(finding)
        else:
            plan.fixes.append(fix)
            plan.fixed.append(finding)
    return plan


def plan_fixes(run: CheckRun) -> list[FilePlan]:
    """A plan for each checked file with something to fix or skip, in the order of the run."""
    checked = run.files[: run.checked] if run.checked is not None else run.files
    plans = [plan_file(file) for file in checked]
    return [plan for plan in plans if plan.fixes or plan.skipped]


def apply(plans: list[FilePlan]) -> list[tuple[Path, str]]:
    """Write each plan's text over its file, in one rename each; a file whose text changed since
    it was checked is left alone. Returns (path, why) for the files not written."""
    problems: list[tuple[Path, str]] = []
    for plan in plans:
        if not plan.fixes:
            continue
        path = plan.checked.path
        try:
            raw = path.read_bytes()
        except OSError as error:
            problems.append((path, f"cannot read it again: {error.strerror or error}"))
            continue
        if not os.access(path, os.W_OK):  # a rename would replace it anyway: respect the permission
            problems.append((path, "not writable, not fixed"))
            continue
        bom = _BOM if raw.startswith(_BOM) else b""
        if raw[len(bom) :] != plan.original.encode("utf-8"):
            problems.append((path, "changed since it was checked, not fixed"))
            continue
        try:
            write_atomic(path, bom + plan.text.encode("utf-8"))
        except OSError as error:
            problems.append((path, f"cannot write it: {error.strerror or error}"))
    return problems


def fixed_bytes(plan: FilePlan, raw: bytes) -> bytes:
    """The fixed text as bytes, with the byte-order mark `raw` had."""
    return (_BOM if raw.startswith(_BOM) else b"") + plan.text.encode("utf-8")


def remaining(run: CheckRun) -> str:
    errors, warnings = run.count(Severity.ERROR), run.count(Severity.WARNING)
    return f"{errors} error{'' if errors == 1 else 's'}, {warnings} warning{'' if warnings == 1 else 's'} remain"


def _shown(line: str) -> str:
    """A diff line as printed: workspace text escaped as in the text format, tabs kept, the line
    end (LF or CRLF) shown as one line end."""
    body = line.removesuffix("\n").removesuffix("\r")
    return "\t".join(printable(part) for part in body.split("\t")) + "\n"


def _lines(text: str) -> list[str]:
    """Lines as a diff counts them: split at LF only (str.splitlines also splits at a form feed
    or U+2028, which a SQL file may hold inside a string)."""
    return _LINE.findall(text)


def unified_diff(plans: list[FilePlan]) -> str:
    """`--fix --diff`: a unified diff of every file a fix changes, `a/` and `b/` as git writes them."""
    out: list[str] = []
    for plan in plans:
        if not plan.fixes:
            continue
        name = plan.checked.display_path
        before, after = _lines(plan.original), _lines(plan.text)
        for line in difflib.unified_diff(before, after, f"a/{name}", f"b/{name}"):
            out.append(_shown(line))
            if not line.endswith("\n"):
                out.append("\\ No newline at end of file\n")
    return "".join(out)


def summary(plans: list[FilePlan], *, written: bool) -> str:
    fixed = sum(len(plan.fixed) for plan in plans)
    files = sum(1 for plan in plans if plan.fixes)
    skipped = sum(len(plan.skipped) for plan in plans)
    verb = "fixed" if written else "would fix"
    line = f"{verb} {fixed} finding{'' if fixed == 1 else 's'} in {files} file{'' if files == 1 else 's'}"
    if not fixed:
        line = "nothing to fix"
    if skipped:
        line += f"; {skipped} left: {'its fix overlaps' if skipped == 1 else 'their fixes overlap'} another"
    return line
