"""Half-typed SQL on which sqlglot raises errors other than ParseError never escapes analysis."""

from __future__ import annotations

import pytest

from domain_lsp.analysis.sql.document import analyze_sql
from domain_lsp.catalog.model import Catalog
from domain_lsp.config import SqlSettings


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        ("bigquery", "SELECT DATE_ADD(e"),
        ("bigquery", "SELECT FORMAT_DATE('%Y-%m', event_date), REGEXP_EXTRACT(ev"),
        ("snowflake", "SELECT OBJECT_CONSTRUCT('id',"),
        ("duckdb", "SELECT var_map(a) FROM t"),
    ],
)
def test_parser_crashes_become_findings_not_exceptions(dialect: str, sql: str) -> None:
    analysis = analyze_sql(sql + ";\nSELECT 1;", Catalog(), SqlSettings(dialect=dialect))
    assert len(analysis.statements) == 2
    assert all(f.code == "syntax-error" for f in analysis.findings)
