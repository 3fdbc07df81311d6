"""Every tool of `domain-lsp mcp` on the bundled example warehouse, through the SDK's stdio client."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError

from tests.conftest import EXAMPLE
from tests.mcp.mcp_client import mcp_session

TOOLS = {"check_sql", "check_python", "search_catalog", "describe_table", "join_path", "check_packages", "describe_api"}


async def answers(calls: list[tuple[str, dict[str, Any]]], *options: str) -> list[dict[str, Any]]:
    async with mcp_session(EXAMPLE, "--no-probe", *options) as (session, _):
        return [await session.call(tool, **arguments) for tool, arguments in calls]


async def test_lists_the_tools_the_resource_and_instructions(tmp_path: Path) -> None:
    errors = tmp_path / "stderr.txt"
    async with mcp_session(EXAMPLE, "--no-probe", errlog=errors) as (session, initialized):
        tools = await session.client.list_tools()
        resources = await session.client.list_resources()
        summary = await session.client.read_resource("domain-lsp://catalog/summary")
    assert {tool.name for tool in tools.tools} == TOOLS
    by_name = {tool.name: tool for tool in tools.tools}
    assert set(by_name["join_path"].input_schema["properties"]) == {"from_table", "to_table"}
    assert set(by_name["search_catalog"].input_schema["properties"]) == {"query", "kind", "limit"}
    assert initialized.instructions is not None and "check_sql" in initialized.instructions
    assert [str(r.uri) for r in resources.resources] == ["domain-lsp://catalog/summary"]
    data = json.loads(summary.contents[0].text)
    assert data["tables"] >= 8 and data["trusted"] is False
    assert errors.read_text(encoding="utf-8") == ""  # stderr quiet: no SDK or HTTP log lines


async def test_check_sql_reports_findings_at_zero_based_ranges_with_the_fix() -> None:
    sql = "select o.order_id\nfrom sales.orders o\nwhere o.order_date > now()"
    (result,) = await answers([("check_sql", {"sql": sql})])
    assert result["path"] == "untitled.sql" and result["dialect"] == "postgres"
    (finding,) = result["findings"]
    assert finding["code"] == "unknown-column" and finding["severity"] == "error"
    assert finding["range"] == {"start": {"line": 2, "character": 8}, "end": {"line": 2, "character": 18}}
    assert "ordered_at" in finding["message"]
    edit = finding["fix"]["edits"][0]
    assert edit["new_text"] == "ordered_at" and edit["range"] == {
        "start": {"line": 2, "character": 8},
        "end": {"line": 2, "character": 18},
    }


async def test_check_sql_clean_text_and_the_same_answer_as_check() -> None:
    text = (EXAMPLE / "reports" / "ai_churn_report.sql").read_text(encoding="utf-8")
    clean, report = await answers(
        [
            ("check_sql", {"sql": "select order_id, ordered_at from sales.orders"}),
            ("check_sql", {"sql": text, "path": "reports/ai_churn_report.sql"}),
        ]
    )
    assert clean == {"path": "untitled.sql", "dialect": "postgres", "findings": [], "clean": True}
    out = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", "--no-trust", "--format", "json", "reports/ai_churn_report.sql"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    cli = json.loads(out.stdout)
    theirs = sorted(json.dumps([f["code"], f["range"]]) for f in _cli_findings(cli))
    ours = sorted(json.dumps([f["code"], f["range"]]) for f in report["findings"])
    assert ours and ours == theirs


def _cli_findings(report: Any) -> list[dict[str, Any]]:
    return list(report["diagnostics"])


async def test_check_sql_dialect_argument_changes_the_parser() -> None:
    sql = "select order_id from sales.orders where status = `x`"
    postgres, mysql = await answers([("check_sql", {"sql": sql}), ("check_sql", {"sql": sql, "dialect": "MySQL"})])
    assert mysql["dialect"] == "mysql"
    assert any(f["code"] == "syntax-error" for f in postgres["findings"]) or postgres != mysql


async def test_check_python_denied_and_invented_imports_and_embedded_sql() -> None:
    code = 'import requests\nimport numpyy\n\n\ndef run(cur):\n    cur.execute("select order_date from sales.orders")\n'
    (result,) = await answers([("check_python", {"code": code, "path": "pipelines/draft.py"})])
    by_code = {f["code"]: f for f in result["findings"]}
    assert by_code["denied-package"]["fix"]["edits"][0]["new_text"] == "httpx"
    assert by_code["unknown-package"]["range"]["start"] == {"line": 1, "character": 7}
    assert by_code["unknown-column"]["range"]["start"] == {"line": 5, "character": 24}


async def test_search_catalog_finds_near_misses_ranked_and_bounded() -> None:
    words, limited, views = await answers(
        [
            ("search_catalog", {"query": "order date"}),
            ("search_catalog", {"query": "order", "limit": 2}),
            ("search_catalog", {"query": "revenue", "kind": "view"}),
        ]
    )
    assert words["results"][0]["name"] == "sales.orders.ordered_at"
    assert words["results"][0]["type"] == "TIMESTAMPTZ" and "placed" in words["results"][0]["description"]
    assert len(limited["results"]) == 2 and limited["truncated"] is True and limited["total"] > 2
    assert "limit" in limited["note"]
    assert [r["name"] for r in views["results"]] == ["sales.order_revenue"]


async def test_describe_table_columns_keys_and_definition() -> None:
    (orders,) = await answers([("describe_table", {"name": "orders"})])
    assert orders["name"] == "sales.orders" and orders["primary_key"] == ["order_id"]
    columns = {c["name"]: c for c in orders["columns"]}
    assert columns["order_id"]["primary_key"] is True and columns["order_id"]["nullable"] is False
    assert columns["customer_id"]["references"] == [{"table": "core.customer", "column": "customer_id"}]
    assert columns["channel"]["nullable"] is True
    assert {"columns": ["customer_id"], "references": "core.customer"}.items() <= orders["foreign_keys"][0].items()
    assert orders["defined_at"] == {"path": "schema/02_sales.sql", "line": 3, "character": 19}


async def test_join_path_direct_through_an_intermediate_and_none() -> None:
    direct, through, none = await answers(
        [
            ("join_path", {"from_table": "sales.orders", "to_table": "core.customer"}),
            ("join_path", {"from_table": "order_line", "to_table": "customer"}),
            ("join_path", {"from_table": "sales.orders", "to_table": "sales.order_revenue"}),
        ]
    )
    assert direct["joins"] == [
        {
            "join": "core.customer",
            "on": "sales.orders.customer_id = core.customer.customer_id",
            "sql": "JOIN core.customer ON sales.orders.customer_id = core.customer.customer_id",
        }
    ]
    assert [j["join"] for j in through["joins"]] == ["sales.orders", "core.customer"]
    assert none["found"] is False and none["joins"] == [] and "no declared" in none["note"]


async def test_check_packages_each_status() -> None:
    (result,) = await answers([("check_packages", {"names": ["requests", "httpx", "numpyy", "os"]})])
    status = {p["name"]: p for p in result["packages"]}
    assert status["requests"]["status"] == "denied" and status["requests"]["replacement"] == "httpx"
    assert status["httpx"]["status"] == "declared" and status["httpx"]["installed"]["version"]
    assert status["numpyy"]["status"] == "unknown"
    assert status["os"]["status"] == "stdlib"


async def test_describe_api_signature_and_closest_names() -> None:
    real, invented, module = await answers(
        [
            ("describe_api", {"module": "httpx", "name": "get"}),
            ("describe_api", {"module": "httpx", "name": "gett"}),
            ("describe_api", {"module": "httpxx"}),
        ]
    )
    assert real["name_exists"] is True and real["signatures"][0].startswith("def get(url")
    assert real["version"].startswith("httpx ")
    assert invented["name_exists"] is False and "get" in invented["closest"]
    assert module["exists"] is False and "httpx" in module["closest"]


@pytest.mark.parametrize(
    ("tool", "arguments", "argument"),
    [
        ("check_sql", {}, "sql"),
        ("check_sql", {"sql": 3}, "sql"),
        ("check_sql", {"sql": "select 1", "dialect": "cobol"}, "dialect"),
        ("check_sql", {"sql": "select 1", "path": "x.py"}, "path"),
        ("check_python", {"code": None}, "code"),
        ("search_catalog", {"query": "order", "limit": 0}, "limit"),
        ("search_catalog", {"query": "order", "limit": "5"}, "limit"),
        ("search_catalog", {"query": "order", "kind": "index"}, "kind"),
        ("search_catalog", {"query": "  "}, "query"),
        ("search_catalog", {"query": "order", "colour": 1}, "colour"),
        ("describe_table", {"name": "sales.orderz"}, "name"),
        ("join_path", {"from_table": "orders", "to_table": "nowhere"}, "to_table"),
        ("check_packages", {"names": []}, "names"),
        ("check_packages", {"names": ["ok", 4]}, "names"),
        ("describe_api", {"module": "not a module"}, "module"),
    ],
)
async def test_bad_arguments_are_mcp_errors_naming_the_argument(
    tool: str, arguments: dict[str, Any], argument: str
) -> None:
    async with mcp_session(EXAMPLE, "--no-probe") as (session, _):
        with pytest.raises(MCPError) as raised:
            await session.client.call_tool(tool, arguments)
        # The session goes on after an error.
        still = await session.call("search_catalog", query="orders", limit=1)
    assert f"`{argument}`" in raised.value.message
    assert still["results"]


async def test_unknown_table_suggests_the_closest() -> None:
    async with mcp_session(EXAMPLE, "--no-probe") as (session, _):
        with pytest.raises(MCPError) as raised:
            await session.call("describe_table", name="sales.orderz")
    assert "sales.orders" in raised.value.message
