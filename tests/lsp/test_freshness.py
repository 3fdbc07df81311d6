"""The catalog follows the files: a watched-file change reloads it in the background (requests
keep the old catalog meanwhile), with $/progress around the load."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.conftest import Session

ATTEMPTS = 200  # edits to wait through for the background reload; a hang guard, not a timing


async def test_watched_schema_change_reloads_the_catalog(session: Session) -> None:
    uri = session.open("queries/fresh.sql", "SELECT loyalty_tier FROM customer;\n")
    assert [d.code for d in await session.diagnostics(uri)] == ["unknown-column"]
    registered = {r.method for r in session.client.registrations}  # type: ignore[attr-defined]
    if session.profile == "visual-studio-code":  # the profile that declares dynamic watchers
        assert types.WORKSPACE_DID_CHANGE_WATCHED_FILES in registered
    schema = session.root / "schema" / "01_core.sql"
    schema.write_text(schema.read_text() + "\nALTER TABLE core.customer ADD COLUMN loyalty_tier text;\n")
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=schema.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    edit = types.Range(start=types.Position(line=1, character=0), end=types.Position(line=1, character=0))
    for _ in range(ATTEMPTS):
        session.change(uri, edit, " ")
        if await session.diagnostics(uri) == []:
            break
    else:
        raise AssertionError("the schema change never reached the diagnostics")


async def test_catalog_load_reports_progress_to_clients_that_show_it(session: Session) -> None:
    uri = session.open("queries/progress.sql", "SELECT 1;\n")
    await session.diagnostics(uri)
    window = session.client.capabilities.window if session.client.capabilities else None
    if window is None or not window.work_done_progress:
        assert session.client.progress_reports == {}
        return
    reports = [r for token, rs in session.client.progress_reports.items() if "catalog" in str(token) for r in rs]
    kinds = [type(r).__name__ for r in reports]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"
    assert reports[-1].message == "9 tables"
