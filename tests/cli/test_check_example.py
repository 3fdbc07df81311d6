"""`domain-lsp check` as a process on the bundled example warehouse."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run_check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_example_reports_the_assistant_mistakes_at_their_tokens(example_workspace: Path) -> None:
    result = run_check(example_workspace, "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["version"] == 1
    found = {
        (d["path"], d["range"]["start"]["line"], d["range"]["start"]["character"], d["code"])
        for d in report["diagnostics"]
    }
    path = "reports/ai_churn_report.sql"
    assert (path, 3, 9, "unknown-column") in found  # o.order_date
    assert (path, 4, 7, "unknown-function") in found  # NVL
    assert (path, 5, 5, "unknown-table") in found  # customers
    assert (path, 7, 21, "unknown-function") in found  # DATEADD
    assert (path, 15, 7, "ambiguous-column") in found  # customer_id
    assert ("pipelines/churn_export.py", 24, 30, "unknown-column") in found  # SQL in a Python string
    crm = "pipelines/crm_sync.py"
    assert (crm, 3, 7, "denied-package") in found  # requests
    assert (crm, 4, 5, "unknown-package") in found  # crm_bulk_sync: hallucinated
    assert (crm, 10, 10, "unknown-attribute") in found  # httpx.post_json
    # The correct queries, the schema, the correct Python string and declared imports get nothing.
    assert {d["path"] for d in report["diagnostics"]} == {path, "pipelines/churn_export.py", crm}
    assert {d["code"] for d in report["diagnostics"] if d["path"] == "pipelines/churn_export.py"} == {"unknown-column"}


def test_text_output_shows_location_code_and_marker(example_workspace: Path) -> None:
    result = run_check(example_workspace, "reports")
    assert result.returncode == 1
    assert "reports/ai_churn_report.sql:4:10: error[unknown-column] column `order_date` does not exist" in result.stdout
    assert "             ^^^^^^^^^^" in result.stdout


def test_correct_files_exit_zero(example_workspace: Path) -> None:
    result = run_check(example_workspace, "queries", "schema")
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("0 errors, 0 warnings in 5 files checked")
