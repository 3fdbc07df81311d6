"""`check --baseline FILE`: report only what is new since the baseline was written.

A team adopting the check on an old codebase records today's findings once
(`--write-baseline`) and gates on new ones from then on. A finding is recorded by what it is,
not where: its file (from the repository's top), its code, the offending text (whitespace
collapsed) and the two tokens on each side of it, all case-folded. No line or column: code above
it can move, and the statement can be reformatted (line breaks, indentation, keyword case),
and it is still the same finding. The message is not part of it either: its suggestions change
with the schema. Each key has a count, so a second copy of an old mistake in the same file is
new. A finding whose neighbours were edited still matches an unused entry of the same file,
code and text, so touching the line does not bring the old finding back.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from domain_lsp.findings import Finding
from domain_lsp.report.escape import escape_json
from domain_lsp.report.model import CheckedFile, CheckRun

VERSION = 1
CONTEXT_TOKENS = 2
_WINDOW = 200
"""Characters looked at on each side for the context tokens."""
_TOKEN = re.compile(r"[\w$]+|[^\w\s]")

Key = tuple[str, str, str, str, str]
"""(path, code, text, before, after)."""


class BaselineError(ValueError):
    """The baseline file cannot be used; one line naming the file and the fix."""


def _path(checked: CheckedFile, root: Path) -> str:
    return checked.repo_path(root) or checked.path.as_posix()


def key_of(path: str, text: str, finding: Finding) -> Key:
    before = _TOKEN.findall(text[max(0, finding.start - _WINDOW) : finding.start])[-CONTEXT_TOKENS:]
    after = _TOKEN.findall(text[finding.end : finding.end + _WINDOW])[:CONTEXT_TOKENS]
    offending = " ".join(text[finding.start : finding.end].split()).casefold()
    return (path, finding.code, offending, " ".join(before).casefold(), " ".join(after).casefold())


def keys(run: CheckRun) -> Counter[Key]:
    found: Counter[Key] = Counter()
    for checked in run.files:
        path = _path(checked, run.base)
        for finding in checked.findings:
            found[key_of(path, checked.lines.text, finding)] += 1
    return found


def render(run: CheckRun) -> str:
    """The baseline of `run` as JSON: files sorted, entries sorted, the same bytes every run."""
    files: dict[str, list[dict[str, object]]] = {}
    for (path, code, text, before, after), count in sorted(keys(run).items()):
        entry: dict[str, object] = {"code": code, "text": text, "before": before, "after": after, "count": count}
        files.setdefault(path, []).append(entry)
    document = {"version": VERSION, "files": files}
    return escape_json(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False)) + "\n"


def load(path: Path) -> Counter[Key]:
    """Raises BaselineError."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"--baseline: {path} does not exist; write it with --write-baseline {path}") from None
    except OSError as error:
        raise BaselineError(f"--baseline: cannot read {path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"--baseline: {path} is not a baseline (invalid JSON: {error})") from None
    if (
        not isinstance(document, dict)
        or document.get("version") != VERSION
        or not isinstance(document.get("files"), dict)
    ):
        raise BaselineError(
            f"--baseline: {path} is not a version {VERSION} baseline; write it again with --write-baseline"
        )
    found: Counter[Key] = Counter()
    for file, entries in document["files"].items():
        if not isinstance(entries, list):
            raise BaselineError(f"--baseline: {path}: `{file}` should hold a list of findings")
        for entry in entries:
            try:
                fields = (entry["code"], entry["text"], entry["before"], entry["after"])
                count = entry.get("count", 1)
            except (KeyError, TypeError, AttributeError):
                raise BaselineError(
                    f"--baseline: {path}: an entry of `{file}` lacks code, text, before or after"
                ) from None
            if not all(isinstance(value, str) for value in fields) or not isinstance(count, int) or count < 1:
                raise BaselineError(f"--baseline: {path}: an entry of `{file}` has a value of the wrong type")
            found[(file, fields[0], fields[1], fields[2], fields[3])] += count
    return found


@dataclass(frozen=True)
class Filtered:
    run: CheckRun
    matched: int
    """Findings left out because the baseline has them."""
    gone: int
    """Baseline entries that no longer occur (fixed, or their file is not among those checked)."""


def apply(run: CheckRun, baseline: Counter[Key]) -> Filtered:
    """`run` without the findings the baseline has: first those with the same key (context and
    all), then, within a file, those whose code and text match an entry still unused."""
    exact = Counter(baseline)
    loose: Counter[tuple[str, str, str]] = Counter()
    entries: list[tuple[CheckedFile, str, list[tuple[Finding, Key]]]] = []
    for checked in run.files:
        path = _path(checked, run.base)
        entries.append((checked, path, [(f, key_of(path, checked.lines.text, f)) for f in checked.findings]))
    unmatched: list[tuple[CheckedFile, Finding, Key]] = []
    matched = 0
    for checked, _, pairs in entries:
        for finding, key in pairs:
            if exact[key] > 0:
                exact[key] -= 1
                matched += 1
            else:
                unmatched.append((checked, finding, key))
    for key, count in exact.items():
        if count > 0:
            loose[key[:3]] += count
    kept: dict[int, list[Finding]] = {id(checked): [] for checked in run.files}
    for checked, finding, key in unmatched:
        if loose[key[:3]] > 0:
            loose[key[:3]] -= 1
            matched += 1
        else:
            kept[id(checked)].append(finding)
    files = [CheckedFile(checked.path, checked.lines, kept[id(checked)]) for checked in run.files]
    gone = sum(loose.values())
    return Filtered(CheckRun(files, run.checked, run.root), matched, gone)
