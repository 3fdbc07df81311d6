"""Wrong LSP framing costs at most the message it frames (issue 21): the real server over stdio,
fed raw bytes (an LSP client library cannot send a wrong Content-Length). After each bad
message, the next well-formed ones are answered and the server process stays alive; one that
can be recovered (a length a few bytes off) is handled, the rest get a JSON-RPC parse error.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lsp_driver import BOUND, SERVER_COMMAND

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"
QUERY = "SELECT nope FROM sales.orders"


def frame(message: dict[str, Any], length: int | None = None, delta: int = 0) -> bytes:
    body = json.dumps(message).encode()
    declared = len(body) + delta if length is None else length
    return f"Content-Length: {declared}\r\n\r\n".encode() + body


def hover(msg_id: int, uri: str) -> dict[str, Any]:
    position = {"line": 0, "character": 25}  # on `orders`
    params = {"textDocument": {"uri": uri}, "position": position}
    return {"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/hover", "params": params}


class RawServer:
    """`domain-lsp serve` with pipes: bytes in, parsed messages out (the server's framing is
    pygls' own writer, trusted here). Requests from the server are answered with null."""

    def __init__(self, root: Path, stderr: Path) -> None:
        self.root = root
        self.stderr_path = stderr
        self._stderr = stderr.open("wb")  # a file, never a pipe nobody drains
        self.process = subprocess.Popen(
            SERVER_COMMAND, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=os.environ
        )
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self._write_lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        stdout = self.process.stdout
        while True:
            length = None
            while (line := stdout.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line or length is None:
                return
            message = json.loads(stdout.read(length))
            if "method" in message and "id" in message:
                self.send(frame({"jsonrpc": "2.0", "id": message["id"], "result": None}))
            self.received.put(message)

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        with self._write_lock:
            self.process.stdin.write(data)
            self.process.stdin.flush()

    def wait(self, matches: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        """The first message (seen before or arriving within BOUND seconds) that matches."""
        for message in self.seen:
            if matches(message):
                return message
        while True:
            try:
                message = self.received.get(timeout=BOUND)
            except queue.Empty:
                raise AssertionError(f"no {what} within {BOUND} s; stderr: {self.stderr()[-2000:]}") from None
            self.seen.append(message)
            if matches(message):
                return message

    def response(self, msg_id: int) -> dict[str, Any]:
        return self.wait(lambda m: m.get("id") == msg_id and "method" not in m, f"response to {msg_id}")

    def stderr(self) -> str:
        if not self._stderr.closed:
            self._stderr.flush()
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> None:
        uri = self.root.as_uri()
        params = {
            "processId": None,
            "rootUri": uri,
            "capabilities": {},
            "workspaceFolders": [{"uri": uri, "name": "w"}],
        }
        self.send(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}))
        assert "capabilities" in self.response(1)["result"]
        self.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))

    def open(self, name: str, text: str) -> str:
        uri = (self.root / name).as_uri()
        document = {"uri": uri, "languageId": "sql", "version": 1, "text": text}
        self.send(frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": document}}))
        return uri

    def stop(self) -> int:
        try:
            self.send(frame({"jsonrpc": "2.0", "id": 999, "method": "shutdown", "params": None}))
            self.response(999)
            self.send(frame({"jsonrpc": "2.0", "method": "exit", "params": None}))
            return self.process.wait(BOUND)
        finally:
            if self.process.poll() is None:
                self.process.kill()  # our own child, by its handle
            self._stderr.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RawServer]:
    root = tmp_path / "warehouse"
    shutil.copytree(EXAMPLE, root)
    server = RawServer(root, tmp_path / "stderr.log")
    server.start()
    yield server
    if server.process.poll() is None:
        server.process.kill()


def parse_errors(server: RawServer) -> list[str]:
    return [m["error"]["message"] for m in server.seen if m.get("id", 0) is None and m["error"]["code"] == -32700]


def _send_bad_then_normal(server: RawServer, bad: bytes, msg_id: int = 7) -> None:
    uri = (server.root / f"after{msg_id}.sql").as_uri()
    document = {"uri": uri, "languageId": "sql", "version": 1, "text": QUERY}
    opened = frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": document}})
    server.send(bad + opened + frame(hover(msg_id, uri)))  # one write: the bad message is followed at once


def test_a_length_a_few_bytes_off_is_recovered_and_the_next_requests_answered(server: RawServer) -> None:
    uri = server.open("first.sql", QUERY)
    _send_bad_then_normal(server, frame(hover(5, uri), delta=-7) + frame(hover(6, uri), delta=+9))
    assert server.response(5)["result"] is not None  # too short by 7: still handled
    assert server.response(6)["result"] is not None  # too long by 9: still handled
    _check_answered(server, 7)
    warnings = [m["params"]["message"] for m in server.seen if m.get("method") == "window/logMessage"]
    assert any("Content-Length was" in w for w in warnings), warnings
    assert parse_errors(server) == []


def _check_answered(server: RawServer, msg_id: int) -> None:
    result = server.response(msg_id)["result"]
    assert result is not None and "orders" in json.dumps(result), result
    uri = (server.root / f"after{msg_id}.sql").as_uri()
    published = server.wait(
        lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri,
        f"diagnostics of {uri}",
    )
    assert [d["code"] for d in published["params"]["diagnostics"]] == ["unknown-column"]
    assert server.process.poll() is None


BAD_HEADERS = {
    "2**64": b"Content-Length: 18446744073709551616\r\n\r\n",
    "100 MB": b"Content-Length: 104857600\r\n\r\n",
    "negative": b"Content-Length: -52\r\n\r\n",
    "non-numeric": b"Content-Length: fifty\r\n\r\n",
    "missing": b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",
    "garbage line": b"Content-Length: 52\r\nthis is no header\r\n\r\n",
}


@pytest.mark.parametrize("header", BAD_HEADERS.values(), ids=BAD_HEADERS.keys())
def test_a_bad_header_gets_a_parse_error_and_the_next_requests_are_answered(server: RawServer, header: bytes) -> None:
    uri = server.open("first.sql", QUERY)
    body = json.dumps(hover(5, uri)).encode()
    _send_bad_then_normal(server, header + body)
    _check_answered(server, 7)
    assert [m for m in server.seen if m.get("id") == 5] == []  # the badly framed request is dropped...
    errors = parse_errors(server)
    assert len(errors) == 1, errors  # ...and said so, once
    assert "Content-Length" in errors[0] or "limit" in errors[0]
    assert body.decode() not in server.stderr()  # lengths and reasons, never the content
    assert server.stop() == 0
    assert "Traceback" not in server.stderr()


def test_garbage_and_an_unparseable_body_cost_only_themselves(server: RawServer) -> None:
    uri = server.open("first.sql", QUERY)
    bad_utf8 = b'{"jsonrpc": "2.0", "id": 5, "method": "x\xff"}'
    server.send(b"}}garbage\r\n\r\n" + frame(hover(4, uri)) + f"Content-Length: {len(bad_utf8)}\r\n\r\n".encode())
    _send_bad_then_normal(server, bad_utf8)
    assert server.response(4)["result"] is not None
    _check_answered(server, 7)
    assert len(parse_errors(server)) == 2, server.seen


def test_a_too_long_length_with_nothing_after_it_is_still_answered(server: RawServer) -> None:
    """The hard case: the client waits for the answer, the declared bytes never come."""
    uri = server.open("first.sql", QUERY)
    server.send(frame(hover(5, uri), delta=+40))
    assert server.response(5)["result"] is not None
    server.send(frame(hover(6, uri), delta=-3))  # too short, nothing after it either
    assert server.response(6)["result"] is not None
    _send_bad_then_normal(server, b"")
    _check_answered(server, 7)


def test_an_oversize_message_that_is_really_sent_is_skipped_as_it_arrives(server: RawServer) -> None:
    uri = server.open("first.sql", QUERY)
    padding = "x" * (65 * 2**20)
    body = json.dumps({"jsonrpc": "2.0", "method": "x/huge", "params": padding}).encode()
    sender = threading.Thread(target=server.send, args=(f"Content-Length: {len(body)}\r\n\r\n".encode() + body,))
    sender.start()  # the server reads while we write: 65 MB do not fit a pipe
    sender.join(BOUND)
    del body, padding
    _send_bad_then_normal(server, frame(hover(5, uri)))
    assert server.response(5)["result"] is not None
    _check_answered(server, 7)
    assert len(parse_errors(server)) == 1
    assert "over the 64 MiB limit" in parse_errors(server)[0]


def test_end_of_input_mid_message_ends_the_server_cleanly(server: RawServer) -> None:
    assert server.process.stdin is not None
    server.send(b'Content-Length: 500\r\n\r\n{"jsonrpc":')
    server.process.stdin.close()
    assert server.process.wait(BOUND) == 0
    assert "Traceback" not in server.stderr()


def test_a_request_answered_at_once_is_answered_though_its_cancel_comes_in_the_same_read(server: RawServer) -> None:
    """Neovim's diagnostic refresh sends `$/cancelRequest` for every pending pull of a buffer in
    the tick it sends its own pull, so a request and its cancel often arrive in one read. They
    are handled as if they had arrived apart: a request with nothing to wait for is answered
    (one that waits, e.g. on the first catalog load, is still cancelled: test_server_faults)."""
    uri = server.open("first.sql", QUERY)
    server.send(frame(hover(5, uri)))
    assert server.response(5)["result"] is not None  # the catalog and the analysis are ready now
    for msg_id in (6, 7, 8):
        cancel = frame({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": msg_id}})
        server.send(frame(hover(msg_id, uri)) + cancel)  # one write under a pipe's atomic size: one read
        response = server.response(msg_id)
        assert "error" not in response, response
        assert "orders" in json.dumps(response["result"])
    assert server.process.poll() is None
