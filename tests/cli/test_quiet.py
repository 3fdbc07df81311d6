"""stderr holds domain-lsp's own messages only; `-v` adds info logs and the libraries' lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARY_LINE = "sqlglot: warning: 'CREATE ROLE analyst LOGIN' contains unsupported syntax"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env.update(
        PYTHONIOENCODING="utf-8",
        DOMAIN_LSP_USER_CONFIG=str(cwd / "no-user-config.toml"),
        DOMAIN_LSP_CACHE_DIR=str(cwd / ".cache-dir"),  # a cached catalog would not be parsed again
    )
    return subprocess.run(
        [sys.executable, "-m", "domain_lsp", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "domain-lsp.toml").write_text('[sql]\ndialect = "postgres"\nschemas = ["schema.sql"]\n')
    # sqlglot parses CREATE ROLE as a bare command and logs a warning about it.
    (tmp_path / "schema.sql").write_text("CREATE ROLE analyst LOGIN;\nCREATE TABLE t (id int);\n")
    (tmp_path / "query.sql").write_text("SELECT id FROM t;\n")
    return tmp_path


@pytest.mark.parametrize("command", [["check"], ["catalog", "--refresh"]])
def test_library_log_lines_stay_off_stderr(workspace: Path, command: list[str]) -> None:
    result = run(workspace, *command)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("command", [["check"], ["catalog", "--refresh"]])
@pytest.mark.parametrize("flag", ["-v", "--verbose"])
def test_verbose_shows_library_log_lines(workspace: Path, command: list[str], flag: str) -> None:
    result = run(workspace, *command, flag)
    assert result.returncode == 0, result.stdout + result.stderr
    assert LIBRARY_LINE in result.stderr
    assert LIBRARY_LINE not in result.stdout  # the report itself is unchanged
    assert all(line.count(": ") >= 2 for line in result.stderr.splitlines())  # `who: level: message`


def test_verbose_does_not_change_the_report(workspace: Path) -> None:
    (workspace / "query.sql").write_text("SELECT nope FROM t;\n")
    quiet, verbose = run(workspace, "check"), run(workspace, "check", "-v")
    assert (quiet.returncode, verbose.returncode) == (1, 1)
    assert quiet.stdout == verbose.stdout
    assert "unknown-column" in quiet.stdout


def test_own_warnings_still_reach_stderr(tmp_path: Path) -> None:
    (tmp_path / "domain-lsp.toml").write_text(
        '[packages]\ninventory = ["requirements.txt"]\nindex = "https://pypi.internal.example.com/simple"\n'
    )
    (tmp_path / "requirements.txt").write_text("httpx\n")
    (tmp_path / "job.py").write_text("import httpx\n")
    result = run(tmp_path, "check", "--no-trust")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.startswith("domain-lsp: warning: untrusted workspace: packages.index ")
    assert result.stderr.count("\n") == 1


def test_library_lines_are_escaped(tmp_path: Path) -> None:
    # A library quotes workspace text in its message; in a terminal or CI log it must not act.
    (tmp_path / "domain-lsp.toml").write_text('[sql]\ndialect = "postgres"\nschemas = []\n')
    (tmp_path / "roles.sql").write_text('CREATE ROLE "a\x1b[2J\n::error::x" LOGIN;\n')
    result = run(tmp_path, "check", "-v", "roles.sql")
    assert "\x1b" not in result.stderr
    assert "\\x1b[2J\\n::error::x" in result.stderr
    assert not any(line.lstrip().startswith("::") for line in result.stderr.splitlines())


def test_make_test_prints_why_tests_were_skipped() -> None:
    # -o: the install stamp counts as done, so `make -n` prints only the test command.
    result = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", "unit"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    pytest_line = next(line for line in result.stdout.splitlines() if "pytest" in line)
    assert "-rs" in pytest_line.split()
