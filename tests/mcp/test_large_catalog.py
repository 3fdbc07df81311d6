"""A 100,000-table catalog (its timings are bench/mcp_bench.py's): answers stay bounded and right."""

from __future__ import annotations

import json
from pathlib import Path

from tests.mcp.mcp_client import mcp_session

TABLES = 100_000
SCHEMAS = ("sales", "core", "ops", "finance")
WORDS = ("orders", "customers", "invoices", "payments", "events")
COLUMNS = {"id": "bigint", "customer_id": "bigint", "created_at": "timestamp", "status": "text", "amount": "numeric"}


def write_catalog(root: Path) -> None:
    """One mapping file per schema, as bench/corpus.py writes them."""
    mapping: dict[str, dict[str, dict[str, str]]] = {schema: {} for schema in SCHEMAS}
    for i in range(TABLES):
        mapping[SCHEMAS[i % len(SCHEMAS)]][f"{WORDS[i % len(WORDS)]}_{i:06d}"] = COLUMNS
    (root / "catalog").mkdir(parents=True)
    for schema, tables in mapping.items():
        (root / "catalog" / f"{schema}.json").write_text(json.dumps({schema: tables}), encoding="utf-8")
    (root / "domain-lsp.toml").write_text(
        '[sql]\ndialect = "postgres"\nschemas = ["catalog/*.json"]\nsearch_path = ["sales", "core"]\n', encoding="utf-8"
    )


async def test_a_large_catalog_is_searched_described_and_checked_within_limits(tmp_path: Path) -> None:
    write_catalog(tmp_path)
    async with mcp_session(tmp_path, "--no-probe") as (session, _):
        default = await session.call("search_catalog", query="invoices")
        wide = await session.call("search_catalog", query="payments created", limit=50)
        exact = await session.call("search_catalog", query="orders_099995", kind="table")
        described = await session.call("describe_table", name="core.customers_000001")
        checked = await session.call("check_sql", sql="select amount, created_date from sales.orders_000000")
        read = await session.client.read_resource("domain-lsp://catalog/summary")
    assert len(default["results"]) == 20 and default["truncated"] is True and default["total"] > 20
    assert len(wide["results"]) == 50 and wide["truncated"] is True
    assert exact["results"][0]["name"] == "finance.orders_099995"
    assert [c["name"] for c in described["columns"]] == list(COLUMNS)
    (finding,) = checked["findings"]
    assert finding["code"] == "unknown-column" and "created_at" in finding["message"]
    assert json.loads(read.contents[0].text)["tables"] == TABLES
