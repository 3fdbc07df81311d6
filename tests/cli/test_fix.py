"""`check --fix` and `check --fix --diff`, through the real process: what is fixed, what is left,
and that a fixed file checks clean of the codes fixed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from domain_lsp.findings import Finding, Fix
from domain_lsp.fix import plan_file
from domain_lsp.report.model import CheckedFile
from domain_lsp.text import LineIndex
from tests.cli.process import TIMEOUT, run_cli, write

SCHEMA = """\
CREATE TABLE orders (id int, total numeric, status text);
CREATE TABLE accounts (account_id int);
CREATE TABLE readings (amount1 int, amount2 int);
CREATE SCHEMA sales;
CREATE TABLE sales.items (id int);
"""
QUERIES = """\
SELECT totl, stauts FROM orders;
SELECT NVL(total, 0) FROM orders;
SELECT amount FROM readings;
SELECT account_name FROM accounts;
SELECT * FROM sales.itms;
"""
FIXED_QUERIES = """\
SELECT total, status FROM orders;
SELECT coalesce(total, 0) FROM orders;
SELECT amount FROM readings;
SELECT account_name FROM accounts;
SELECT * FROM sales.items;
"""
JOB = """\
def load(cur):
    cur.execute("SELECT totl FROM orders")
    cur.execute("SELECT tot\\x6c FROM orders")
"""
FIXED_JOB = JOB.replace('"SELECT totl', '"SELECT total')
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    write(root / "domain-lsp.toml", '[sql]\ndialect = "postgres"\nschemas = ["schema.sql"]\n')
    write(root / "schema.sql", SCHEMA)
    write(root / "queries.sql", QUERIES)
    write(root / "jobs" / "load.py", JOB)
    return root


def diagnostics(root: Path, *args: str) -> list[tuple[str, int, str]]:
    result = run_cli(root, "check", "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    return [(d["path"], d["range"]["start"]["line"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]]


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_fix_applies_the_spelling_fixes_and_reports_the_rest(workspace: Path) -> None:
    result = run_cli(workspace, "check", "--fix")
    assert result.returncode == 1, result.stderr  # the findings without a sure fix remain
    assert (workspace / "queries.sql").read_text() == FIXED_QUERIES
    assert (workspace / "jobs" / "load.py").read_text() == FIXED_JOB
    assert result.stderr == "domain-lsp: fixed 5 findings in 2 files\n"
    # What is reported is the re-check of the fixed files.
    assert result.stdout == run_cli(workspace, "check").stdout
    assert diagnostics(workspace) == [
        ("jobs/load.py", 2, "unknown-column"),  # an escape in the string: the fix would change the literal
        ("queries.sql", 2, "unknown-column"),  # amount: two candidates, the author's choice
        ("queries.sql", 3, "unknown-column"),  # account_name → account_id is another name, not a typo
    ]


def test_fixed_files_check_clean_of_the_codes_fixed(workspace: Path) -> None:
    before = diagnostics(workspace, "--select", "unknown-function,unknown-table")
    assert {code for _, _, code in before} == {"unknown-function", "unknown-table"}
    assert run_cli(workspace, "check", "--fix", "--select", "unknown-function,unknown-table").returncode == 0
    assert diagnostics(workspace, "--select", "unknown-function,unknown-table") == []
    # --select limits what is fixed too: the column typos are still there.
    assert ("queries.sql", 0, "unknown-column") in diagnostics(workspace)


def test_fix_diff_shows_the_fixes_and_writes_nothing(workspace: Path) -> None:
    before = snapshot(workspace)
    result = run_cli(workspace, "check", "--fix", "--diff")
    assert result.returncode == 1, result.stderr  # there is something to fix
    assert snapshot(workspace) == before
    assert result.stdout.startswith("--- a/jobs/load.py\n+++ b/jobs/load.py\n@@ ")
    assert (
        '-    cur.execute("SELECT totl FROM orders")\n+    cur.execute("SELECT total FROM orders")\n' in result.stdout
    )
    assert "--- a/queries.sql\n+++ b/queries.sql\n" in result.stdout
    assert result.stderr == "domain-lsp: would fix 5 findings in 2 files\n"


def test_the_diff_applies_to_what_fix_writes(workspace: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(workspace, copy)
    patch = run_cli(workspace, "check", "--fix", "--diff").stdout
    applied = subprocess.run(
        ["git", "apply", "--unsafe-paths", "-"], cwd=copy, input=patch, text=True, capture_output=True, timeout=TIMEOUT
    )
    assert applied.returncode == 0, applied.stderr
    assert run_cli(workspace, "check", "--fix").returncode == 1
    assert snapshot(copy) == snapshot(workspace)


def test_once_fixed_there_is_nothing_left_to_fix(workspace: Path) -> None:
    run_cli(workspace, "check", "--fix")
    again = run_cli(workspace, "check", "--fix", "--diff")
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "domain-lsp: nothing to fix\n")


def test_fix_keeps_byte_order_mark_line_ends_and_mode(workspace: Path) -> None:
    bom = workspace / "bom.sql"
    bom.write_bytes(b"\xef\xbb\xbfSELECT totl\r\nFROM orders;\r\n")
    bom.chmod(0o640)
    assert run_cli(workspace, "check", "--fix", "bom.sql").returncode == 0
    assert bom.read_bytes() == b"\xef\xbb\xbfSELECT total\r\nFROM orders;\r\n"
    assert bom.stat().st_mode & 0o777 == 0o640
    assert not [p for p in workspace.iterdir() if p.name.endswith(".tmp")]


def test_a_file_with_invalid_utf8_is_never_rewritten(workspace: Path) -> None:
    broken = workspace / "broken.sql"
    broken.write_bytes(b"SELECT totl FROM orders; -- \xff\n")
    result = run_cli(workspace, "check", "--fix", "broken.sql")
    assert result.returncode == 1
    assert broken.read_bytes() == b"SELECT totl FROM orders; -- \xff\n"
    assert result.stderr == "domain-lsp: nothing to fix\n"


def test_fix_with_exit_zero_and_json(workspace: Path) -> None:
    result = run_cli(workspace, "check", "--fix", "--exit-zero", "--format", "json")
    assert result.returncode == 0
    assert len(json.loads(result.stdout)["diagnostics"]) == 3


def test_fix_from_stdin_prints_the_fixed_text(workspace: Path) -> None:
    result = run_cli(workspace, "check", "-", "--fix", stdin="SELECT totl FROM orders;\n")
    assert (result.returncode, result.stdout) == (0, "SELECT total FROM orders;\n")
    assert result.stderr == "domain-lsp: fixed 1 finding in 1 file; 0 errors, 0 warnings remain\n"
    left = run_cli(workspace, "check", "-", "--fix", stdin="SELECT amount FROM readings;\n")
    assert (left.returncode, left.stdout) == (1, "SELECT amount FROM readings;\n")


def test_fix_diff_from_stdin(workspace: Path) -> None:
    result = run_cli(
        workspace, "check", "-", "--stdin-filename", "q.sql", "--fix", "--diff", stdin="SELECT totl FROM orders;"
    )
    assert result.returncode == 1
    assert result.stdout == (
        "--- a/q.sql\n+++ b/q.sql\n@@ -1 +1 @@\n-SELECT totl FROM orders;\n\\ No newline at end of file\n"
        "+SELECT total FROM orders;\n\\ No newline at end of file\n"
    )
    assert not (workspace / "q.sql").exists()


def test_a_bare_diff_needs_fix(workspace: Path) -> None:
    result = run_cli(workspace, "check", "--diff")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("domain-lsp: error: --diff needs a git revision (REF)")


def test_the_example_warehouse_round_trip(tmp_path: Path) -> None:
    root = tmp_path / "warehouse"
    shutil.copytree(EXAMPLE, root)
    before = diagnostics(root)
    result = run_cli(root, "check", "--fix")
    assert result.returncode == 1, result.stderr  # the example's other mistakes have no sure fix
    report = (root / "reports" / "ai_churn_report.sql").read_text()
    assert "coalesce(o.total_amount, 0)" in report and "FROM customer c" in report
    assert "c.customer_name" in report  # a single suggestion that is another name is left alone
    after = diagnostics(root)
    assert ("reports/ai_churn_report.sql", 4, "unknown-function") in before
    assert ("reports/ai_churn_report.sql", 4, "unknown-function") not in after
    again = run_cli(root, "check", "--fix", "--diff")
    assert (again.returncode, again.stdout) == (0, "")


# -- overlapping fixes (the analysis reports one finding per token, so built here) --------------


def _finding(start: int, end: int, new_text: str, code: str = "unknown-column") -> Finding:
    return Finding(code, "m", start, end, fixes=(Fix("t", start, end, new_text),))


def test_overlapping_fixes_keep_the_first_in_position_order() -> None:
    text = "SELECT totl FROM ordrs"
    checked = CheckedFile(
        Path("q.sql"),
        LineIndex(text),
        [_finding(9, 11, "TL"), _finding(7, 11, "total"), _finding(17, 22, "orders"), _finding(17, 22, "orders")],
    )
    plan = plan_file(checked)
    assert plan.text == "SELECT total FROM orders"
    assert [(f.start, f.end) for f in plan.skipped] == [(9, 11)]  # (7, 11) starts first; (9, 11) overlaps it
    assert len(plan.fixed) == 3  # the same edit twice is one edit fixing two findings
    # Whatever order the findings come in, the same plan.
    shuffled = CheckedFile(checked.path, checked.lines, list(reversed(checked.findings)))
    assert plan_file(shuffled).text == plan.text


def test_a_path_after_a_bare_diff_is_read_as_a_revision_and_said_so(workspace: Path) -> None:
    before = snapshot(workspace)
    result = run_cli(workspace, "check", "--fix", "--diff", "queries.sql")
    assert (result.returncode, result.stdout) == (2, "")
    assert "`--diff queries.sql` reads it as a git revision: put the paths before a bare --diff" in result.stderr
    assert snapshot(workspace) == before
