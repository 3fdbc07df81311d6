"""The MCP server while the catalog changes: a schema edit mid-session, a live source going down."""

from __future__ import annotations

import json
import shutil
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.shared.exceptions import MCPError

from tests.conftest import EXAMPLE
from tests.fixtures.loopback import serving
from tests.mcp.mcp_client import HANG_GUARD_SECONDS, Session, mcp_session

POLL_SECONDS = 0.3


async def until(session: Session, done: Any, tool: str, **arguments: Any) -> dict[str, Any]:
    """Calls `tool` until `done(answer)`; the server reloads in the background, so each call answers at once."""
    with anyio.fail_after(HANG_GUARD_SECONDS):
        while True:
            try:
                answer = await session.call(tool, **arguments)
            except MCPError:
                answer = {}
            if done(answer):
                return answer
            await anyio.sleep(POLL_SECONDS)


async def test_a_schema_edited_mid_session_is_answered_after_the_reload(tmp_path: Path) -> None:
    root = tmp_path / "warehouse"
    shutil.copytree(EXAMPLE, root)
    async with mcp_session(root, "--no-probe") as (session, _):
        with pytest.raises(MCPError):
            await session.call("describe_table", name="sales.shipment")
        schema = root / "schema" / "02_sales.sql"
        schema.write_text(
            schema.read_text(encoding="utf-8")
            + "\nCREATE TABLE sales.shipment (shipment_id bigint PRIMARY KEY, order_id bigint REFERENCES sales.orders);\n",
            encoding="utf-8",
        )
        described = await until(session, lambda a: bool(a), "describe_table", name="sales.shipment")
        path = await session.call("join_path", from_table="shipment", to_table="customer")
    assert described["primary_key"] == ["shipment_id"]
    assert [j["join"] for j in path["joins"]] == ["sales.orders", "core.customer"]


class Catalog(BaseHTTPRequestHandler):
    up = True

    def do_GET(self) -> None:
        if not Catalog.up:
            self.send_response(503)
            self.end_headers()
            return
        body = json.dumps({"crm": {"contacts": {"contact_id": "bigint", "email": "text"}}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


async def test_an_unreachable_live_source_is_answered_from_the_last_good_copy(tmp_path: Path) -> None:
    root = tmp_path / "live"
    root.mkdir()
    Catalog.up = True
    with serving(Catalog) as port:
        (root / "domain-lsp.toml").write_text(
            '[sql]\ndialect = "postgres"\n\n[[sql.sources]]\nkind = "http"\n'
            f'url = "http://127.0.0.1:{port}/catalog.json"\ntimeout = 2\nrefresh_interval = 1\n',
            encoding="utf-8",
        )
        # --trust: the user's word that this workspace may name a host (docs/security.md).
        async with mcp_session(root, "--trust") as (session, _):
            first = await session.call("search_catalog", query="contact email")
            Catalog.up = False
            summary = {}
            with anyio.fail_after(HANG_GUARD_SECONDS):
                while not summary.get("sources", [{}])[0].get("failed"):
                    await session.call("describe_table", name="crm.contacts")  # lets it notice the source is due
                    read = await session.client.read_resource("domain-lsp://catalog/summary")
                    summary = json.loads(read.contents[0].text)
                    await anyio.sleep(POLL_SECONDS)
            after = await session.call("describe_table", name="crm.contacts")
            clean = await session.call("check_sql", sql="select email from crm.contacts")
        # A new session with the source still down starts from the on-disk copy.
        async with mcp_session(root, "--trust") as (session, _):
            offline = await session.call("check_sql", sql="select email from crm.contacts")
    assert first["results"][0]["name"] == "crm.contacts.email"
    assert [c["name"] for c in after["columns"]] == ["contact_id", "email"]
    assert clean["clean"] is True and offline["clean"] is True
