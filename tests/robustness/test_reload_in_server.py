"""Through the real server over stdio: when one schema file of several changes, the reload reads
that file only (counted through `domainLsp/debugCounts`, not timed), and a query's diagnostics
are then exactly those a server started cold on the changed workspace gives. The catalogs
themselves are compared table for table in tests/sources/test_one_file_reload.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsp_driver import Driver
from lsprotocol import types

from domain_lsp.server.protocol import DEBUG_COUNTS

GUARD_SECONDS = 30.0
FILES = {
    "a.sql": "CREATE TABLE core.customer (id int PRIMARY KEY, email text);\n",
    "b.sql": "CREATE TABLE core.orders (id int, customer_id int REFERENCES core.customer (id));\n",
    "c.sql": "CREATE TABLE sales.invoice (id int, gone text);\n",
    "d.sql": "CREATE TABLE sales.refund (id int, invoice_id int);\n",
}
QUERY = (
    "SELECT added FROM sales.invoice;\nSELECT gone FROM sales.invoice;\n"
    "SELECT o.id FROM core.orders o JOIN core.customer c ON c.id = o.customer_id;\nSELECT at FROM sales.refund;\n"
)


def start(root: Path, cache: Path) -> Driver:
    driver = Driver(root, "neovim", env={"DOMAIN_LSP_DEBUG_COUNTS": "1", "DOMAIN_LSP_CACHE_DIR": str(cache)})
    driver.start()
    return driver


@pytest.fixture
def stop() -> Iterator[list[Driver]]:
    drivers: list[Driver] = []
    yield drivers
    for driver in drivers:
        driver.stop()


def reads(driver: Driver) -> tuple[int, int]:
    result = driver.request(DEBUG_COUNTS, None)
    return int(result.catalogLoads), int(result.schemaFileReads)


def shown(driver: Driver, uri: str) -> list[tuple[object, ...]]:
    return sorted(
        (d.range.start.line, d.range.start.character, d.range.end.character, d.code, d.message)
        for d in driver.pull(uri)
    )


def wait_for(driver: Driver, uri: str, codes_on_lines: list[tuple[int, str]]) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while [(d[0], d[3]) for d in shown(driver, uri)] != codes_on_lines:
        assert time.monotonic() < deadline, shown(driver, uri)
        time.sleep(0.2)


def test_a_changed_schema_file_is_read_alone_and_answers_as_a_cold_start(tmp_path: Path, stop: list[Driver]) -> None:
    root = tmp_path / "ws"
    (root / "schema").mkdir(parents=True)
    (root / ".git").mkdir()
    for name, text in FILES.items():
        (root / "schema" / name).write_text(text, encoding="utf-8")
    (root / "domain-lsp.toml").write_text('[sql]\ndialect = "postgres"\nschemas = ["schema/*.sql"]\n', encoding="utf-8")
    query = root / "q.sql"
    query.write_text(QUERY, encoding="utf-8")
    driver = start(root, tmp_path / "cache")
    stop.append(driver)
    uri = query.as_uri()
    driver.open(uri, QUERY, "sql")
    wait_for(driver, uri, [(0, "unknown-column"), (3, "unknown-column")])
    loads, files = reads(driver)
    assert files == len(FILES)  # the first load read every file

    changed = root / "schema" / "c.sql"
    changed.write_text("CREATE TABLE sales.invoice (id int, added date);\n", encoding="utf-8")
    params = types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=changed.as_uri(), type=types.FileChangeType.Changed)]
    )
    driver.notify(driver.client.workspace_did_change_watched_files, params)
    wait_for(driver, uri, [(1, "unknown-column"), (3, "unknown-column")])
    assert reads(driver) == (loads + 1, files + 1)  # one reload, reading c.sql only
    reloaded = shown(driver, uri)

    cold = start(root, tmp_path / "another-cache")
    stop.append(cold)
    cold.open(uri, QUERY, "sql")
    wait_for(cold, uri, [(1, "unknown-column"), (3, "unknown-column")])
    assert reads(cold)[1] == len(FILES)
    assert shown(cold, uri) == reloaded
