"""`--format github`: workflow command lines GitHub turns into annotations, escaped its way;
`--format gitlab`: a code quality report."""

from __future__ import annotations

import json
from pathlib import Path

from domain_lsp.findings import Finding, Severity
from domain_lsp.report import github, gitlab, sarif
from domain_lsp.report import json as json_report
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


HOSTILE = "a\n::error::x\r::warning::y\x1b[31m\x00\x7f\x85\x9b\u2028\u202e"
"""A message as an identifier can make it: real line breaks, ANSI escapes, C1 controls, a
line separator and a bidirectional override."""


def test_other_control_characters_are_shown_not_sent() -> None:
    assert github.escape_data("x\x1b[31m\x00\x7f\x9b\t") == "x\\x1b[31m\\x00\\x7f\\x9b\\t"
    assert github.escape_property("::error::\u202e") == "%3A%3Aerror%3A%3A\\u202e"


def test_a_hostile_message_and_path_stay_one_annotation(tmp_path: Path) -> None:
    path = tmp_path / f"{HOSTILE.replace(chr(0), '')}.sql"  # a file name can hold all but NUL
    findings = [Finding("unknown-column", HOSTILE, 0, 1), Finding("unknown-table", "fine", 0, 1)]
    output = github.render(CheckRun([CheckedFile(path, LineIndex("x\n"), findings)], 1, tmp_path))
    lines = output.splitlines()  # splits at every Unicode line boundary, \x85 and \u2028 too
    assert len(lines) == 3 and lines[2].startswith("domain-lsp: ")
    assert all(line.startswith(("::error file=", "domain-lsp: ")) for line in lines)
    assert not any(0x7F <= ord(c) <= 0x9F or ord(c) < 0x20 for c in output.replace("\n", ""))
    file, data = lines[0].removeprefix("::error ").split("::", 1)  # the first `::` ends the properties
    assert file.startswith("file=a%0A%3A%3Aerror%3A%3Ax%0D%3A%3Awarning%3A%3Ay\\x1b[31m")
    assert data == "a%0A::error::x%0D::warning::y\\x1b[31m\\x00\\x7f\\x85\\x9b\\u2028\\u202e"


def test_json_formats_keep_a_hostile_message_inside_one_string(tmp_path: Path) -> None:
    findings = [Finding("unknown-column", HOSTILE, 0, 1)]
    run = CheckRun([CheckedFile(tmp_path / "q.sql", LineIndex("x\n"), findings)], 1, tmp_path)
    for output, message in (
        (gitlab.render(run), lambda doc: doc[0]["description"]),
        (sarif.render(run), lambda doc: doc["runs"][0]["results"][0]["message"]["text"]),
        (json_report.render(run), lambda doc: doc["diagnostics"][0]["message"]),
    ):
        assert message(json.loads(output)) == HOSTILE  # escaped by JSON, not changed
        assert output.isascii() or not any(c in output for c in "\x7f\x85\x9b\u2028\u202e")
        assert all(ord(c) >= 0x20 for c in output.replace("\n", ""))
        assert not any(line.lstrip().startswith("::") for line in output.splitlines())
