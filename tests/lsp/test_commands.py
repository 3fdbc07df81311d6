"""Workspace commands through the real server: catalog summary and reload."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from tests.lsp.conftest import Session


async def execute(session: Session, command: str, *arguments: Any) -> Any:
    return await session.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(arguments))
    )


async def test_catalog_summary_describes_the_loaded_schemas(session: Session) -> None:
    uri = session.open("queries/monthly_revenue.sql")
    summary = await execute(session, "domain-lsp.catalogSummary", uri)
    assert summary["config"].endswith("domain-lsp.toml")
    assert summary["dialect"] == "postgres"
    assert summary["searchPath"] == ["sales", "core"]
    assert {s["name"]: s["tables"] for s in summary["schemas"]} == {"core": 3, "marketing": 2, "sales": 4}
    assert (summary["tables"], summary["views"]) == (9, 1)
    names = sorted(s["path"].rsplit("/", 1)[-1] for s in summary["sources"])
    assert names == ["01_core.sql", "02_sales.sql", "03_marketing.sql"]
    assert all(s["problems"] == 0 for s in summary["sources"])


async def test_reload_picks_up_a_schema_change_on_disk(session: Session) -> None:
    uri = session.open("queries/new.sql", "SELECT loyalty_tier FROM customer;\n")
    assert [d.code for d in await session.diagnostics(uri)] == ["unknown-column"]
    schema = session.root / "schema" / "01_core.sql"
    schema.write_text(schema.read_text() + "\nALTER TABLE core.customer ADD COLUMN loyalty_tier text;\n")
    await execute(session, "domain-lsp.reloadCatalog")
    edit = types.Range(start=types.Position(line=1, character=0), end=types.Position(line=1, character=0))
    session.change(uri, edit, " ")
    assert await session.diagnostics(uri) == []
