"""A bug of ours on one file is an `internal-error` on that file (an error, so a CI gate does not
pass a file nobody checked), never a traceback, and the other files are still checked. The
failure is injected here because no known input triggers one: that is the point of the code."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from domain_lsp.check import Checker
from domain_lsp.findings import RULES, Severity
from domain_lsp.policy import DEFAULT
from domain_lsp.project import Project
from domain_lsp.server.state import _analyze


def boom(self: Project, text: str, path: str = "") -> None:
    raise RuntimeError("injected\nbug")


def workspace(tmp_path: Path) -> Path:
    (tmp_path / "domain-lsp.toml").write_text('[sql]\nschemas = ["schema.sql"]\n', encoding="utf-8")
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (a int);\n", encoding="utf-8")
    (tmp_path / "broken.sql").write_text("SELECT a FROM t;\n", encoding="utf-8")
    (tmp_path / "fine.py").write_text("import os\n", encoding="utf-8")
    return tmp_path


def test_the_rule_is_an_error() -> None:
    assert RULES["internal-error"].severity is Severity.ERROR


def test_check_reports_the_file_and_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = workspace(tmp_path)
    monkeypatch.setattr(Project, "analyze_sql", boom)
    checker = Checker(cwd=root)
    broken = checker.check_file(root / "broken.sql", root)
    assert [(f.code, f.message) for f in broken.findings] == [
        ("internal-error", "internal error, file not checked (RuntimeError: injected bug); please report it")
    ]
    assert checker.check_file(root / "fine.py", root).findings == []


def test_the_server_publishes_it_and_logs_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    root = workspace(tmp_path)
    project = Checker(cwd=root).project_for(root / "broken.sql", root)
    monkeypatch.setattr(Project, "analyze_sql", boom)
    with caplog.at_level(logging.INFO):
        analysis = _analyze(project, DEFAULT, root / "broken.sql", "SELECT a FROM t;\n", "sql", 1)
    assert [f.code for f in analysis.problems] == ["internal-error"]
    errors = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert len(errors) == 1 and errors[0].exc_info is None
