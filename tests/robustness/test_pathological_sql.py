"""Pathological SQL (deep nesting, very long chains) is checked as thoroughly as ordinary SQL,
and in time linear in its size; past the resolver's documented limits (MAX_NESTED_QUERIES,
MAX_CTES, parse.MAX_NESTING) it gets one `analysis-limit` saying what was not checked, and the rest
of the file is still checked.

Each of these used to be quadratic or worse, or to crash the check with RecursionError (issue 8):
a WHERE of 20,000 ANDs took 44 s of CPU, 5,000 nested subqueries 54 s. The sizes here are
smaller, to keep the module to a few seconds; a timeout only guards against a hang.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_driver import Driver
from lsprotocol import types

from domain_lsp.analysis.sql import resolve
from domain_lsp.analysis.sql.document import analyze_sql
from domain_lsp.analysis.sql.resolve import MAX_NESTED_QUERIES
from domain_lsp.catalog.model import Catalog
from domain_lsp.catalog.sources.ddl import load_ddl
from domain_lsp.config import SqlSettings
from domain_lsp.findings import Finding

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"
HANG_GUARD = 120  # seconds: a hang guard, not a timing assert
SETTINGS = SqlSettings(dialect="postgres", search_path=("sales", "core"))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    catalog = Catalog()
    for path in sorted((EXAMPLE / "schema").glob("*.sql")):
        problems, retries = load_ddl(path, path.read_text(), catalog, "postgres", ("sales", "core"))
        assert not problems, problems
        for retry in retries:
            retry()
    return catalog


def findings(text: str, catalog: Catalog, settings: SqlSettings = SETTINGS) -> list[tuple[str, str]]:
    """(code, the text each finding covers)."""
    return [(f.code, text[f.start : f.end]) for f in analyze_sql(text, catalog, settings).findings]


def only(text: str, catalog: Catalog) -> Finding:
    (finding,) = analyze_sql(text, catalog, SETTINGS).findings
    return finding


# -- the shapes of issue 8, with a mistake deep inside ---------------------------------------------


def test_a_mistake_after_3000_ands_is_found(catalog: Catalog) -> None:
    text = "SELECT order_id FROM sales.orders WHERE " + " AND ".join(f"status = '{i}'" for i in range(3000))
    text += " AND statuss = 'x'"
    finding = only(text, catalog)
    assert (finding.code, finding.start) == ("unknown-column", text.rindex("statuss"))


def test_a_mistake_in_a_having_of_2000_ands_is_found(catalog: Catalog) -> None:
    terms = [f"count(order_id) > {i}" for i in range(2000)]
    terms[1000] = "max(nope) > 1"
    text = "SELECT status AS s FROM sales.orders GROUP BY status HAVING " + " AND ".join(terms) + " AND s <> ''"
    finding = only(text, catalog)
    assert (finding.code, finding.start) == ("unknown-column", text.index("nope"))


def test_a_mistake_in_the_middle_of_500_union_branches_is_found(catalog: Catalog) -> None:
    branches = ["SELECT order_id FROM sales.orders"] * 500
    branches[250] = "SELECT order_idd FROM sales.orders"
    text = " UNION ALL ".join(branches)
    finding = only(text, catalog)
    assert (finding.code, finding.start) == ("unknown-column", text.index("order_idd"))


def test_a_mistake_at_the_bottom_of_500_nested_subqueries_is_found(catalog: Catalog) -> None:
    inner = "SELECT o.order_id FROM sales.orders AS o WHERE o.statuss = 'x'"
    text = "SELECT * FROM (" * 500 + inner + "".join(f") AS t{i}" for i in range(499, -1, -1))
    finding = only(text, catalog)
    assert (finding.code, finding.start) == ("unknown-column", text.index("statuss"))


@pytest.mark.parametrize(
    "query",
    [
        # Outputs read through 400 levels of `SELECT *` (it used to raise RecursionError)
        "SELECT statuss FROM " + "(SELECT * FROM " * 400 + "sales.orders" + ") AS t" * 400,
        # ... through a UNION of 1,000 branches
        "SELECT statuss FROM (" + " UNION ALL ".join(["SELECT status FROM sales.orders"] * 1000) + ") AS u",
        # ... and through a chain of 400 CTEs
        "WITH c0 AS (SELECT * FROM sales.orders), "
        + ", ".join(f"c{i} AS (SELECT * FROM c{i - 1})" for i in range(1, 400))
        + " SELECT statuss FROM c399",
    ],
    ids=["star-chain", "union", "cte-chain"],
)
def test_a_mistake_read_through_a_deep_chain_is_found(query: str, catalog: Catalog) -> None:
    finding = only(query, catalog)
    assert (finding.code, finding.start) == ("unknown-column", query.index("statuss"))
    assert "`status`" in finding.message  # the outputs of the chain are known: a suggestion


def test_1000_joins_and_a_long_using_chain_are_checked(catalog: Catalog) -> None:
    joins = " ".join(f"JOIN sales.orders o{i} ON o{i}.order_id = o{i - 1}.order_id" for i in range(1, 1000))
    text = f"SELECT o0.order_id FROM sales.orders o0 {joins} WHERE o500.statuss = 'x';\n"
    using = " ".join(f"JOIN sales.orders u{i} USING (order_id)" for i in range(1, 500))
    text += f"SELECT 1 FROM sales.orders u0 {using} JOIN sales.refund USING (refund_id)"
    assert findings(text, catalog) == [("unknown-column", "statuss"), ("unknown-column", "refund_id")]


def test_a_case_of_1000_whens_and_an_in_list_of_10000_literals_are_checked(catalog: Catalog) -> None:
    case = " ".join(f"WHEN status = '{i}' THEN {i}" for i in range(1000))
    text = f"SELECT CASE {case} ELSE nope END FROM sales.orders;\n"
    text += "SELECT 1 FROM sales.orders WHERE order_id IN (" + ", ".join(map(str, range(10_000))) + ") AND nope2 = 1"
    assert findings(text, catalog) == [("unknown-column", "nope"), ("unknown-column", "nope2")]


def test_lambda_variables_in_a_where_of_500_ands_are_not_columns(catalog: Catalog) -> None:
    terms = [f"list_contains(list_transform([status], x -> x || '{i}'), status)" for i in range(500)]
    text = "SELECT order_id FROM sales.orders WHERE " + " AND ".join(terms) + " AND x = 1"
    duckdb = SqlSettings(dialect="duckdb", search_path=("sales", "core"))
    assert findings(text, catalog, duckdb) == [("unknown-column", "x")]  # only the x outside any lambda


# -- past the limits: said, not silently skipped ---------------------------------------------------


def nested(depth: int) -> str:
    return "SELECT * FROM (" * (depth - 1) + "SELECT o.nope FROM sales.orders AS o" + ") AS t" * (depth - 1)


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits lowered, so that the boundary is cheap to reach."""
    monkeypatch.setattr(resolve, "MAX_NESTED_QUERIES", 40)
    monkeypatch.setattr(resolve, "MAX_CTES", 40)


@pytest.mark.usefixtures("small_limits")
def test_nested_queries_up_to_the_limit_are_checked(catalog: Catalog) -> None:
    assert findings(nested(40), catalog) == [("unknown-column", "nope")]


@pytest.mark.usefixtures("small_limits")
def test_one_more_nested_query_is_reported_as_too_complex(catalog: Catalog) -> None:
    text = nested(41) + ";\nSELECT statuss FROM sales.orders;\n"
    got = analyze_sql(text, catalog, SETTINGS).findings
    assert [f.code for f in got] == ["analysis-limit", "unknown-column"]  # the next statement is checked
    too_complex, mistake = got
    assert "statement too complex to check: 41 nested queries (limit 40)" in too_complex.message
    assert "not checked" in too_complex.message
    assert text[too_complex.start : too_complex.end] == "SELECT"  # on the statement's first word
    assert text[mistake.start : mistake.end] == "statuss"


@pytest.mark.usefixtures("small_limits")
def test_more_ctes_than_the_limit_are_reported_as_too_complex(catalog: Catalog) -> None:
    ctes = ", ".join(f"c{i} AS (SELECT order_id FROM sales.orders)" for i in range(40))
    assert findings(f"WITH {ctes} SELECT nope FROM c0", catalog) == [("unknown-column", "nope")]
    text = f"WITH {ctes}, c40 AS (SELECT 1) SELECT nope FROM c0"
    finding = only(text, catalog)
    assert finding.code == "analysis-limit"
    assert "41 CTEs (limit 40)" in finding.message


# -- through the CLI -------------------------------------------------------------------------------


def test_the_cli_checks_pathological_files_and_names_what_it_skips(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copytree(EXAMPLE / "schema", root / "schema")
    shutil.copy(EXAMPLE / "domain-lsp.toml", root / "domain-lsp.toml")
    ands = " AND ".join(f"status = '{i}'" for i in range(5000))
    (root / "ands.sql").write_text(f"SELECT order_id\nFROM sales.orders\nWHERE {ands}\n  AND statuss = 'x';\n")
    branches = "\nUNION ALL\n".join(
        ["SELECT order_id FROM sales.orders"] * 999 + ["SELECT order_idd FROM sales.orders"]
    )
    (root / "union.sql").write_text(branches + ";\n")
    (root / "deep.sql").write_text(nested(MAX_NESTED_QUERIES + 1) + ";\nSELECT nope2 FROM sales.orders;\n")
    # sqlglot's compiled parser overflows the C stack (killing the process) near 7,500 levels
    (root / "deeper.sql").write_text(nested(8_000) + ";\nSELECT nope3 FROM sales.orders;\n")
    result = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()

    def line_with(*parts: str) -> str:
        found = [line for line in lines if all(p in line for p in parts)]
        assert found, f"no line with {parts}:\n{result.stdout[:3000]}"
        return found[0]

    assert line_with("ands.sql:4:7:", "unknown-column", "statuss")
    assert line_with("union.sql:1999:8:", "unknown-column", "order_idd")
    # Parentheses stop at MAX_NESTING (500) now, before the resolver's 1,000 nested queries
    assert line_with("deep.sql:1:1:", "warning[analysis-limit]", "statement too complex to check", "1,000 deep")
    assert line_with("deep.sql:2:8:", "unknown-column", "nope2")
    assert line_with("deeper.sql:1:1:", "warning[analysis-limit]", "statement too complex to check", "7,999 deep")
    assert line_with("deeper.sql:2:8:", "unknown-column", "nope3")
    assert "Traceback" not in result.stderr


# -- issue 21: no statement exhausts the stack, through the real CLI and server --------------------

CASTS = "SELECT order_id" + "::text" * 50_000 + " FROM sales.orders"  # 300 KB: it killed `check`
DEEP_VIEW = "CREATE VIEW sales.deep AS SELECT order_id" + "::text" * 50_000 + " AS id FROM sales.orders;\n"


@pytest.fixture
def deep_workspace(tmp_path: Path) -> Path:
    """The example warehouse with a 300 KB cast chain in a query file and in a committed view."""
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copytree(EXAMPLE / "schema", root / "schema")
    shutil.copy(EXAMPLE / "domain-lsp.toml", root / "domain-lsp.toml")
    (root / "schema" / "04_deep.sql").write_text(DEEP_VIEW)
    (root / "casts.sql").write_text(CASTS + ";\nSELECT nope2 FROM sales.orders;\n")
    (root / "good.sql").write_text("SELECT nope3 FROM sales.orders;\n")
    return root


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "domain_lsp", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
        stdin=subprocess.DEVNULL,
    )


def test_check_reports_a_300_kb_cast_chain_and_checks_the_next_statement(deep_workspace: Path) -> None:
    result = run_cli(deep_workspace, "check", "--no-probe", "casts.sql")
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])  # not 139
    lines = result.stdout.splitlines()
    limits = [line for line in lines if "analysis-limit" in line]
    assert len(limits) == 1 and limits[0].startswith("casts.sql:1:1: warning[analysis-limit]"), result.stdout
    assert "expressions 50,002 deep (limit 2,000)" in limits[0]  # the casts, the column, its name
    assert any(line.startswith("casts.sql:2:8:") and "nope2" in line for line in lines), result.stdout


def test_a_committed_deep_view_neither_crashes_check_nor_catalog(deep_workspace: Path) -> None:
    # Loading the catalog reads the view: before, any file checked with it crashed the process.
    checked = run_cli(deep_workspace, "check", "--no-probe", "good.sql")
    assert checked.returncode == 1, (checked.returncode, checked.stderr[-2000:])
    assert "good.sql:1:8:" in checked.stdout and "nope3" in checked.stdout
    assert "Traceback" not in checked.stderr
    catalog = run_cli(deep_workspace, "catalog", "--no-probe")
    assert catalog.returncode in (0, 1), (catalog.returncode, catalog.stderr[-2000:])
    assert "04_deep.sql" in catalog.stdout and "too complex" in catalog.stdout, catalog.stdout
    assert "Traceback" not in catalog.stderr


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
def test_the_server_survives_a_300_kb_cast_chain_opened_and_checked_as_a_snippet(
    deep_workspace: Path, trusted: bool
) -> None:
    driver = Driver(deep_workspace, "neovim", initialization_options={"trusted": trusted})
    driver.start()
    try:
        # The catalog (with the deep view) loads in a worker thread as the first file opens.
        ok = (deep_workspace / "good.sql").as_uri()
        driver.open(ok, "SELECT nope3 FROM sales.orders;\n", "sql")
        assert [d.code for d in driver.pull(ok)] == ["unknown-column"]
        deep = (deep_workspace / "casts.sql").as_uri()
        text = CASTS + ";\nSELECT nope2 FROM sales.orders;\n"
        driver.open(deep, text, "sql")
        found = driver.pull(deep)
        assert [(d.code, d.range.start.line) for d in found] == [("analysis-limit", 0), ("unknown-column", 1)]
        assert (found[0].range.start.character, found[0].range.end.character) == (0, 6)  # SELECT
        snippet = driver.request(
            "domainLsp/checkSnippet",
            {"textDocument": {"uri": ok}, "position": {"line": 0, "character": 0}, "text": CASTS + ";\n"},
        )
        assert [d.code for d in snippet.diagnostics] == ["analysis-limit"]
        hover = driver.request(
            types.TEXT_DOCUMENT_HOVER,
            types.HoverParams(types.TextDocumentIdentifier(ok), types.Position(0, 26)),  # on `orders`
        )
        assert hover is not None and "orders" in str(hover.contents)
        assert driver.alive()
    finally:
        driver.stop()
