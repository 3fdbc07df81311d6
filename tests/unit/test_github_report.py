"""`--format github`: workflow command lines GitHub turns into annotations, escaped its way;
`--format gitlab`: a code quality report."""

from __future__ import annotations

import json
from pathlib import Path

from domain_lsp.findings import Finding, Severity
from domain_lsp.report import github, gitlab
from domain_lsp.report.model import CheckedFile, CheckRun
from domain_lsp.text import LineIndex


def test_escaping_of_data_and_properties() -> None:
    assert github.escape_data("50% off\r\nnext: a,b") == "50%25 off%0D%0Anext: a,b"
    assert github.escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"


def test_one_annotation_per_finding_with_repository_paths_and_utf16_columns(tmp_path: Path) -> None:
    path = tmp_path / "sql" / "a,b:c.sql"
    text = "SELECT '😀', nme\nFROM t;\n"
    findings = [
        Finding("unknown-column", "column `nme` does not exist\nsecond line, 100%", 12, 15),
        Finding("syntax-error", "spans lines", 13, 22),
        Finding("file-error", "just a note", 0, 0, Severity.HINT),
    ]
    run = CheckRun([CheckedFile(path, LineIndex(text), findings)], 1, tmp_path)
    lines = github.render(run).splitlines()
    assert lines[0] == (
        "::error file=sql/a%2Cb%3Ac.sql,line=1,col=14,endColumn=16,endLine=1,"
        "title=domain-lsp unknown-column::column `nme` does not exist%0Asecond line, 100%25"
    )
    # Columns only make sense on a one-line annotation.
    assert lines[1] == "::error file=sql/a%2Cb%3Ac.sql,line=1,endLine=2,title=domain-lsp syntax-error::spans lines"
    assert lines[2].startswith("::notice file=sql/a%2Cb%3Ac.sql,line=1,col=1,endColumn=1,")
    assert lines[3] == "domain-lsp: 2 errors, 0 warnings in 1 file checked"


def test_gitlab_code_quality_issues(tmp_path: Path) -> None:
    text = "SELECT nme,\n  nme FROM t;\n"
    findings = [
        Finding("unknown-column", "no `nme`", 7, 10),
        Finding("unknown-column", "no `nme`", 14, 17),
        Finding("syntax-error", "two lines", 0, 13, Severity.WARNING),
    ]
    run = CheckRun([CheckedFile(tmp_path / "q.sql", LineIndex(text), findings)], 1, tmp_path)
    issues = json.loads(gitlab.render(run))
    assert [(i["check_name"], i["severity"], i["location"]) for i in issues] == [
        ("unknown-column", "major", {"path": "q.sql", "lines": {"begin": 1, "end": 1}}),
        ("unknown-column", "major", {"path": "q.sql", "lines": {"begin": 2, "end": 2}}),
        ("syntax-error", "minor", {"path": "q.sql", "lines": {"begin": 1, "end": 2}}),
    ]
    assert len({i["fingerprint"] for i in issues}) == 3  # GitLab needs them unique
    assert issues[0]["description"] == "no `nme`"
