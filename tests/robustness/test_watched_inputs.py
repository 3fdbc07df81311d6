"""The server treats as inputs exactly what a load reads (issue 16's two watcher bugs), through the
real server over stdio:

- `requirements/*.txt` (found by the loader's usual names) and a configured `packages.inventory`
  file are inventory files: open, they get their diagnostics; changed, the packages reload.
- A new file is matched against `sql.schemas` with the loader's glob semantics: `**/*.sql`
  takes a top-level file, `schema/*.sql` nothing in `schema/sub/`.

Reloads are counted through `domainLsp/debugCounts` (DOMAIN_LSP_DEBUG_COUNTS=1), not timed.
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


def start(root: Path, tmp_path: Path) -> Driver:
    env = {"DOMAIN_LSP_DEBUG_COUNTS": "1", "DOMAIN_LSP_CACHE_DIR": str(tmp_path / "cache")}
    driver = Driver(root, "neovim", env=env)
    driver.start()
    return driver


@pytest.fixture
def stop() -> Iterator[list[Driver]]:
    drivers: list[Driver] = []
    yield drivers
    for driver in drivers:
        driver.stop()


def counts(driver: Driver) -> dict[str, int]:
    result = driver.request(DEBUG_COUNTS, None)
    return {name: int(getattr(result, name)) for name in ("catalogLoads", "packageLoads")}


def changed(driver: Driver, path: Path, kind: types.FileChangeType) -> None:
    params = types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=path.as_uri(), type=kind)])
    driver.notify(driver.client.workspace_did_change_watched_files, params)


def wait_until(driver: Driver, uri: str, codes: list[str]) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while sorted(d.code for d in driver.pull(uri)) != codes:  # type: ignore[type-var]
        assert time.monotonic() < deadline, [d.message for d in driver.pull(uri)]
        time.sleep(0.2)


@pytest.mark.parametrize("configured", [False, True], ids=["usual-names", "configured"])
def test_an_inventory_file_under_requirements_is_one(tmp_path: Path, stop: list[Driver], configured: bool) -> None:
    root = tmp_path / "ws"
    (root / "requirements").mkdir(parents=True)
    (root / ".git").mkdir()
    name = "requirements/dev.txt" if not configured else "deps/base.pip"
    inventory = root / name
    inventory.parent.mkdir(exist_ok=True)
    inventory.write_text("httpx\n!!bad\n", encoding="utf-8")
    config = '[sql]\ndialect = "postgres"\n'
    if configured:
        config += f'[packages]\ninventory = ["{name}"]\n'
    (root / "domain-lsp.toml").write_text(config, encoding="utf-8")
    driver = start(root, tmp_path)
    stop.append(driver)
    uri = inventory.as_uri()
    driver.open(uri, inventory.read_text(encoding="utf-8"), "pip-requirements")
    assert [d.code for d in driver.pull(uri)] == ["inventory-error"]  # was: nothing in the editor

    before = counts(driver)
    inventory.write_text("httpx\n", encoding="utf-8")
    changed(driver, inventory, types.FileChangeType.Changed)
    deadline = time.monotonic() + GUARD_SECONDS
    while counts(driver)["packageLoads"] == before["packageLoads"]:
        assert time.monotonic() < deadline, "the packages were not reloaded"
        time.sleep(0.2)
    assert counts(driver)["catalogLoads"] == before["catalogLoads"]  # the catalog is kept


def test_new_files_are_matched_as_the_loader_globs_them(tmp_path: Path, stop: list[Driver]) -> None:
    root = tmp_path / "ws"
    (root / "schema" / "sub").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "schema" / "t.sql").write_text("CREATE TABLE t (a int);\n", encoding="utf-8")
    (root / "domain-lsp.toml").write_text(
        '[sql]\ndialect = "postgres"\nschemas = ["schema/*.sql", "**/top_*.sql"]\n', encoding="utf-8"
    )
    query = root / "q.sql"
    driver = start(root, tmp_path)
    stop.append(driver)
    uri = query.as_uri()
    driver.open(uri, "SELECT a FROM t;\nSELECT b FROM top_t;\n", "sql")
    wait_until(driver, uri, ["unknown-table"])

    # Not a schema file: `schema/*.sql` does not reach into schema/sub/ (fnmatch's `*` did).
    before = counts(driver)
    nested = root / "schema" / "sub" / "x.sql"
    nested.write_text("CREATE TABLE x (a int);\n", encoding="utf-8")
    changed(driver, nested, types.FileChangeType.Created)
    # A top-level file matches `**/top_*.sql` (`**` is zero folders too).
    top = root / "top_tables.sql"
    top.write_text("CREATE TABLE top_t (b int);\n", encoding="utf-8")
    changed(driver, top, types.FileChangeType.Created)
    wait_until(driver, uri, [])
    assert counts(driver)["catalogLoads"] == before["catalogLoads"] + 1  # the top file only, not x.sql
