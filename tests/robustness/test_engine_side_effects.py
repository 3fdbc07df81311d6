"""Database files in a workspace are only read (docs/security.md §7): DuckDB and SQLite schema
sources, and DuckDB's parser confirming syntax, download nothing, load no extension, reach no
URL and write no file.

The traps: a `kind = "duckdb"` source that is really a SQLite file (DuckDB would download and
load `sqlite_scanner` to open it), a DuckDB view over an `http://` URL (querying it would load
`httpfs` and fetch the URL), SQL that says `INSTALL httpfs` and reads a URL, and a SQLite file in
WAL mode (a read-only connection would still create `-wal` and `-shm` files beside it). DuckDB
downloads through `HTTP_PROXY`, so pointing that at a loopback server that records requests
turns any download into a request we can see; `HOME` is a fresh folder, where DuckDB would
create `.duckdb/extensions/` before downloading. `test_the_traps_are_armed` shows both happen
with DuckDB's default settings, so the main test cannot pass for want of a trap.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.fixtures.loopback import serving

RUN_BOUND = 120  # seconds; a hang guard, not a timing assert
VIEW_URL = "http://127.0.0.1:{port}/view.parquet"
QUERY_URL = "http://127.0.0.1:{port}/query.parquet"


@pytest.fixture
def proxy() -> Iterator[tuple[int, list[str]]]:
    """A loopback HTTP server that answers 404 and records every request line it gets."""
    seen: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(f"{self.command} {self.path}")
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_CONNECT = do_POST = do_GET

        def log_message(self, format: str, *args: object) -> None:
            return None

    with serving(Recorder) as port:
        yield port, seen


def make_duckdb(path: Path, port: int) -> None:
    duckdb = pytest.importorskip("duckdb")
    connection = duckdb.connect(str(path))
    try:
        connection.execute("CREATE SCHEMA sales")
        connection.execute("CREATE TABLE sales.orders (id INTEGER, total DECIMAL(10, 2))")
        # A view over a URL cannot be created without httpfs, but one over a table named like the
        # URL can; once that table is gone, the view reads the URL (DuckDB's replacement scan).
        url = VIEW_URL.format(port=port)
        connection.execute(f'CREATE TABLE "{url}" (id INTEGER)')
        connection.execute(f'CREATE VIEW remote AS SELECT * FROM "{url}"')
        connection.execute(f'DROP TABLE "{url}"')
        connection.execute("CHECKPOINT")
    finally:
        connection.close()


def make_sqlite(path: Path, table: str, *, wal: bool) -> None:
    connection = sqlite3.connect(path)
    try:
        if wal:
            connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, email TEXT)")
        connection.execute(f"CREATE VIEW {table}_emails AS SELECT email FROM {table}")
        connection.commit()
    finally:
        connection.close()


def environment(home: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "all_proxy")}
    proxy_url = f"http://127.0.0.1:{port}"
    env.update(HOME=str(home), HTTP_PROXY=proxy_url, http_proxy=proxy_url, HTTPS_PROXY=proxy_url)
    env.update(https_proxy=proxy_url, PYTHONIOENCODING="utf-8")
    return env


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file below `folder`: its content's digest and its mtime in ns."""
    return {
        str(path.relative_to(folder)): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def workspace(tmp_path: Path, proxy: tuple[int, list[str]]) -> Path:
    port = proxy[0]
    root = tmp_path / "ws"
    root.mkdir()
    (root / ".git").mkdir()
    make_duckdb(root / "warehouse.duckdb", port)
    make_sqlite(root / "app.duckdb", "misfiled", wal=False)  # a SQLite file given as DuckDB
    make_sqlite(root / "app.db", "customers", wal=False)
    make_sqlite(root / "wal.db", "suppliers", wal=True)
    assert not (root / "wal.db-wal").exists()  # closed cleanly: only the database file is left
    (root / "domain-lsp.toml").write_text(
        '[sql]\ndialect = "duckdb"\n\n'
        '[[sql.sources]]\nkind = "duckdb"\npath = "warehouse.duckdb"\n\n'
        '[[sql.sources]]\nkind = "duckdb"\npath = "app.duckdb"\n\n'
        '[[sql.sources]]\nkind = "sqlite"\npath = "app.db"\n\n'
        '[[sql.sources]]\nkind = "sqlite"\npath = "wal.db"\n',
        encoding="utf-8",
    )
    (root / "q.sql").write_text(
        "INSTALL httpfs;\nLOAD httpfs;\n"
        f"SELECT * FROM read_parquet('{QUERY_URL.format(port=port)}');\n"
        "SELECT id, nope FROM sales.orders;\n"
        "SELECT * FROM remote;\n"
        "SELECT c.email, s.email FROM customers AS c, suppliers AS s;\n"
        "SELECT FROM WHERE;\n",  # a syntax error: DuckDB's parser is asked for its position too
        encoding="utf-8",
    )
    return root


def run(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "domain_lsp", *args],
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=RUN_BOUND,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def test_database_sources_and_the_parser_have_no_side_effects(
    workspace: Path, proxy: tuple[int, list[str]], tmp_path: Path
) -> None:
    pytest.importorskip("duckdb")
    port, seen = proxy
    home = tmp_path / "home"
    home.mkdir()
    env = environment(home, port)
    before = snapshot(workspace)

    catalog = run(workspace, env, "catalog", "--format", "json", "--refresh")
    # A cache of its own, so `check` reads the sources again rather than the copy `catalog` saved.
    check = run(
        workspace, {**env, "DOMAIN_LSP_CACHE_DIR": str(tmp_path / "check-cache")}, "check", "--format", "json", "q.sql"
    )
    assert seen == []  # nothing downloaded, no URL fetched
    assert list(home.iterdir()) == []  # no ~/.duckdb/extensions, no secrets folder
    assert snapshot(workspace) == before  # same bytes, same mtimes, no -wal/-shm/-journal/.wal file

    # ... while the sources were really read, and the SQL really checked.
    assert catalog.returncode == 1, catalog.stderr  # app.duckdb is reported
    sources = {s["name"]: s for s in json.loads(catalog.stdout)["sources"]}
    for name in ("duckdb warehouse.duckdb", "sqlite app.db", "sqlite wal.db"):
        assert sources[name]["problems"] == [] and sources[name]["tables"] == 2, name
    [problem] = sources["duckdb app.duckdb"]["problems"]
    assert 'is a SQLite database: give it kind = "sqlite"' in problem["message"]
    assert check.returncode == 1, check.stderr
    found = {(d["code"], d["range"]["start"]["line"]) for d in json.loads(check.stdout)["diagnostics"]}
    assert ("unknown-column", 3) in found  # `nope`: the DuckDB file's tables were read
    assert ("syntax-error", 6) in found
    assert not {line for code, line in found if code != "source-error"} - {3, 6}  # views and SQLite tables known


def test_the_traps_are_armed(workspace: Path, proxy: tuple[int, list[str]], tmp_path: Path) -> None:
    """With DuckDB's default settings, each trap reaches the recorder: the main test can fail."""
    pytest.importorskip("duckdb")
    port, seen = proxy
    home = tmp_path / "home"
    home.mkdir()
    script = (
        "import duckdb, sys\n"
        "try:\n    duckdb.connect(sys.argv[1], read_only=True)\nexcept duckdb.Error as e:\n    print(e)\n"
        "c = duckdb.connect(sys.argv[2], read_only=True)\n"
        "try:\n    c.execute('SELECT * FROM remote')\nexcept duckdb.Error as e:\n    print(e)\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(workspace / "app.duckdb"), str(workspace / "warehouse.duckdb")],
        capture_output=True,
        timeout=RUN_BOUND,
        env=environment(home, port),
        check=True,
    )
    assert any("sqlite_scanner" in request for request in seen), seen
    assert any("httpfs" in request for request in seen), seen
    assert (home / ".duckdb" / "extensions").is_dir()
    connection = sqlite3.connect(f"file:{workspace / 'wal.db'}?mode=ro", uri=True)
    connection.execute("SELECT * FROM sqlite_schema").fetchall()
    connection.close()
    assert (workspace / "wal.db-wal").exists()  # mode=ro alone still writes beside a WAL-mode file
