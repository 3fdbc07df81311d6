"""Notifications leave nothing behind in the server (issue 21: pygls 2.1.1 kept one Future, with
its generator and params, per `didChange`: +41 MB after 21,000 edits).

The server is asked through `domainLsp/debugCounts`, a request that exists only with
DOMAIN_LSP_DEBUG_COUNTS=1: how many futures its protocol still tracks, and how many Future
objects (asyncio and concurrent.futures) are alive in the process after a full collection.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsp_driver import Driver
from lsprotocol import types

from domain_lsp.server.protocol import DEBUG_COUNTS

EDITS = 3_000
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Driver]:
    root = tmp_path / "warehouse"
    shutil.copytree(EXAMPLE, root)
    driver = Driver(root, "neovim", env={"DOMAIN_LSP_DEBUG_COUNTS": "1"})
    driver.start()
    yield driver
    driver.stop()


def counts(driver: Driver) -> dict[str, int]:
    result = driver.request(DEBUG_COUNTS, None)  # pygls' client gives an untyped result as an object
    return {"requestFutures": int(result.requestFutures), "futures": int(result.futures)}


def edit(driver: Driver, uri: str, version: int) -> None:
    """`order_id` becomes `order_ix` in odd versions and `order_id` again in even ones."""
    letter = "x" if version % 2 else "d"
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(0, 14), types.Position(0, 15)), text=letter
    )
    driver.change(uri, version, [change])


def test_thousands_of_edits_retain_no_futures(driver: Driver) -> None:
    uri = (driver.root / "query.sql").as_uri()
    driver.open(uri, "SELECT order_id FROM sales.orders", "sql")
    for version in range(2, 12):  # warm up: the first edits create what every later one reuses
        edit(driver, uri, version)
    before = counts(driver)
    last = 11 + EDITS  # odd: the text ends as `SELECT order_ix FROM sales.orders`
    for version in range(12, last + 1):
        edit(driver, uri, version)
    after = counts(driver)  # answered once every edit before it has been handled
    assert after["requestFutures"] <= before["requestFutures"] + 2, (before, after)
    assert after["futures"] - before["futures"] < 20, (before, after)
    assert [d.code for d in driver.pull(uri)] == ["unknown-column"]  # every edit was applied
    assert driver.alive()


def test_the_debug_request_does_not_exist_without_the_variable(tmp_path: Path) -> None:
    driver = Driver(tmp_path, "neovim")
    driver.start()
    try:
        with pytest.raises(Exception, match=r"debugCounts|not found|Method"):
            driver.request(DEBUG_COUNTS, None)
        assert driver.alive()
    finally:
        driver.stop()
