"""A broken config: a message and a diagnostic on the config file, and the server keeps serving."""

from __future__ import annotations

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
