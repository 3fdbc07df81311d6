"""A real PostgreSQL for the live-source tests: initdb in a temporary folder, started with pg_ctl
on a free loopback port, once per session, stopped at the end.

Without the server binaries the tests are skipped, unless CI is set: CI must run them
(.ci/run installs PostgreSQL), so there a missing binary is a failure.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

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
GRANT USAGE ON SCHEMA sales, core, scratch TO {reader};
GRANT SELECT ON ALL TABLES IN SCHEMA sales, core, scratch TO {reader};
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
