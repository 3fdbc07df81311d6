"""The MCP server on stdio: the registry's tools, the catalog summary resource, the instructions.

Thin on purpose: every answer comes from a tool module reading the workspace's last good
Project. Tools run on a worker thread so one slow check does not hold the protocol.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import sys
import threading
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError

from domain_lsp import __version__
from domain_lsp.catalog.load import missing_globs
from domain_lsp.catalog.summary import summarize
from domain_lsp.mcp import (  # noqa: F401  (each module registers its tool)
    check_packages,
    check_python,
    check_sql,
    describe_api,
    describe_table,
    join_path,
    search_catalog,
)
from domain_lsp.mcp.registry import TOOLS, ArgumentError
from domain_lsp.mcp.state import Workspace

SUMMARY_URI = "domain-lsp://catalog/summary"
INSTRUCTIONS = """\
domain-lsp knows this workspace's database catalog (tables, columns, keys), its SQL dialect and \
conventions, and its Python package policy. Ground what you write in it:
- Before writing SQL, call search_catalog for every table or column you are not sure of, and \
describe_table for the tables you use; join with the conditions join_path gives, never guessed keys.
- After drafting SQL, call check_sql (Python with embedded SQL: check_python) and fix every \
finding before showing the code; apply the suggested fix when one is given.
- Before importing a package or adding a dependency, call check_packages; before calling a \
library function you have not seen in this workspace, call describe_api.
Results are JSON; ranges are 0-based lines and characters; lists stop at `limit` and say when cut.
The catalog summary (sources, counts, dialect) is the resource domain-lsp://catalog/summary.
"""


def quiet_logging() -> None:
    """stderr carries only domain-lsp's own warnings: the SDK and HTTP clients log requests at INFO."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("domain-lsp mcp: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    for noisy in ("mcp", "httpx", "httpcore", "anyio", "uvicorn", "sse_starlette"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def summary_json(workspace: Workspace) -> str:
    loaded = workspace.current.project
    config = loaded.config
    summary = summarize(loaded.loaded, missing_globs(config) if config.path is not None else [])
    summary["trusted"] = loaded.trusted
    return json.dumps(summary, indent=1, sort_keys=True, default=str)


def build_server(workspace: Workspace) -> Server[Any]:
    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        tools = [
            types.Tool(
                name=tool.name,
                description=tool.description,
                input_schema=tool.input_schema,
                annotations=types.ToolAnnotations(read_only_hint=True, open_world_hint=False),
            )
            for tool in TOOLS.values()
        ]
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = TOOLS.get(params.name)
        if tool is None:
            raise MCPError(types.INVALID_PARAMS, f"unknown tool `{params.name}`; the tools are {', '.join(TOOLS)}")
        arguments = params.arguments or {}
        try:
            result = await anyio.to_thread.run_sync(tool.call, workspace, arguments)
        except ArgumentError as error:
            raise MCPError(types.INVALID_PARAMS, str(error), {"argument": error.argument}) from None
        except Exception as exc:  # a bug must not end the session: say which tool failed, not the internals
            logging.getLogger(__name__).warning("%s failed: %s", tool.name, type(exc).__name__)
            raise MCPError(
                types.INTERNAL_ERROR, f"{tool.name} failed ({type(exc).__name__}); please report it"
            ) from None
        text = json.dumps(result, ensure_ascii=False, sort_keys=False)
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)], structured_content=result)

    async def list_resources(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        resource = types.Resource(
            uri=SUMMARY_URI,
            name="catalog-summary",
            description="The catalog's sources, table and column counts, dialect and problems",
            mime_type="application/json",
        )
        return types.ListResourcesResult(resources=[resource])

    async def read_resource(
        ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        if str(params.uri) != SUMMARY_URI:
            raise MCPError(
                types.INVALID_PARAMS, f"argument `uri`: no resource `{params.uri}`; the one resource is {SUMMARY_URI}"
            )
        text = await anyio.to_thread.run_sync(summary_json, workspace)
        contents = types.TextResourceContents(uri=SUMMARY_URI, mime_type="application/json", text=text)
        return types.ReadResourceResult(contents=[contents])

    return Server(
        "domain-lsp",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


def warm(workspace: Workspace) -> None:
    """The search index and the foreign-key graph, built before the first question asks for them."""
    catalog = workspace.current.project.catalog
    search_catalog.index_of(catalog)
    join_path.foreign_key_graph(catalog)
    # As check does: the catalog lives as long as the session; a full collection walking
    # 100,000 tables' objects would otherwise stall a look-up for a quarter of a second.
    gc.freeze()


def run(root: Path, trusted: bool | None) -> int:
    """Serve until the client closes stdin. A config error is said on stderr before any protocol."""
    from domain_lsp.config import ConfigError

    quiet_logging()
    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the protocol's alone
            workspace = Workspace(root, trusted)
    except ConfigError as error:
        print(f"domain-lsp: config error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    threading.Thread(target=warm, args=(workspace,), name="domain-lsp-mcp-warm", daemon=True).start()
    server = build_server(workspace)

    async def serve() -> None:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())

    try:
        anyio.run(serve)
    except KeyboardInterrupt:
        return 130
    return 0
