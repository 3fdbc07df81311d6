"""An idle server does what changed and nothing else (issue 20): a failed live source is read
again on its own, without reloading the package inventory or the catalog; an inventory file
that changes reloads the packages, not the catalog; a source that reads again reloads the
catalog, keeping the packages.

Counted, not timed: the server says what it did through `domainLsp/debugCounts` (which exists
only with DOMAIN_LSP_DEBUG_COUNTS=1). The HTTP catalog is a real server on loopback whose
answers the test switches from 503 to a catalog.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest
from lsp_driver import Driver

from domain_lsp.server.protocol import DEBUG_COUNTS
from tests.fixtures.loopback import serving

GUARD_SECONDS = 90.0
"""How long a wait for the server's timer may take before the test fails (a hang guard: the
timer ticks every 5 s and the source's backoff starts at 1 s)."""


class Catalog(BaseHTTPRequestHandler):
    up: ClassVar[bool] = False
    requests: ClassVar[int] = 0

    def do_GET(self) -> None:
        type(self).requests += 1
        if not type(self).up:
            self.send_response(503)
            self.end_headers()
            return
        body = json.dumps({"live": {"events": {"event_id": "bigint", "event_date": "date"}}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Driver]:
    Catalog.up, Catalog.requests = False, 0
    with serving(Catalog) as port:
        root = tmp_path / "workspace"
        root.mkdir()
        (root / "domain-lsp.toml").write_text(
            '[sql]\ndialect = "postgres"\n\n[[sql.sources]]\nkind = "http"\n'
            f'url = "http://127.0.0.1:{port}/catalog.json"\nrefresh_interval = 1\ntimeout = 2\n',
            encoding="utf-8",
        )
        (root / "requirements.txt").write_text("httpx\n", encoding="utf-8")
        env = {
            "DOMAIN_LSP_DEBUG_COUNTS": "1",
            "DOMAIN_LSP_TRUST": "1",  # the workspace's source is read only when trusted
            "DOMAIN_LSP_CACHE_DIR": str(tmp_path / "cache"),
        }
        driver = Driver(root, "neovim", env=env)
        driver.start()
        try:
            yield driver
        finally:
            driver.stop()


def counts(driver: Driver) -> dict[str, int]:
    result = driver.request(DEBUG_COUNTS, None)
    names = ("catalogLoads", "packageLoads", "sourceRetries", "inventoryReads")
    return {name: int(getattr(result, name)) for name in names}


def wait_for(driver: Driver, done: Callable[[dict[str, int]], bool]) -> dict[str, int]:
    deadline = time.monotonic() + GUARD_SECONDS
    while True:
        now = counts(driver)
        if done(now):
            return now
        assert time.monotonic() < deadline, f"the server's timer did not get there: {now}"
        time.sleep(0.5)


def test_background_work_follows_what_changed(driver: Driver) -> None:
    uri = (driver.root / "query.sql").as_uri()
    driver.open(uri, "SELECT nope FROM live.events", "sql")
    driver.pull(uri)  # answered once the first load is done
    start = counts(driver)
    assert start["catalogLoads"] == 1 and start["inventoryReads"] == 1, start

    # The source is down: it is read again, alone, and nothing else is.
    retried = wait_for(driver, lambda c: c["sourceRetries"] >= start["sourceRetries"] + 2)
    assert retried["catalogLoads"] == 1, retried
    assert retried["packageLoads"] == 0, retried
    assert retried["inventoryReads"] == 1, retried
    # The first load and the first retry reached the server (the second starts only once that one ended).
    assert Catalog.requests >= 2

    # An inventory file changes: the packages are read again, the catalog is not.
    (driver.root / "requirements.txt").write_text("httpx\nsqlglot\n", encoding="utf-8")
    reread = wait_for(driver, lambda c: c["packageLoads"] >= 1)
    assert reread["inventoryReads"] == 2, reread
    assert reread["catalogLoads"] == 1, reread

    # The source reads again: the catalog is loaded to take its tables, the packages are kept.
    Catalog.up = True
    loaded = wait_for(driver, lambda c: c["catalogLoads"] >= 2)
    assert loaded["inventoryReads"] == 2, loaded
    deadline = time.monotonic() + GUARD_SECONDS
    while [d.code for d in driver.pull(uri)] != ["unknown-column"]:  # the table is known now
        assert time.monotonic() < deadline, [d.message for d in driver.pull(uri)]
        time.sleep(0.5)
    assert driver.alive()
