"""A saved schema makes the next answers wait for the reload (ServerState, without a client:
the order of events here is exact, which over a pipe it is not)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from domain_lsp.server.state import ServerState


def test_an_analysis_cached_before_a_saved_schema_is_not_reused(tmp_path: Path) -> None:
    (tmp_path / "domain-lsp.toml").write_text('[sql]\nschemas = ["schema.sql"]\n', encoding="utf-8")
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE customer (id int);\n", encoding="utf-8")
    query = tmp_path / "query.sql"
    text = "SELECT loyalty_tier FROM customer;\n"

    async def scenario() -> tuple[list[str], list[str]]:
        state = ServerState(on_config_problems=lambda path, problems: None)
        state.root = tmp_path
        before = await state.analyze(query.as_uri(), query, text, 1, "sql")
        schema.write_text("CREATE TABLE customer (id int, loyalty_tier text);\n", encoding="utf-8")
        state.files_changed([schema], [], saved=True)
        # No await between the save and the request: the reload cannot have been taken in yet.
        after = await state.analyze(query.as_uri(), query, text, 1, "sql")
        return [f.code for f in before.findings], [f.code for f in after.findings]

    before, after = asyncio.run(scenario())
    assert before == ["unknown-column"]
    assert after == []
