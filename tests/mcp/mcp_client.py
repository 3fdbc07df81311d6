"""`domain-lsp mcp` as a real subprocess, driven by the MCP SDK's own stdio client."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

HANG_GUARD_SECONDS = 120


class Session:
    def __init__(self, client: ClientSession) -> None:
        self.client = client

    async def call(self, tool: str, **arguments: Any) -> dict[str, Any]:
        """The tool's JSON answer; an MCP error raises mcp.shared.exceptions.MCPError."""
        with anyio.fail_after(HANG_GUARD_SECONDS):
            result = await self.client.call_tool(tool, arguments)
        assert not result.is_error, result
        return json.loads(result.content[0].text)


@asynccontextmanager
async def mcp_session(
    root: Path, *options: str, env: dict[str, str] | None = None, errlog: Any = None
) -> AsyncIterator[tuple[Session, Any]]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "domain_lsp", "mcp", "--root", str(root), *options],
        cwd=str(root),
        # The SDK passes only a few variables on; the tests' private catalog cache is one more.
        env={"CI": "", "DOMAIN_LSP_CACHE_DIR": os.environ["DOMAIN_LSP_CACHE_DIR"], **(env or {})},
    )
    with open(errlog or Path("/dev/null"), "w", encoding="utf-8") as stderr:
        async with stdio_client(params, errlog=stderr) as (read, write), ClientSession(read, write) as client:
            with anyio.fail_after(HANG_GUARD_SECONDS):
                initialized = await client.initialize()
            yield Session(client), initialized
