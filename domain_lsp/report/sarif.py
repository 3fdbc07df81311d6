"""SARIF 2.1.0 for code scanning (GitHub and others): a rule for every code, one result per
finding, positions 1-based with columns in UTF-16 code units (SARIF's default column kind).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from domain_lsp import __version__
from domain_lsp.findings import RULES, Finding, Rule, Severity
from domain_lsp.report.escape import escape_json
from domain_lsp.report.model import CheckedFile, CheckRun

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
ROOT_ID = "%SRCROOT%"
FINGERPRINT = "domainLsp/v1"
INFORMATION_URI = "https://github.com/domain-lsp/domain-lsp"

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFORMATION: "note", Severity.HINT: "note"}
# GitHub's own severity scale, shown in the code scanning list.
_PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "recommendation",
    Severity.HINT: "recommendation",
}


def _rule_name(code: str) -> str:
    """`unknown-column` → `UnknownColumn`: SARIF's friendly name is an identifier."""
    return "".join(part.capitalize() for part in code.split("-"))


def _rule(rule: Rule) -> dict[str, Any]:
    level = _LEVEL[rule.severity]
    help_text = f"{rule.summary} Default severity: {rule.severity.label}. Documentation: {rule.href}"
    return {
        "id": rule.code,
        "name": _rule_name(rule.code),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.summary} (domain-lsp reports `{rule.code}` as {rule.severity.label}.)"},
        "help": {"text": help_text, "markdown": f"{rule.summary}\n\n[Documentation of `{rule.code}`]({rule.href})"},
        "helpUri": rule.href,
        "defaultConfiguration": {"level": level},
        "properties": {"problem.severity": _PROBLEM_SEVERITY[rule.severity], "tags": ["domain-lsp"]},
    }


def _file_uri(path: Path) -> str:
    return path.resolve().as_uri()


def _artifact(checked: CheckedFile, root: Path) -> dict[str, Any]:
    relative = checked.repo_path(root)
    if relative is None:
        return {"uri": _file_uri(checked.path)}
    # A file name that is not UTF-8 holds surrogates: its own bytes are what the URI escapes.
    return {"uri": quote(relative, safe="/", errors="surrogateescape"), "uriBaseId": ROOT_ID}


def _region(checked: CheckedFile, finding: Finding) -> dict[str, int]:
    start_line, start_col = checked.lines.position(finding.start, "utf-16")
    end_line, end_col = checked.lines.position(max(finding.start, finding.end), "utf-16")
    # SARIF counts from 1, and endColumn is the column just past the region.
    return {
        "startLine": start_line + 1,
        "startColumn": start_col + 1,
        "endLine": end_line + 1,
        "endColumn": end_col + 1,
    }


def _offending(checked: CheckedFile, finding: Finding) -> str:
    """What the finding is about: its token, or for an empty range its line, without spaces
    so re-indenting does not change it.
    """
    text = checked.lines.text[finding.start : finding.end]
    if not text:
        text = checked.lines.line_text(checked.lines.line_col(finding.start)[0])
    return "".join(text.split())


def fingerprints(checked: CheckedFile, where: str) -> list[str]:
    """One stable fingerprint per finding of a file: code, path, offending text and how many
    times the same text was reported before in the file — not the line, so moving code keeps
    the fingerprint and code scanning keeps the alert's history.
    """
    seen: Counter[tuple[str, str]] = Counter()
    result = []
    for finding in checked.findings:
        key = (finding.code, _offending(checked, finding))
        index = seen[key]
        seen[key] += 1
        digest = hashlib.sha256("\0".join((finding.code, where, key[1], str(index))).encode("utf-8", "surrogatepass"))
        result.append(f"{digest.hexdigest()[:32]}:{index}")
    return result


def report(run: CheckRun) -> dict[str, Any]:
    root = run.base
    codes = list(RULES)
    index = {code: i for i, code in enumerate(codes)}
    results: list[dict[str, Any]] = []
    for checked in run.files:
        artifact = _artifact(checked, root)
        where = checked.repo_path(root) or checked.path.resolve().as_posix()
        for finding, fingerprint in zip(checked.findings, fingerprints(checked, where), strict=True):
            results.append(
                {
                    "ruleId": finding.code,
                    "ruleIndex": index[finding.code],
                    "level": _LEVEL[finding.effective_severity],
                    "message": {"text": finding.message},
                    "locations": [
                        {"physicalLocation": {"artifactLocation": artifact, "region": _region(checked, finding)}}
                    ],
                    "partialFingerprints": {FINGERPRINT: fingerprint},
                }
            )
    return {
        "$schema": SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "domain-lsp",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(RULES[code]) for code in codes],
                    }
                },
                "originalUriBaseIds": {ROOT_ID: {"uri": root.as_uri() + "/"}},
                "columnKind": "utf16CodeUnits",
                "results": results,
            }
        ],
    }


def render(run: CheckRun) -> str:
    return escape_json(json.dumps(report(run), indent=2, ensure_ascii=False)) + "\n"
