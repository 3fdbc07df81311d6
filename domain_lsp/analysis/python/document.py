"""Analyse a Python file: the SQL in its strings, its imports against the package inventory and
its use of installed APIs."""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass

from domain_lsp.analysis.python.apis import ApiChecker, api_findings
from domain_lsp.analysis.python.embedded_sql import EmbeddedSql, find_embedded_sql
from domain_lsp.analysis.python.imports import collect_imports, package_findings
from domain_lsp.analysis.regions import SqlRegion
from domain_lsp.analysis.sql.document import analyze_sql
from domain_lsp.analysis.suppress import apply_suppressions
from domain_lsp.catalog.model import Catalog
from domain_lsp.config import SqlSettings
from domain_lsp.findings import Finding, Fix
from domain_lsp.inventory.packages import PackageContext
from domain_lsp.text import LineIndex


@dataclass
class PythonAnalysis:
    text: str
    lines: LineIndex
    findings: list[Finding]
    regions: list[SqlRegion]

    def region_at(self, offset: int) -> SqlRegion | None:
        for region in self.regions:
            assert region.embedded is not None
            if region.embedded.start < offset < region.embedded.end:
                return region
        return None


def map_finding(finding: Finding, embedded: EmbeddedSql) -> Finding:
    start, end = embedded.to_source_range(finding.start, finding.end)
    fixes = []
    for fix in finding.fixes:
        fix_start, fix_end = embedded.to_source_range(fix.start, fix.end)
        fixes.append(Fix(fix.title, fix_start, fix_end, fix.new_text))
    return Finding(finding.code, finding.message, start, end, finding.severity, tuple(fixes), finding.data)


_FORMAT_PARAMETER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?s")


def bind_parameters(sql: str) -> str:
    """DB-API `%s` / `%(name)s` parameters as `$n` (padded to the same length), which every
    parser in the supported dialects reads as a parameter; the length stays the same so the
    offset map into the Python source still holds."""
    counter = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal counter
        counter += 1
        written, bound = match.group(), f"${counter}"
        return bound.ljust(len(written)) if len(bound) <= len(written) else written

    return _FORMAT_PARAMETER.sub(replace, sql)


def python_findings(
    text: str, lines: LineIndex, path: str, packages: PackageContext | None, apis: ApiChecker | None
) -> list[Finding]:
    """Package and API findings; none for a file that does not parse (it is being typed)."""
    if packages is None:
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are not ours to report
            tree = ast.parse(text, path or "<unknown>")
    except (SyntaxError, ValueError):
        return []
    except (RecursionError, MemoryError) as exc:  # an expression nested past what CPython's parser takes
        message = (
            f"too deeply nested for Python's parser ({type(exc).__name__}); its imports and API calls were not checked"
        )
        return [Finding("analysis-limit", message, 0, 0)]
    imports = collect_imports(tree, text, lines)
    findings = package_findings(imports, packages, path, tree, lines)
    if apis is not None:
        findings.extend(api_findings(tree, imports, apis, lines, path))
    return findings


def analyze_python(
    text: str,
    catalog: Catalog,
    settings: SqlSettings,
    path: str = "",
    *,
    packages: PackageContext | None = None,
    apis: ApiChecker | None = None,
) -> PythonAnalysis:
    lines = LineIndex(text)
    findings: list[Finding] = python_findings(text, lines, path, packages, apis)
    regions: list[SqlRegion] = []
    for embedded in find_embedded_sql(text):
        sql = analyze_sql(bind_parameters(embedded.text), catalog, settings, path)
        regions.append(SqlRegion(sql, embedded))
        for finding in sql.findings:
            if embedded.placeholders and finding.code == "syntax-error":
                continue  # f-string fields can stand for any SQL: its syntax is not knowable
            if embedded.touches_placeholder(finding.start, finding.end):
                continue
            findings.append(map_finding(finding, embedded))
    findings.sort(key=lambda f: (f.start, f.end, f.code))
    return PythonAnalysis(text, lines, apply_suppressions(text, findings, lines), regions)
