"""unsafe-dml: DELETE and UPDATE without WHERE, in every dialect; the finding on the target table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.rules.cases import SCHEMA, Case, assert_case

DIALECTS = ("postgres", "duckdb", "snowflake", "bigquery", "sqlite", "mysql")
FAULTY = [
    *(Case(d, "DELETE FROM orders", "orders") for d in DIALECTS),
    *(Case(d, "UPDATE customer SET email = NULL", "customer") for d in DIALECTS),
    Case("postgres", "DELETE FROM orders USING customer", "orders"),
    Case("postgres", "UPDATE orders SET total = 0 FROM customer", "orders"),
    Case("postgres", "WITH gone AS (DELETE FROM events RETURNING event_id) SELECT count(*) FROM gone", "events"),
    Case("duckdb", "WITH recent AS (SELECT 1 AS x) DELETE FROM events", "events"),
    Case("snowflake", "UPDATE orders o SET paid = TRUE", "orders"),
]
VALID = [
    *(Case(d, "DELETE FROM orders WHERE order_id = 1", None) for d in DIALECTS),
    *(Case(d, "UPDATE customer SET email = NULL WHERE customer_id = 2", None) for d in DIALECTS),
    *(Case(d, "TRUNCATE TABLE events", None) for d in ("postgres", "duckdb", "snowflake", "bigquery", "mysql")),
    Case("postgres", "DELETE FROM orders o USING customer c WHERE c.customer_id = o.customer_id", None),
    Case("postgres", "DELETE FROM orders WHERE TRUE", None),
    Case("bigquery", "DELETE FROM events WHERE TRUE", None),
    Case("mysql", "DELETE FROM events LIMIT 100", None),
    Case("sqlite", "SELECT * FROM orders", None),
]


@pytest.mark.parametrize("case", FAULTY, ids=[c.id for c in FAULTY])
def test_dml_without_where_is_reported_on_its_table(case: Case) -> None:
    assert_case(case, "unsafe-dml")


@pytest.mark.parametrize("case", VALID, ids=[c.id for c in VALID])
def test_dml_with_where_truncate_or_limit_is_not(case: Case) -> None:
    assert_case(case, "unsafe-dml")


def test_check_reports_it_as_a_warning_that_keeps_exit_code_zero(tmp_path: Path) -> None:
    (tmp_path / "domain-lsp.toml").write_text('[sql]\ndialect = "postgres"\nschemas = ["schema.sql"]\n')
    (tmp_path / "schema.sql").write_text(SCHEMA)
    (tmp_path / "cleanup.sql").write_text("DELETE FROM events;\nDELETE FROM events WHERE event_date < '2020-01-01';\n")
    result = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", "--format", "json", "cleanup.sql"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    diagnostics = json.loads(result.stdout)["diagnostics"]
    assert [(d["code"], d["severity"], d["range"]["start"]) for d in diagnostics] == [
        ("unsafe-dml", "warning", {"line": 0, "character": 12})
    ]
    assert diagnostics[0]["message"] == (
        "DELETE without WHERE deletes every row of `events`; add a WHERE clause, "
        "or use TRUNCATE if emptying the table is meant"
    )
