"""The real server over stdio, driven from synchronous test code (hypothesis rules, plain tests).

The client runs on an event loop in a background thread so one server process can serve many
hypothesis examples; every call from the test waits at most `BOUND` seconds, which turns a hang
into a failure. Everything the server sends unasked (diagnostics pushes, messages, logs, stderr)
is recorded so tests can assert on ordering and search it for secrets.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.protocol import default_converter
from pytest_lsp import client_capabilities

T = TypeVar("T")

BOUND = 30.0
"""Seconds any one request or notification may take before the test fails (a hang guard)."""

SERVER_COMMAND = [sys.executable, "-m", "domain_lsp", "serve"]
PROFILES = {"neovim": "neovim@v0.11.0", "vscode": "visual-studio-code"}


@dataclass
class Publish:
    uri: str
    version: int | None
    diagnostics: list[types.Diagnostic]


@dataclass
class Recorded:
    publishes: list[Publish] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    stderr: bytearray = field(default_factory=bytearray)

    def everything(self) -> str:
        """All the server said unasked, as text (for searching for secrets)."""
        parts = [*self.messages, self.stderr.decode("utf-8", "replace")]
        for publish in self.publishes:
            parts.extend(f"{d.message} {d.code} {d.related_information}" for d in publish.diagnostics)
        return "\n".join(parts)


class Driver:
    """One server process; `call` runs a coroutine against it on the client's loop."""

    def __init__(
        self,
        root: Path,
        profile: str = "neovim",
        env: dict[str, str] | None = None,
        initialization_options: Any = None,
        command: list[str] | None = None,
    ) -> None:
        self.root = root
        self.profile = profile
        self.env = env
        self.initialization_options = initialization_options
        self.command = command or SERVER_COMMAND
        self.recorded = Recorded()
        self.encoding = "utf-16"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="lsp-driver", daemon=True)
        self.client = LanguageClient("fuzz-client", "1", converter_factory=default_converter)
        self._stderr_task: asyncio.Task[None] | None = None
        self._register_handlers()

    # -- lifecycle ---------------------------------------------------------------------------
    def _register_handlers(self) -> None:
        recorded = self.recorded

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            recorded.publishes.append(Publish(params.uri, params.version, list(params.diagnostics)))

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def show(params: types.ShowMessageParams) -> None:
            recorded.messages.append(params.message)

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def log(params: types.LogMessageParams) -> None:
            recorded.messages.append(params.message)

        @self.client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
        def lens_refresh(params: None) -> None:
            return None

        @self.client.feature(types.WORKSPACE_DIAGNOSTIC_REFRESH)
        def diagnostic_refresh(params: None) -> None:
            return None

        @self.client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register_capability(params: types.RegistrationParams) -> None:
            return None

        @self.client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def progress_create(params: types.WorkDoneProgressCreateParams) -> None:
            return None

        @self.client.feature(types.PROGRESS)
        def progress(params: types.ProgressParams) -> None:
            recorded.messages.append(str(params.value))

        @self.client.feature(types.WORKSPACE_CONFIGURATION)
        def configuration(params: types.ConfigurationParams) -> list[Any]:
            return [None for _ in params.items]

    def start(self) -> types.InitializeResult:
        self.thread.start()
        env = {**os.environ, **(self.env or {})}
        self.call(lambda: self.client.start_io(*self.command, env=env, cwd=str(self.root)))
        self._stderr_task = self.call(self._drain_stderr)
        capabilities = client_capabilities(PROFILES[self.profile])
        result = self.call(
            lambda: self.client.initialize_async(
                types.InitializeParams(
                    capabilities=capabilities,
                    root_uri=self.root.as_uri(),
                    workspace_folders=[types.WorkspaceFolder(uri=self.root.as_uri(), name=self.root.name)],
                    initialization_options=self.initialization_options,
                )
            )
        )
        self.notify(self.client.initialized, types.InitializedParams())
        encoding = result.capabilities.position_encoding
        self.encoding = str(getattr(encoding, "value", encoding or "utf-16"))
        return result

    async def _drain_stderr(self) -> asyncio.Task[None]:
        # Read the server's stderr continuously: a full pipe would block the server.
        async def drain() -> None:
            process = self.client._server
            if process is None or process.stderr is None:
                return
            while chunk := await process.stderr.read(65536):
                self.recorded.stderr.extend(chunk)

        return asyncio.ensure_future(drain())

    def stop(self) -> None:
        try:
            if self.alive():
                self.call(lambda: self.client.shutdown_async(None), timeout=10)
                self.notify(self.client.exit, None)
                self.call(self._wait_exit, timeout=10)
        finally:
            process = self.client._server
            if process is not None and process.returncode is None:
                process.kill()  # our own child, by its handle
            with_timeout = asyncio.run_coroutine_threadsafe(self.client.stop(), self.loop)
            try:
                with_timeout.result(10)
            except Exception:
                pass
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)

    async def _wait_exit(self) -> None:
        process = self.client._server
        if process is not None:
            await process.wait()

    def alive(self) -> bool:
        process = self.client._server
        return process is not None and process.returncode is None

    @property
    def returncode(self) -> int | None:
        process = self.client._server
        return process.returncode if process is not None else None

    # -- calls -------------------------------------------------------------------------------
    def call(self, make: Callable[[], Awaitable[T]], timeout: float = BOUND) -> T:
        """Run `make()` on the client's loop; a TimeoutError after `timeout` seconds."""

        async def bounded() -> T:
            return await asyncio.wait_for(make(), timeout)

        future = asyncio.run_coroutine_threadsafe(bounded(), self.loop)
        return future.result(timeout + 5)

    def notify(self, send: Callable[[Any], None], params: Any) -> None:
        async def run() -> None:
            send(params)

        self.call(run)

    def request(self, method: str, params: Any, timeout: float = BOUND) -> Any:
        return self.call(lambda: self.client.protocol.send_request_async(method, params), timeout)

    # -- documents ---------------------------------------------------------------------------
    def open(self, uri: str, text: str, language: str, version: int = 1) -> None:
        item = types.TextDocumentItem(uri=uri, language_id=language, version=version, text=text)
        self.notify(self.client.text_document_did_open, types.DidOpenTextDocumentParams(text_document=item))

    def change(self, uri: str, version: int, changes: list[types.TextDocumentContentChangeEvent]) -> None:
        params = types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=changes
        )
        self.notify(self.client.text_document_did_change, params)

    def close(self, uri: str) -> None:
        """Close; for a push client, also wait for the server's clearing publish, so a publish
        for the closed text can never be mistaken for one of a reopened document's version 1."""
        seen = len(self.recorded.publishes)
        params = types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        self.notify(self.client.text_document_did_close, params)
        if self.profile == "vscode":

            async def cleared() -> None:
                while not any(p.uri == uri and p.version is None for p in self.recorded.publishes[seen:]):
                    await asyncio.sleep(0.005)

            self.call(cleared)

    def pull(self, uri: str) -> list[types.Diagnostic]:
        report = self.request(
            types.TEXT_DOCUMENT_DIAGNOSTIC,
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri)),
        )
        return list(getattr(report, "items", None) or [])

    def pushed(self, uri: str, version: int, timeout: float = BOUND) -> list[types.Diagnostic]:
        """The diagnostics pushed for `version` of `uri` (waits for them, bounded)."""

        async def wait() -> list[types.Diagnostic]:
            while True:
                for publish in reversed(self.recorded.publishes):
                    if publish.uri == uri:
                        if publish.version == version:
                            return publish.diagnostics
                        break
                await asyncio.sleep(0.005)

        return self.call(wait, timeout)


# -- positions, computed independently of domain_lsp.text (the LSP spec's line breaks) ----------
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in LINE_BREAK.finditer(text))]


def line_content_end(text: str, starts: list[int], line: int) -> int:
    """Offset where a line's text ends (before its line break)."""
    if line + 1 < len(starts):
        end = starts[line + 1]
        return end - 2 if text[end - 2 : end] == "\r\n" else end - 1
    return len(text)


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def position(text: str, offset: int, encoding: str) -> types.Position:
    starts = line_starts(text)
    line = max(i for i, start in enumerate(starts) if start <= offset)
    offset = min(offset, line_content_end(text, starts, line))  # inside a CRLF: the line's end
    return types.Position(line=line, character=units(text[starts[line] : offset], encoding))


def offset_of(text: str, pos: types.Position, encoding: str) -> int | None:
    """The offset a position names exactly, or None when it is outside the text or splits a character."""
    starts = line_starts(text)
    if pos.line >= len(starts):
        return None
    start, end = starts[pos.line], line_content_end(text, starts, pos.line)
    count = 0
    for i in range(start, end + 1):
        if count == pos.character:
            return i
        if count > pos.character or i == end:
            return None
        count += units(text[i], encoding)
    return None


def iter_ranges(value: Any) -> Iterator[types.Range]:
    """Every Range inside an LSP result (hover, completion items, code actions...)."""
    if isinstance(value, types.Range):
        yield value
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from iter_ranges(item)
        return
    if hasattr(value, "__attrs_attrs__"):
        for attribute in value.__attrs_attrs__:
            yield from iter_ranges(getattr(value, attribute.name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_ranges(item)


def check_range(text: str, range_: types.Range, encoding: str) -> str | None:
    """Why a range is not a valid range of `text`, or None."""
    start = offset_of(text, range_.start, encoding)
    end = offset_of(text, range_.end, encoding)
    if start is None or end is None:
        return f"{range_} is outside the document or splits a character ({encoding})"
    if start > end:
        return f"{range_} ends before it starts"
    return None
