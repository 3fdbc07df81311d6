"""Keeping the catalog fresh without blocking: file watchers the client runs for us, a timer for
live sources and for changes the client did not report, and `$/progress` while a load runs.
Requests keep using the previous catalog until a reload has finished (server/state.py).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable

from lsprotocol import types

from domain_lsp.server.server import DomainLanguageServer  # at run time: pygls reads the hints

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 5.0
WATCHED_GLOBS = (
    "**/*.sql",
    "**/*.json",
    "**/*.yaml",
    "**/*.yml",
    "**/domain-lsp.toml",
    "**/pyproject.toml",
    "**/requirements*.txt",
    "**/*.lock",
    "**/pylock*.toml",
)
_tokens = itertools.count(1)


_background: set[asyncio.Future[None]] = set()


def _keep(task: asyncio.Future[None]) -> None:
    """Hold a reference to a fire-and-forget task until it is done (asyncio keeps weak ones)."""
    _background.add(task)
    task.add_done_callback(_background.discard)


def progress_reporter(ls: DomainLanguageServer) -> Callable[[], Callable[[str], None]]:
    """A catalog load as `$/progress` begin/end, for clients that show work-done progress."""

    def start() -> Callable[[str], None]:
        window = ls.client_capabilities.window
        if window is None or not window.work_done_progress:
            return lambda summary: None
        token = f"domain-lsp/catalog/{next(_tokens)}"

        async def begin() -> None:
            await ls.work_done_progress.create_async(token)
            ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title="domain-lsp: loading the catalog"))

        started = asyncio.ensure_future(begin())
        _keep(started)

        def end(summary: str) -> None:
            async def finish() -> None:
                try:
                    await started
                except Exception:  # the client refused the token: nothing to end
                    return
                ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=summary))

            _keep(asyncio.ensure_future(finish()))

        return end

    return start


def register(server: DomainLanguageServer) -> None:
    @server.feature(types.INITIALIZED)
    async def initialized(ls: DomainLanguageServer, params: types.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace is not None else None
        if watched is not None and watched.dynamic_registration:
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED_GLOBS]
            )
            registration = types.Registration(
                id="domain-lsp/watched-files",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=options,
            )
            try:
                await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
            except Exception as error:  # a client may refuse; the timer still notices changes
                log.warning("file watchers not registered: %s", error)
        _keep(asyncio.ensure_future(_check_periodically(ls)))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files_changed(ls: DomainLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [ls.path_of(change.uri) for change in params.changes]
        appeared = [
            ls.path_of(change.uri)
            for change in params.changes
            if change.type in (types.FileChangeType.Created, types.FileChangeType.Deleted)
        ]
        ls.state.files_changed(paths, appeared)


async def _check_periodically(ls: DomainLanguageServer) -> None:
    """Live sources due for a refresh, and file changes no watcher reported (edits outside
    the editor on a client without watchers): one stat per catalog input every few seconds."""
    while True:
        await asyncio.sleep(CHECK_EVERY_SECONDS)
        try:
            ls.state.refresh_stale()
        except Exception:  # never let the timer die: the next tick tries again
            log.exception("checking the catalog for changes failed")
