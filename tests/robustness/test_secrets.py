"""Secrets held in environment variables (a PostgreSQL DSN, an HTTP catalog token) never appear in
anything the tool prints or sends: CLI text, JSON, SARIF and GitHub output, stderr, and the
server's diagnostics, messages and logs. TLS certificates of HTTP catalogs are verified unless
the config turns that off.

The sources fail on purpose (a closed port; an HTTP server that answers 500/401/garbage and
echoes the Authorization header back), because error paths are where secrets leak.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from lsp_driver import Driver

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"
PASSWORD = "pw-Zq8-SECRET-5e1"
TOKEN = "tok-Xy7-SECRET-9c3"
SECRETS = (PASSWORD, TOKEN)
CATALOG = {"extra": {"widgets": {"widget_id": "int"}}}


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers by path, echoing the Authorization header back in every error body."""

    seen: ClassVar[list[tuple[str, str]]] = []
    """(path, Authorization header) of every request, to show the secret was really sent."""

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization", "")
        Handler.seen.append((self.path, auth))
        status, body = {
            "/500": (500, f"internal error for {auth}"),
            "/401": (401, f"bad credentials {auth}"),
            "/garbage": (200, f"<html>{auth}</html>"),
            "/ok": (200, json.dumps(CATALOG)),
        }.get(self.path, (404, auth))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def web() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def make_workspace(tmp_path: Path, sources: str) -> Path:
    root = tmp_path / "ws"
    root.mkdir(parents=True)
    shutil.copytree(EXAMPLE / "schema", root / "schema")
    config = '[sql]\ndialect = "postgres"\nschemas = ["schema/*.sql"]\nsearch_path = ["sales", "core"]\n'
    (root / "domain-lsp.toml").write_text(config + sources)
    (root / "q.sql").write_text("SELECT nope FROM sales.orders;\nSELECT widget_id FROM extra.widgets;\n")
    return root


def env(tmp_path: Path) -> dict[str, str]:
    return {
        "DLSP_TEST_DSN": f"postgresql://admin:{PASSWORD}@127.0.0.1:9/warehouse?connect_timeout=2",
        "DLSP_TEST_DSN_KV": f"host=127.0.0.1 port=9 user=admin password={PASSWORD} dbname=x",
        "DLSP_TEST_TOKEN": TOKEN,
        "DOMAIN_LSP_CACHE_DIR": str(tmp_path / "cache"),
        # The user lets these variables be read, and the token be sent to the loopback host:
        # without that an untrusted workspace reads none of them (tests/robustness/test_trust.py).
        "DOMAIN_LSP_SECRET_ENV": "DLSP_TEST_DSN,DLSP_TEST_DSN_KV,DLSP_TEST_TOKEN=127.0.0.1",
        "DOMAIN_LSP_ALLOWED_HOSTS": "127.0.0.1",
    }


def failing_sources(web: str) -> str:
    return "".join(
        f"\n[[sql.sources]]\n{body}\n"
        for body in (
            'kind = "postgres"\ndsn_env = "DLSP_TEST_DSN"\ntimeout = 2',
            'kind = "postgres"\ndsn_env = "DLSP_TEST_DSN_KV"\ntimeout = 2',
            f'kind = "http"\nurl = "{web}/500"\ntoken_env = "DLSP_TEST_TOKEN"\ntimeout = 5',
            f'kind = "http"\nurl = "{web}/401"\ntoken_env = "DLSP_TEST_TOKEN"\ntimeout = 5',
            f'kind = "http"\nurl = "{web}/garbage"\ntoken_env = "DLSP_TEST_TOKEN"\ntimeout = 5',
        )
    )


def run_check(root: Path, environment: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", *args],
        cwd=root,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_cli_output_in_every_format_never_contains_a_secret(tmp_path: Path, web: str) -> None:
    root = make_workspace(tmp_path, failing_sources(web))
    environment = env(tmp_path)
    for output in ("text", "json", "sarif", "github"):
        result = run_check(root, environment, "--format", output)
        everything = result.stdout + result.stderr
        assert result.returncode in (0, 1), everything
        for secret in SECRETS:
            assert secret not in everything, f"{secret} in {output} output"
        assert "source-error" in everything  # the failures were reported, so this tested something
        assert "nope" in everything  # and the files were still checked


def test_server_messages_diagnostics_and_logs_never_contain_a_secret(tmp_path: Path, web: str) -> None:
    Handler.seen.clear()
    root = make_workspace(tmp_path, failing_sources(web))
    driver = Driver(root, "vscode", env=env(tmp_path))
    driver.start()
    try:
        uri = (root / "q.sql").as_uri()
        driver.open(uri, (root / "q.sql").read_text(), "sql")
        codes = {d.code for d in driver.pushed(uri, 1)}
        assert "unknown-column" in codes
    finally:
        driver.stop()
    everything = driver.recorded.everything()
    for secret in SECRETS:
        assert secret not in everything
    assert ("/500", f"Bearer {TOKEN}") in Handler.seen  # the server did use the token


@pytest.fixture
def tls_web(tmp_path: Path) -> Iterator[str]:
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl to make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_tls_certificates_are_verified_unless_turned_off(tmp_path: Path, tls_web: str) -> None:
    source = f'\n[[sql.sources]]\nkind = "http"\nurl = "{tls_web}/ok"\ntimeout = 5\n'
    verified = run_check(make_workspace(tmp_path / "on", source), env(tmp_path / "on"))
    assert "source-error" in verified.stdout
    assert "extra.widgets" in verified.stdout  # a self-signed catalog was not trusted
    unverified = run_check(make_workspace(tmp_path / "off", source + "tls_verify = false\n"), env(tmp_path / "off"))
    assert "extra.widgets" not in unverified.stdout, unverified.stdout  # the catalog loaded
    assert "nope" in unverified.stdout
