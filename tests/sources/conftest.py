"""Real servers for the live-source tests, all on loopback:

- PostgreSQL: initdb in a temporary folder, started with pg_ctl on a free port, once per
  session, stopped at the end. Without the server binaries the tests are skipped, unless CI is
  set: CI must run them (.ci/run installs PostgreSQL), so there a missing binary is a failure.
- A TCP relay in front of it that can close its port (the database down) or accept
  connections and never answer (a database or network that hangs).
- An HTTP catalog whose answer each test sets: a document with an ETag, an error status,
  garbage, or no answer at all.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.fixtures.loopback import serving


@pytest.fixture(autouse=True)
def _trusted_workspaces(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests read live sources as a user who trusts the workspace would (every CLI and
    server they start inherits it); what an untrusted workspace may not read or send is
    tests/robustness/test_trust.py's subject."""
    monkeypatch.setenv("DOMAIN_LSP_TRUST", "1")


ADMIN = "dlsp_admin"
READER = "dlsp_reader"

SCHEMA_SQL = """
CREATE SCHEMA sales;
CREATE SCHEMA core;
CREATE SCHEMA scratch;
CREATE TABLE core.customers (
    id int PRIMARY KEY,
    email text,
    legacy_code text,
    "Full Name" text
);
COMMENT ON TABLE core.customers IS 'One row per customer';
COMMENT ON COLUMN core.customers.email IS 'Login email #pii';
COMMENT ON COLUMN core.customers.legacy_code IS 'DEPRECATED: use id';
CREATE TABLE sales.orders (
    id bigint PRIMARY KEY,
    customer_id int REFERENCES core.customers (id),
    total numeric(10, 2),
    placed_at timestamptz,
    dropped_later text
);
ALTER TABLE sales.orders DROP COLUMN dropped_later;
CREATE VIEW sales.big_orders AS SELECT id, total AS amount FROM sales.orders WHERE total > 100;
COMMENT ON VIEW sales.big_orders IS 'Orders over 100';
CREATE MATERIALIZED VIEW sales.daily AS SELECT placed_at::date AS day, sum(total) AS revenue FROM sales.orders GROUP BY 1;
CREATE TABLE sales.events (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE sales.events_2026 PARTITION OF sales.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE FUNCTION sales.net(amount numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT amount * 0.8';
COMMENT ON FUNCTION sales.net(numeric) IS 'Amount after tax';
CREATE TABLE scratch.tmp_things (x int);
CREATE SCHEMA keyed;
CREATE TABLE keyed.order_lines (
    order_id bigint REFERENCES sales.orders,
    line_no int,
    sku text NOT NULL,
    buyer int,
    note text,
    PRIMARY KEY (order_id, line_no),
    UNIQUE (sku, order_id),
    CONSTRAINT to_buyer FOREIGN KEY (buyer) REFERENCES core.customers (id)
);
CREATE UNIQUE INDEX order_lines_note ON keyed.order_lines (note);
CREATE UNIQUE INDEX order_lines_lower_sku ON keyed.order_lines (lower(sku));
CREATE UNIQUE INDEX order_lines_some_buyers ON keyed.order_lines (buyer) WHERE line_no = 1;
ALTER TABLE keyed.order_lines ADD CONSTRAINT one_buyer_per_line UNIQUE (line_no, buyer);
GRANT USAGE ON SCHEMA sales, core, scratch, keyed TO {reader};
GRANT SELECT ON ALL TABLES IN SCHEMA sales, core, scratch, keyed TO {reader};
"""


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    database: str
    user: str
    password: str

    @property
    def dsn(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"

    def keyword_dsn(self) -> str:
        return f"host={self.host} port={self.port} dbname={self.database} user={self.user} password={self.password}"


def _binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's versioned folders."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(candidates[-1]).parent if candidates else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    bindir = _binaries()
    if bindir is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found; install the `postgresql` package"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: these tests must run)")
        pytest.skip(message)
    psycopg = pytest.importorskip("psycopg") if not os.environ.get("CI") else __import__("psycopg")
    # PostgreSQL refuses to run as root: run it as the `postgres` system user then.
    run_as: dict[str, int] = {}
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root needs a `postgres` system user to run the server as")
        run_as = {"user": account.pw_uid, "group": account.pw_gid}
    folder = Path(tempfile.mkdtemp(prefix="dlsp-pg-"))
    if run_as:
        os.chown(folder, run_as["user"], run_as["group"])
    data, log = folder / "data", folder / "server.log"
    admin_password = secrets.token_hex(12)
    password_file = folder / "pw"
    password_file.write_text(admin_password + "\n", encoding="utf-8")
    if run_as:
        os.chown(password_file, run_as["user"], run_as["group"])
    port = free_port()
    environment = {**os.environ, "LC_ALL": "C"}

    def run(*command: str) -> None:
        subprocess.run(
            command,
            check=True,
            capture_output=True,
            cwd=folder,
            env=environment,
            **run_as,  # type: ignore[arg-type]
        )

    try:
        run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            ADMIN,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={password_file}",
            "-E",
            "UTF8",
        )
        options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start")
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or b"").decode(errors="replace")
        if log.exists():
            detail += log.read_text(errors="replace")
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {detail}")
    reader_password = "pw-" + secrets.token_hex(10)
    try:
        admin = Postgres("127.0.0.1", port, "postgres", ADMIN, admin_password)
        with psycopg.connect(admin.dsn, autocommit=True) as connection:
            connection.execute("CREATE DATABASE shop")
        with psycopg.connect(Postgres("127.0.0.1", port, "shop", ADMIN, admin_password).dsn, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {READER} LOGIN PASSWORD '{reader_password}'")
            conn.execute(SCHEMA_SQL.format(reader=READER))
        yield Postgres("127.0.0.1", port, "shop", READER, reader_password)
    finally:
        subprocess.run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            cwd=folder,
            env=environment,
            **run_as,  # type: ignore[arg-type]
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own cache folder (HTTP last good copies, catalog cache)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("DOMAIN_LSP_CACHE_DIR", str(folder))
    return folder


class Relay:
    """A loopback TCP relay to `upstream`. `down()` closes its port (connections are refused),
    `up()` opens it again; with `silent` set it accepts connections and never answers."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.silent = False
        self.unanswered = 0
        """Connections accepted while silent."""
        self._listener: socket.socket | None = None
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
            listener.close()
        with self._lock:
            held, self._held = self._held, []
        for connection in held:
            connection.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by down()
                return
            with self._lock:
                self._held.append(client)
            if self.silent:
                self.unanswered += 1
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._held.append(server)
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, target), daemon=True).start()


def _pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass


@pytest.fixture
def relay(postgres: Postgres) -> Iterator[Relay]:
    """A relay in front of the session's PostgreSQL, up."""
    relay = Relay((postgres.host, postgres.port))
    relay.up()
    yield relay
    relay.down()


TOKEN_ENV = "DLSP_TEST_CATALOG_TOKEN"
TOKEN = "tok-7f3a9c1e5b"
CATALOG = {
    "sales": {
        "orders": {
            "description": "One row per order",
            "columns": {"id": "bigint", "total": {"type": "numeric", "description": "Gross"}},
        }
    },
    "core": {
        "customers": {
            "id": "int",
            "email": {"type": "text", "tags": ["pii"]},
            "legacy_id": {"type": "int", "deprecated": "use id"},
        }
    },
}


@dataclass
class Served:
    """What the HTTP catalog answers; a test changes it between loads."""

    body: bytes = json.dumps(CATALOG).encode()
    etag: str = '"v1"'
    status: int = 200
    silent: bool = False
    """Read the request and never answer it."""
    requests: list[dict[str, str]] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    """Set at the end of the test: silent handlers return."""


@pytest.fixture
def catalog_server() -> Iterator[tuple[str, Served]]:
    """An HTTP catalog on loopback that wants the bearer TOKEN: its URL and what it serves."""
    served = Served()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requests.append({k.lower(): v for k, v in self.headers.items()})
            if served.silent:
                served.released.wait(60)
                return
            if served.status != 200:
                self.send_response(served.status)
                self.end_headers()
                return
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send_response(401)
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == served.etag:
                self.send_response(304)
                self.send_header("ETag", served.etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("ETag", served.etag)
            self.send_header("Content-Length", str(len(served.body)))
            self.end_headers()
            self.wfile.write(served.body)

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

    with serving(Handler) as port:
        try:
            yield f"http://127.0.0.1:{port}/export/catalog.json", served
        finally:
            served.released.set()  # lets a handler told to stay silent return before shutdown
