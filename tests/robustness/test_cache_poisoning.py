"""The on-disk cache holds data, never code (docs/security.md, "The cache holds data").

Whoever can write the cache folder (a CI cache restored from another branch's job, a shared
$DOMAIN_LSP_CACHE_DIR) must not get code run by the next `domain-lsp check`, nor wrong or
missing findings: a planted, corrupted, foreign or out-of-date file is ignored and rewritten.
Every run here is the real CLI in its own process, on a workspace with a DDL file, a SQLite
source and an HTTP catalog on loopback, the cache in a folder of the test's own.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest

from domain_lsp.catalog import cache
from tests.fixtures.loopback import serving

PASSWORD = "pw-Cache-7Rq-SECRET"
TOKEN = "tok-Cache-4Lm-SECRET"
DOCUMENT = {"crm": {"leads": {"lead_id": "int", "email": "text"}}}
QUERIES = (
    "SELECT order_date FROM sales.orders;\n"  # unknown column, from the DDL
    "SELECT id, nope FROM main.events;\n"  # unknown column, from the SQLite source
    "SELECT lead_id, phone FROM crm.leads;\n"  # unknown column, from the HTTP catalog
    "SELECT amount FROM sales.refunds;\n"  # unknown table
)


class Catalog(BaseHTTPRequestHandler):
    """Serves DOCUMENT with an ETag, and remembers the Authorization header of every request."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Catalog.seen.append(self.headers.get("Authorization", ""))
        body = json.dumps(DOCUMENT).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def port() -> Iterator[int]:
    Catalog.seen = []
    with serving(Catalog) as number:
        yield number


class Payload:
    """Unpickling this writes `marker`: what a planted cache file would do to a reader that
    unpickles it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return exec, (f"open({str(self.marker)!r}, 'w').write('code ran')",)


def make_workspace(tmp_path: Path, port: int, url_userinfo: str = "") -> Path:
    root = tmp_path / "ws"
    (root / "schema").mkdir(parents=True)
    (root / "schema" / "shop.sql").write_text(
        "CREATE TABLE sales.orders (order_id int, ordered_at timestamp, amount numeric);\n", encoding="utf-8"
    )
    (root / "data").mkdir()
    with sqlite3.connect(root / "data" / "app.db") as db:
        db.execute("CREATE TABLE events (id integer, at text)")
    db.close()
    (root / "q.sql").write_text(QUERIES, encoding="utf-8")
    (root / "domain-lsp.toml").write_text(
        '[sql]\ndialect = "postgres"\nschemas = ["schema/*.sql"]\nsearch_path = ["sales"]\n'
        '\n[[sql.sources]]\nkind = "sqlite"\npath = "data/app.db"\nrefresh_interval = 3600\n'
        f'\n[[sql.sources]]\nkind = "http"\nurl = "http://{url_userinfo}127.0.0.1:{port}/export/catalog.json"\n'
        'token_env = "DLSP_CACHE_TEST_TOKEN"\ntimeout = 5\nrefresh_interval = 3600\n',
        encoding="utf-8",
    )
    old = time.time() - 3600  # files changed in the last seconds are never cached
    for path in root.rglob("*"):
        os.utime(path, (old, old))
    return root


def environment(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DOMAIN_LSP_CACHE_DIR": str(tmp_path / "cache"),  # not there yet: the run creates it
        "DOMAIN_LSP_USER_CONFIG": str(tmp_path / "no-user-config.toml"),
        "DOMAIN_LSP_TRUST": "1",  # the test's own workspace: its HTTP source may be read
        "DLSP_CACHE_TEST_TOKEN": TOKEN,
    }


def check(root: Path, env: dict[str, str]) -> list[dict[str, object]]:
    """`domain-lsp check` in its own process: the findings, which must never depend on the cache."""
    command = [sys.executable, "-m", "domain_lsp", "check", "--format", "json", "q.sql"]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return json.loads(done.stdout)["diagnostics"]


def from_cache(root: Path, env: dict[str, str]) -> bool:
    """Whether `domain-lsp catalog` took the merged catalog from the cache file."""
    command = [sys.executable, "-m", "domain_lsp", "catalog", "--format", "json"]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return bool(json.loads(done.stdout)["from_cache"])


def cache_files(env: dict[str, str]) -> list[Path]:
    return sorted(p for p in Path(env["DOMAIN_LSP_CACHE_DIR"]).rglob("*") if p.is_file())


def catalog_files(env: dict[str, str]) -> list[Path]:
    return [p for p in cache_files(env) if p.suffix == cache.SUFFIX]


def assert_valid(path: Path) -> None:
    """A catalog file as the current format writes it: header, then exactly the lengths it says."""
    data = path.read_bytes()
    magic, version, _, head, area = cache.HEADER.unpack_from(data)
    assert (magic, version) == (cache.MAGIC, cache.FORMAT)
    assert len(data) == cache.HEADER.size + head + area
    json.loads(data[cache.HEADER.size : cache.HEADER.size + head])


def cold_findings(root: Path, env: dict[str, str]) -> list[dict[str, object]]:
    """The first run's findings, checked to show that all three sources really loaded: each one's
    wrong column is reported, not its table."""
    findings = check(root, env)
    named = [(f["code"], str(f["message"]).split("`")[1]) for f in findings]
    assert named == [
        ("unknown-column", "order_date"),
        ("unknown-column", "nope"),
        ("unknown-column", "phone"),
        ("unknown-table", "refunds"),
    ], named
    return findings


def test_planted_pickles_never_run_and_the_run_is_still_right(tmp_path: Path, port: int) -> None:
    root, env = make_workspace(tmp_path, port), environment(tmp_path)
    marker = tmp_path / "marker"
    payload = pickle.dumps(Payload(marker))
    pickle.loads(payload)  # the payload is live: a reader that unpickles it runs it
    assert marker.read_text() == "code ran"
    marker.unlink()

    cold = cold_findings(root, env)
    used = cache_files(env)
    # The merged catalog, the SQLite source's last good copy, the HTTP catalog's copy and metadata.
    assert len(catalog_files(env)) == 2 and len(used) == 4, used
    # Every name the run uses, the names the pickle-based format used, a file of that format (its
    # magic is the same) and a raw pickle: none of them may be unpickled.
    old_format = cache.MAGIC + len(payload).to_bytes(8, "little") + payload
    planted = [*used, *(p.with_suffix(".pickle") for p in catalog_files(env))]
    for path in planted:
        path.write_bytes(old_format if path.suffix in (cache.SUFFIX, ".pickle") else payload)

    assert check(root, env) == cold
    assert not marker.exists()
    for path in catalog_files(env):
        assert_valid(path)  # rewritten by that run
    assert not [p for p in planted if p.suffix == ".pickle" and p.exists()]  # the old names are cleared
    assert from_cache(root, env)
    assert check(root, env) == cold and not marker.exists()


def test_planted_last_good_copies_never_run_when_the_sources_are_down(tmp_path: Path) -> None:
    """A live source that cannot be read falls back on its saved copy: that read, too, must not
    run a planted payload; the copy is then no copy at all."""
    marker = tmp_path / "marker"
    payload = pickle.dumps(Payload(marker))
    with serving(Catalog) as number:
        root, env = make_workspace(tmp_path, number), environment(tmp_path)
        cold_findings(root, env)
    # The HTTP catalog is gone; so is the SQLite file.
    (root / "data" / "app.db").rename(root / "data" / "moved.db")
    for path in cache_files(env):
        path.write_bytes(
            cache.MAGIC + len(payload).to_bytes(8, "little") + payload if path.suffix == ".catalog" else payload
        )
    findings = check(root, env)
    assert not marker.exists()
    assert [f["code"] for f in findings] == [
        "unknown-column",
        "unknown-schema",  # main: the SQLite source's tables are unknown...
        "unknown-schema",  # crm: ...and so are the HTTP catalog's
        "unknown-table",
        "source-error",
        "source-error",
    ], findings
    problems = [str(f["message"]) for f in findings if f["code"] == "source-error"]
    assert all(p.endswith("no earlier copy, so its tables are unknown until it loads") for p in problems), problems


@pytest.fixture(scope="module")
def primed(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, dict[str, str], object, dict[Path, bytes]]]:
    """One workspace run once, for the damage cases: its findings and its good catalog files."""
    tmp_path = tmp_path_factory.mktemp("damage")
    with serving(Catalog) as number:
        root, env = make_workspace(tmp_path, number), environment(tmp_path)
        cold = cold_findings(root, env)
        yield root, env, cold, {path: path.read_bytes() for path in catalog_files(env)}


KEY = slice(12, 44)  # where the header holds the key's digest: after the magic (8) and the format (4)
HEAD_SIZE = slice(44, 52)


@pytest.mark.parametrize(
    "damage",
    [
        "empty",
        "cut in the header",
        "cut in the columns",
        "garbage",
        "another key",
        "a body that is not JSON",
        "lying lengths",
    ],
)
def test_a_damaged_or_foreign_file_is_ignored_and_rewritten(
    primed: tuple[Path, dict[str, str], object, dict[Path, bytes]], damage: str
) -> None:
    root, env, cold, good = primed
    for path, whole in good.items():
        head = int.from_bytes(whole[HEAD_SIZE], "little")
        broken = {
            "empty": b"",
            "cut in the header": whole[:30],
            "cut in the columns": whole[:-10],
            "garbage": b"\x80\x05garbage\x00" * 64,
            "another key": whole[: KEY.start] + bytes(b ^ 0xFF for b in whole[KEY]) + whole[KEY.stop :],
            "a body that is not JSON": whole[: cache.HEADER.size] + b"\x80" * head + whole[cache.HEADER.size + head :],
            "lying lengths": whole[: HEAD_SIZE.start] + (2**62).to_bytes(8, "little") + whole[HEAD_SIZE.stop :],
        }[damage]
        path.write_bytes(broken)
    assert not from_cache(root, env)  # ignored, and the catalog read again (and saved)...
    assert check(root, env) == cold  # ...to the same findings
    for path in good:
        assert_valid(path)
    assert from_cache(root, env)  # and the file it wrote is used


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file ownership and modes are POSIX")
def test_files_are_the_users_alone_and_foreign_ones_are_ignored(tmp_path: Path, port: int) -> None:
    root, env = make_workspace(tmp_path, port), environment(tmp_path)
    cold = cold_findings(root, env)
    folder = Path(env["DOMAIN_LSP_CACHE_DIR"])
    folders = [folder, *(p for p in folder.rglob("*") if p.is_dir())]
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o700}, folders
    assert {stat.S_IMODE(p.stat().st_mode) for p in cache_files(env)} == {0o600}
    assert from_cache(root, env)

    main = catalog_files(env)
    for path in main:  # still valid, but writable by the group: someone else could have written it
        path.chmod(0o660)
    assert not from_cache(root, env)
    assert {stat.S_IMODE(p.stat().st_mode) for p in cache_files(env)} == {0o600}  # rewritten
    assert from_cache(root, env)
    if os.getuid() == 0:  # only root can give a file away; CI runs as root
        for path in catalog_files(env):
            os.chown(path, 12345, 12345)
        assert not from_cache(root, env)
        assert {p.stat().st_uid for p in cache_files(env)} == {0}
    assert check(root, env) == cold


def test_no_password_or_token_in_any_cache_file(tmp_path: Path, port: int) -> None:
    root = make_workspace(tmp_path, port, url_userinfo=f"analyst:{PASSWORD}@")
    env = environment(tmp_path)
    cold_findings(root, env)  # the HTTP catalog's tables among them
    assert Catalog.seen and Catalog.seen[0].startswith("Basic "), Catalog.seen  # the password was sent
    assert from_cache(root, env)  # a cache was written and is used
    files = cache_files(env)
    assert any("http" in p.parts for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in (PASSWORD, TOKEN, "analyst:"):
            assert secret.encode() not in data, (path, secret)
            assert secret not in str(path)
    meta = next(p for p in files if p.name.endswith(".meta.json"))
    assert json.loads(meta.read_bytes())["url"] == f"http://127.0.0.1:{port}/export/catalog.json"
