"""`check --write-baseline` and `--baseline`: old findings recorded once, only new ones reported,
whatever moved or was reformatted since."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.process import TIMEOUT, run_cli, write

SCHEMA = "CREATE TABLE orders (id int, total numeric, status text);\n"
REPORT = "SELECT o.order_date, NVL(o.total, 0) FROM orders o WHERE o.stat = 'x';\n"
MOVED_AND_REFORMATTED = (
    "".join(f"-- line {i} added above\n" for i in range(25))
    + "SELECT id FROM orders;\n" * 25
    + "select\n    o.order_date,\n    nvl( o.total , 0 )\nfrom orders   o\n  where\n      o.stat = 'x' ;\n"
)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    write(root / "domain-lsp.toml", '[sql]\ndialect = "postgres"\nschemas = ["schema.sql"]\n')
    write(root / "schema.sql", SCHEMA)
    write(root / "reports" / "churn.sql", REPORT)
    write(root / "jobs" / "load.py", 'def load(cur):\n    cur.execute("SELECT totl FROM orders")\n')
    subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=TIMEOUT)
    return root


def codes(result: subprocess.CompletedProcess[str]) -> list[tuple[str, int, str]]:
    return [(d["path"], d["range"]["start"]["line"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]]


def write_baseline(root: Path, name: str = "baseline.json") -> subprocess.CompletedProcess[str]:
    result = run_cli(root, "check", "--write-baseline", name)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_write_baseline_records_every_finding_and_reports_none(workspace: Path) -> None:
    result = write_baseline(workspace)
    assert result.stdout == "0 errors, 0 warnings in 3 files checked\n"
    assert result.stderr == "domain-lsp: wrote 4 findings to baseline.json\n"
    document = json.loads((workspace / "baseline.json").read_text())
    assert document["version"] == 1
    assert list(document["files"]) == ["jobs/load.py", "reports/churn.sql"]
    assert document["files"]["reports/churn.sql"][0] == {
        "code": "unknown-column",
        "text": "order_date",
        "before": "o .",
        "after": ", nvl",
        "count": 1,
    }
    assert "line" not in (workspace / "baseline.json").read_text()


def test_the_baseline_is_the_same_bytes_every_run(workspace: Path) -> None:
    write_baseline(workspace, "one.json")
    write_baseline(workspace, "two.json")
    assert run_cli(workspace, "check", "--write-baseline", "three.json", "--jobs", "2").returncode == 0
    one = (workspace / "one.json").read_bytes()
    assert one == (workspace / "two.json").read_bytes() == (workspace / "three.json").read_bytes()


def test_with_the_baseline_nothing_old_is_reported(workspace: Path) -> None:
    write_baseline(workspace)
    result = run_cli(workspace, "check", "--baseline", "baseline.json")
    assert (result.returncode, result.stdout) == (0, "0 errors, 0 warnings in 3 files checked\n")
    assert result.stderr == "domain-lsp: 4 findings in the baseline not shown\n"


def test_moved_50_lines_down_and_reformatted_still_matches(workspace: Path) -> None:
    write_baseline(workspace)
    report = workspace / "reports" / "churn.sql"
    report.write_text(MOVED_AND_REFORMATTED)
    plain = run_cli(workspace, "check", "--format", "json")
    assert {line for _, line, _ in codes(plain)} >= {51, 52, 55}  # the findings really moved
    result = run_cli(workspace, "check", "--baseline", "baseline.json", "--format", "json")
    assert (result.returncode, codes(result)) == (0, [])


def test_a_new_finding_is_reported_and_an_old_one_is_not(workspace: Path) -> None:
    write_baseline(workspace)
    report = workspace / "reports" / "churn.sql"
    report.write_text("SELECT nope FROM orders;\n" + MOVED_AND_REFORMATTED)
    result = run_cli(workspace, "check", "--baseline", "baseline.json", "--format", "json")
    assert (result.returncode, codes(result)) == (1, [("reports/churn.sql", 0, "unknown-column")])


def test_a_second_copy_of_an_old_mistake_is_new(workspace: Path) -> None:
    write_baseline(workspace)
    (workspace / "reports" / "churn.sql").write_text(REPORT + REPORT)
    result = run_cli(workspace, "check", "--baseline", "baseline.json", "--format", "json")
    assert result.returncode == 1
    assert codes(result) == [
        ("reports/churn.sql", 1, "unknown-column"),
        ("reports/churn.sql", 1, "unknown-function"),
        ("reports/churn.sql", 1, "unknown-column"),
    ]


def test_an_edited_neighbour_still_matches_the_same_mistake(workspace: Path) -> None:
    write_baseline(workspace)
    (workspace / "reports" / "churn.sql").write_text(REPORT.replace("o.", "ord.").replace(" o ", " ord "))
    result = run_cli(workspace, "check", "--baseline", "baseline.json", "--format", "json")
    assert (result.returncode, codes(result)) == (0, [])


def test_the_same_text_in_another_file_is_new(workspace: Path) -> None:
    write_baseline(workspace)
    write(workspace / "reports" / "copy.sql", REPORT)
    result = run_cli(workspace, "check", "--baseline", "baseline.json", "--format", "json")
    assert result.returncode == 1
    assert {path for path, _, _ in codes(result)} == {"reports/copy.sql"}


def test_fixed_findings_are_counted_as_gone(workspace: Path) -> None:
    write_baseline(workspace)
    (workspace / "jobs" / "load.py").write_text('def load(cur):\n    cur.execute("SELECT total FROM orders")\n')
    result = run_cli(workspace, "check", "--baseline", "baseline.json")
    assert result.returncode == 0
    assert result.stderr == (
        "domain-lsp: 3 findings in the baseline not shown; 1 no longer found (--write-baseline to drop them)\n"
    )


def test_paths_are_from_the_repository_top_wherever_it_runs(workspace: Path) -> None:
    write_baseline(workspace)
    (workspace / "reports" / "more.sql").write_text("SELECT nope FROM orders;\n")
    result = run_cli(workspace / "reports", "check", "--baseline", "../baseline.json", "--format", "json")
    assert (result.returncode, codes(result)) == (1, [("more.sql", 0, "unknown-column")])


def test_the_baseline_with_statistics(workspace: Path) -> None:
    write_baseline(workspace)
    (workspace / "reports" / "more.sql").write_text("SELECT nope FROM orders;\n")
    result = run_cli(workspace, "check", "--baseline", "baseline.json", "--statistics")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].split()[:2] == ["unknown-column", "1"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "--baseline: missing.json does not exist; write it with --write-baseline missing.json"),
        ("{not json", "--baseline: missing.json is not a baseline (invalid JSON: "),
        ('{"version": 9, "files": {}}', "--baseline: missing.json is not a version 1 baseline"),
        ('{"version": 1, "files": {"a.sql": [{"code": 1}]}}', "--baseline: missing.json: an entry of `a.sql` lacks"),
    ],
)
def test_a_baseline_that_cannot_be_used_is_a_usage_error(workspace: Path, content: str | None, message: str) -> None:
    if content is not None:
        (workspace / "missing.json").write_text(content)
    result = run_cli(workspace, "check", "--baseline", "missing.json")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"domain-lsp: error: {message}")


def test_baseline_and_write_baseline_exclude_each_other(workspace: Path) -> None:
    result = run_cli(workspace, "check", "--baseline", "a.json", "--write-baseline", "b.json")
    assert (result.returncode, result.stdout) == (2, "")
    assert "not allowed with argument" in result.stderr
