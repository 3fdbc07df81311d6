"""A broken config: a message and a diagnostic on the config file, and the server keeps serving."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from tests.lsp.conftest import Session


async def test_broken_config_is_reported_and_defaults_are_used(session: Session) -> None:
    config = session.root / "domain-lsp.toml"
    config.write_text('[sql]\ndialect = "postgress"\n', encoding="utf-8")
    config_uri = config.resolve().as_uri()
    uri = session.open("queries/after_error.sql", "SELECT nope FROM orders;\n")
    diagnostics = await session.diagnostics(uri)
    # Defaults: the schema files are discovered, so the query is still checked.
    assert [d.code for d in diagnostics] == ["unknown-column"]
    message = next(m for m in session.client.messages if "invalid config" in m.message)
    assert message.type == types.MessageType.Error
    assert "sql.dialect" in message.message and "did you mean `postgres`" in message.message
    (problem,) = session.client.diagnostics[config_uri]
    assert problem.code == "config-error"
    assert problem.range.start.line == 1


async def wait_for_config_diagnostics(session: Session, uri: str, count: int) -> list[types.Diagnostic]:
    async def arrived() -> list[types.Diagnostic]:
        while len(session.client.diagnostics.get(uri, [None] * (count + 1))) != count:
            await asyncio.sleep(0.02)
        return list(session.client.diagnostics[uri])

    return await asyncio.wait_for(arrived(), 30)


async def test_one_bad_key_is_reported_and_every_other_key_still_applies(session: Session) -> None:
    config = session.root / "domain-lsp.toml"
    text = config.read_text(encoding="utf-8")
    # The example's config (dialect, schemas, search_path, the deny list) plus one typo.
    config.write_text(text.replace("[sql]\n", '[sql]\ndialekt = "postgres"\n', 1), encoding="utf-8")
    uri = session.open(
        "pipelines/uses_requests.py", 'import requests\ncur.execute("SELECT nope FROM orders")\n', "python"
    )
    codes = sorted(d.code for d in await session.diagnostics(uri))  # type: ignore[type-var]
    # The deny list and search_path (`orders` is sales.orders) still apply.
    assert codes == ["denied-package", "unknown-column"], codes
    (problem,) = await wait_for_config_diagnostics(session, config.resolve().as_uri(), 1)
    assert problem.code == "config-error" and "sql.dialekt: unknown key; did you mean `dialect`?" in problem.message
    assert problem.code_description is not None and problem.code_description.href.endswith("rules.md#config-error")
    assert problem.range.start.line == 2
    message = next(m for m in session.client.messages if "invalid config" in m.message)
    assert "the rest of it applies" in message.message


async def test_a_fixed_config_clears_its_diagnostic_on_reload(session: Session) -> None:
    config = session.root / "domain-lsp.toml"
    good = config.read_text(encoding="utf-8")
    config.write_text(good.replace("[sql]\n", '[sql]\ndialekt = "postgres"\n', 1), encoding="utf-8")
    uri = session.open("queries/q.sql", "SELECT nope FROM orders;\n")
    await session.diagnostics(uri)
    config_uri = config.resolve().as_uri()
    await wait_for_config_diagnostics(session, config_uri, 1)
    config.write_text(good, encoding="utf-8")
    await session.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="domain-lsp.reloadCatalog", arguments=[])
    )
    assert await wait_for_config_diagnostics(session, config_uri, 0) == []
