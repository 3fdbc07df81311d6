"""A small push-diagnostics LSP client (as VS Code behaves) that drives `domain-lsp serve` over
stdio: the benchmark measures the server through the same wire a user's editor uses.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

TIMEOUT = 300.0


class BenchClient:
    """One server process; remembers when each (uri, version) got its diagnostics."""

    def __init__(self, workspace: Path, cache_dir: Path) -> None:
        self.workspace = workspace
        self.cache_dir = cache_dir
        self.client = LanguageClient("domain-lsp-bench", "1")
        self.published: dict[str, list[tuple[int | None, float, int]]] = defaultdict(list)
        self._arrived = asyncio.Event()
        self.spawned_at = 0.0

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published[params.uri].append((params.version, time.perf_counter(), len(params.diagnostics)))
            self._arrived.set()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def on_log(params: types.LogMessageParams) -> None:
            pass

        @self.client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def on_register(params: types.RegistrationParams) -> None:
            pass  # accepted, as an editor would (file watchers)

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def on_message(params: types.ShowMessageParams) -> None:
            print(f"  server says: {params.message}", file=sys.stderr)

    async def start(self) -> float:
        """Spawn and initialize; returns seconds from spawn to the initialize response."""
        env = {**os.environ, "DOMAIN_LSP_CACHE_DIR": str(self.cache_dir)}
        self.spawned_at = time.perf_counter()
        await self.client.start_io(sys.executable, "-m", "domain_lsp", "serve", cwd=str(self.workspace), env=env)
        uri = self.workspace.resolve().as_uri()
        capabilities = types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
                completion=types.CompletionClientCapabilities(
                    completion_item=types.ClientCompletionItemOptions(snippet_support=True)
                ),
            )
        )
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=capabilities,
                root_uri=uri,
                workspace_folders=[types.WorkspaceFolder(uri=uri, name="bench")],
            )
        )
        self.client.initialized(types.InitializedParams())
        return time.perf_counter() - self.spawned_at

    def open(self, path: Path, language: str) -> str:
        uri = path.resolve().as_uri()
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id=language, version=1, text=path.read_text(encoding="utf-8")
                )
            )
        )
        return uri

    async def diagnostics_for(self, uri: str, version: int) -> float:
        """Wait until diagnostics for `version` of `uri` arrive; returns their arrival time."""
        deadline = time.perf_counter() + TIMEOUT
        while True:
            for published_version, at, _ in self.published[uri]:
                if published_version == version:
                    return at
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no diagnostics for {uri} version {version}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                continue

    def change(self, uri: str, version: int, line: int, start: int, end: int, text: str) -> None:
        rng = types.Range(types.Position(line, start), types.Position(line, end))
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(range=rng, text=text)],
            )
        )

    async def complete(self, uri: str, line: int, character: int) -> tuple[float, int]:
        """Seconds for one completion request and how many items came back."""
        started = time.perf_counter()
        result = await self.client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character)
            )
        )
        elapsed = time.perf_counter() - started
        if result is None:
            return elapsed, 0
        items = result.items if isinstance(result, types.CompletionList) else result
        return elapsed, len(items)

    def peak_rss_mb(self) -> float | None:
        """The server's peak resident memory (VmHWM), read from /proc while it still runs."""
        server = self.client._server
        if server is None:
            return None
        try:
            status = Path(f"/proc/{server.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return None

    async def stop(self) -> None:
        """Shut the server down and wait until its process has gone: a server still freeing a
        large catalog would slow down the next one started."""
        server = self.client._server
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), 30)
            self.client.exit(None)
        except (TimeoutError, RuntimeError):
            pass
        await self.client.stop()
        if server is not None and server.returncode is None:
            try:
                await asyncio.wait_for(server.wait(), 30)
            except TimeoutError:
                server.kill()
