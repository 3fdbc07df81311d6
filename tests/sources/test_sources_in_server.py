"""Sources failing under the real language server (stdio, pytest-lsp): PostgreSQL down at start,
down or silent mid-session (a relay in front of the test database), an HTTP catalog that answers
500, garbage or nothing, a package index that fails, and broken schema files. Requests are always
answered, from the last good catalog; each failure is told to the user once, by the source's safe
name.

Live sources here are read again every second, so the server's 5-second freshness timer reloads
them on each tick: the waits below are for the next tick or two, bounded by GUARD_SECONDS (a
hang guard, not a timing assertion).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import SERVER, Session, start_session
from tests.sources.conftest import TOKEN, TOKEN_ENV, Postgres, Relay, Served

DSN_ENV = "DLSP_LIVE_DSN"
GUARD_SECONDS = 60
QUERY = "SELECT amount FROM big_orders;\nSELECT body FROM notes.memo;\n"
"""`big_orders` is only in the database; `notes.memo` only in the workspace's schema file."""


@pytest.fixture(autouse=True)
def server_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server inherits the environment when the client fixture starts it, so what it needs
    is set here, first (autouse fixtures run before the others)."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    if "relay" in request.fixturenames:
        relay: Relay = request.getfixturevalue("relay")
        db: Postgres = request.getfixturevalue("postgres")
        monkeypatch.setenv(DSN_ENV, Postgres(db.host, relay.port, db.database, db.user, db.password).dsn)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "schema").mkdir(parents=True)
    (root / "schema" / "local.sql").write_text("CREATE TABLE notes.memo (id int, body text);\n")
    return root


@pytest_lsp.fixture(config=SERVER, params=["visual-studio-code"])
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest, workspace: Path) -> AsyncIterator[None]:
    await start_session(lsp_client, request.param, workspace)
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def session(client: LanguageClient, workspace: Path, request: pytest.FixtureRequest) -> Session:
    return Session(client, workspace, request.node.callspec.params["client"])


def configure(root: Path, sources: str, extra: str = "", schemas: str = '"schema/*.sql"') -> None:
    """The config, written before the first document opens (the server reads it then)."""
    sql = f'[sql]\ndialect = "postgres"\nschemas = [{schemas}]\nsearch_path = ["sales", "core"]\n'
    (root / "domain-lsp.toml").write_text(sql + sources + extra)


def postgres_source(timeout: float = 2) -> str:
    return f'\n[[sql.sources]]\nkind = "postgres"\ndsn_env = "{DSN_ENV}"\ntimeout = {timeout}\nrefresh_interval = 1\n'


async def until(condition: Callable[[], bool], what: str) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.05)

    try:
        await asyncio.wait_for(poll(), GUARD_SECONDS)
    except TimeoutError:
        raise AssertionError(f"never happened: {what}") from None


def shown(session: Session, *needles: str) -> list[str]:
    """The window/showMessage texts holding every needle."""
    return [m.message for m in session.client.messages if all(n in m.message for n in needles)]


def everything(session: Session) -> str:
    client = session.client
    return "\n".join(m.message for m in [*client.messages, *client.log_messages])


def loads_ended(session: Session) -> int:
    """Catalog loads finished so far (each reports `$/progress` end)."""
    reports = session.client.progress_reports.items()
    return sum(isinstance(r, types.WorkDoneProgressEnd) for token, rs in reports if "catalog" in str(token) for r in rs)


def loads_begun(session: Session) -> int:
    reports = session.client.progress_reports.items()
    return sum(
        isinstance(r, types.WorkDoneProgressBegin) for token, rs in reports if "catalog" in str(token) for r in rs
    )


async def next_load(session: Session) -> None:
    """Wait until a catalog load that starts from now on has ended."""
    begun = loads_begun(session)
    await until(lambda: loads_begun(session) > begun, "another catalog load")
    await until(lambda: loads_ended(session) > begun, "the catalog load to end")


async def tables_completed(session: Session, uri: str, after: str = "SELECT amount FROM ") -> set[str]:
    """Completion after `after` on the first line: the table names offered."""
    result = await asyncio.wait_for(
        session.client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=0, character=len(after)),
            )
        ),
        GUARD_SECONDS,
    )
    items = result.items if isinstance(result, types.CompletionList) else result or []
    return {item.label for item in items}


async def unknown(session: Session, uri: str) -> list[str]:
    """The names reported unknown in the document's current version (after a one-space edit, so
    push clients publish again)."""
    end = types.Position(line=2, character=0)
    session.change(uri, types.Range(start=end, end=end), " ")
    lines = QUERY.splitlines()
    return [
        lines[d.range.start.line][d.range.start.character : d.range.end.character]
        for d in await session.diagnostics(uri)
        if d.code == "unknown-table"
    ]


@pytest.mark.parametrize("client", ["neovim"], indirect=True)
async def test_database_down_at_start_is_told_once_then_read_when_it_is_back(
    session: Session, relay: Relay, postgres: Postgres
) -> None:
    relay.down()
    configure(session.root, postgres_source())
    uri = session.open("q.sql", QUERY)
    # Answered at once: the schema file's tables are there, the database's are not (yet).
    assert await unknown(session, uri) == ["big_orders"]
    assert "notes" in await tables_completed(session, uri)  # the schema file's schema
    hover = await asyncio.wait_for(
        session.client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 24))
        ),
        GUARD_SECONDS,
    )
    assert hover is not None and "memo" in str(hover.contents)
    name = f"postgres ${DSN_ENV}"
    await until(lambda: bool(shown(session, name)), "a message about the database")
    [message] = shown(session, name)
    assert "cannot connect" in message and "no earlier copy, so its tables are unknown until it loads" in message
    await next_load(session)  # tried again (a failed source is retried soon): not told again
    assert len(shown(session, name)) == 1
    relay.up()
    await until(lambda: bool(shown(session, name, "read again")), "the database read again")
    assert await unknown(session, uri) == []
    assert {"big_orders", "notes"} <= await tables_completed(session, uri)
    assert postgres.password not in everything(session)


async def test_database_down_mid_session_keeps_the_last_good_catalog(session: Session, relay: Relay) -> None:
    configure(session.root, postgres_source())
    uri = session.open("q.sql", QUERY)
    assert await unknown(session, uri) == []
    relay.down()
    name = f"postgres ${DSN_ENV}"
    await until(lambda: bool(shown(session, name)), "a warning about the database")
    [warning] = shown(session, name)
    assert "cannot connect" in warning and "using the copy read" in warning
    assert [m.type for m in session.client.messages if name in m.message] == [types.MessageType.Warning]
    await next_load(session)
    assert await unknown(session, uri) == []  # still checked against the database's tables
    assert "big_orders" in await tables_completed(session, uri)
    assert len(shown(session, name)) == 1  # once, not on every retry


async def test_a_silent_database_is_given_up_on_while_requests_use_the_last_catalog(
    session: Session, relay: Relay
) -> None:
    configure(session.root, postgres_source(timeout=5))
    uri = session.open("q.sql", QUERY)
    assert await unknown(session, uri) == []
    relay.silent = True  # accepts connections, never answers
    await until(lambda: relay.unanswered > 0, "a reload connecting to the silent database")
    ended = loads_ended(session)
    # That load waits for its connect timeout; requests do not wait for it.
    assert "big_orders" in await tables_completed(session, uri)
    assert await unknown(session, uri) == []
    assert loads_ended(session) == ended, "answered only once the load was over"
    await until(lambda: bool(shown(session, f"postgres ${DSN_ENV}")), "the load giving up")
    [warning] = shown(session, f"postgres ${DSN_ENV}")
    assert "cannot connect" in warning and "using the copy read" in warning


async def test_http_catalog_failing_mid_session_keeps_its_copy(
    session: Session, catalog_server: tuple[str, Served]
) -> None:
    url, served = catalog_server
    source = f'\n[[sql.sources]]\nkind = "http"\nurl = "{url}"\ntoken_env = "{TOKEN_ENV}"\ntimeout = 2\nrefresh_interval = 1\n'
    configure(session.root, source)
    uri = session.open("q.sql", "SELECT email FROM customers;\n")
    assert {"customers", "orders", "notes"} <= await tables_completed(session, uri, "SELECT email FROM ")
    failures = (
        ("answered HTTP 500", lambda: setattr(served, "status", 500)),
        ("not valid JSON", lambda: (setattr(served, "status", 200), setattr(served, "body", b"<html>down</html>"))),
        ("unreachable (ReadTimeout)", lambda: setattr(served, "silent", True)),
    )
    for expected, fail in failures:
        served.etag = f'"{expected}"'  # never 304: the body is read
        fail()
        await until(lambda expected=expected: bool(shown(session, url, expected)), expected)  # type: ignore[misc]
        [warning] = shown(session, url, expected)
        assert "using the copy fetched" in warning
        assert {"customers", "orders"} <= await tables_completed(session, uri, "SELECT email FROM ")
    assert len(shown(session, url)) == 3  # one per kind of failure, none per retry
    assert TOKEN not in everything(session)


@pytest.mark.parametrize("failure", ["500", "silent"])
async def test_python_diagnostics_are_published_while_the_package_index_fails(
    session: Session, catalog_server: tuple[str, Served], failure: str
) -> None:
    url, served = catalog_server
    served.status, served.silent = (500, False) if failure == "500" else (200, True)
    (session.root / "requirements.txt").write_text("httpx\n")
    configure(session.root, "", f'\n[packages]\ninventory = ["requirements.txt"]\nindex = "{url}"\n')
    uri = session.open("app.py", "import zzz_hallucinated_pkg\n", language="python")
    codes = [d.code for d in await session.diagnostics(uri)]
    assert codes == ["unknown-package"]  # published without waiting for the index
    await until(lambda: len(served.requests) == 1, "the index asked in the background")
    asked = len(served.requests)
    # A reload makes a new project; the index that just failed is not asked again so soon.
    await asyncio.wait_for(
        session.client.workspace_execute_command_async(types.ExecuteCommandParams(command="domain-lsp.reloadCatalog")),
        GUARD_SECONDS,
    )
    end = types.Position(line=1, character=0)
    session.change(uri, types.Range(start=end, end=end), "\n")
    assert [d.code for d in await session.diagnostics(uri)] == ["unknown-package"]
    assert len(served.requests) == asked


async def test_schema_file_problems_are_shown_once_while_they_last(session: Session) -> None:
    broken = session.root / "extra" / "refunds.json"
    broken.parent.mkdir()
    broken.write_text('{"sales": {"refunds": 3}}')
    configure(session.root, "", schemas='"schema/*.sql", "extra/*.json", "nowhere/*.sql"')
    uri = session.open("q.sql", QUERY)
    assert await unknown(session, uri) == ["big_orders"]  # the rest of the catalog is used
    await until(lambda: bool(shown(session, "refunds.json")), "a message about the broken file")
    [message] = shown(session, "refunds.json")
    assert "schema file extra/refunds.json:1: `sales.refunds`: expected a mapping of columns" in message
    assert shown(session, "schema glob `nowhere/*.sql` in domain-lsp.toml matches no file")

    async def rewrite(text: str) -> None:
        broken.write_text(text)
        change = types.FileEvent(uri=broken.as_uri(), type=types.FileChangeType.Changed)
        loaded = loads_ended(session)
        session.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[change]))
        await until(lambda: loads_ended(session) > loaded, "the reload")

    await rewrite('{"sales": {"refunds": [1]}}')  # broken another way, as while editing: logged only
    assert len(shown(session, "refunds.json")) == 1
    assert any("a column must be a name" in m.message for m in session.client.log_messages)
    await rewrite('{"sales": {"refunds": {"id": "int"}}}')
    await rewrite("{")
    assert len(shown(session, "refunds.json")) == 2  # fixed, then broken again: news again
