"""Keeping the catalog fresh without blocking: file watchers the client runs for us, a timer for
live sources and for changes the client did not report, `$/progress` while a load runs, and a
message when a source cannot be read. Requests keep using the previous catalog until a reload
has finished (server/state.py).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types

from domain_lsp.catalog.load import SourceReport, missing_globs
from domain_lsp.project import Project
from domain_lsp.server.server import DomainLanguageServer  # at run time: pygls reads the hints

log = logging.getLogger(__name__)

CHECK_EVERY_SECONDS = 5.0
WATCHED_GLOBS = (
    "**/*.sql",
    "**/*.json",
    "**/*.yaml",
    "**/*.yml",
    "**/*.csv",
    "**/*.tsv",
    "**/*.jsonl",
    "**/*.ndjson",
    "**/domain-lsp.toml",
    "**/pyproject.toml",
    "**/requirements*.txt",
    "**/requirements/*.txt",
    "**/*.in",
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


@dataclass(frozen=True)
class Notice:
    """A source's problems as told to the user."""

    live: bool
    problems: tuple[str, ...]
    """When these change, the log says so."""
    news: tuple[str, ...]
    """When these change, a message says so: a live source's problems; nothing for a schema
    file, told once while it has problems (one being edited would bring a message per save)."""
    text: str
    details: list[str] = field(compare=False)


def source_reporter(ls: DomainLanguageServer) -> Callable[[Project], None]:
    """Sources that could not be read, told once: `window/showMessage` when a source starts
    failing (a live one: or fails another way) and when a live one reads again, and every
    problem in the log when they change. A load that changes nothing says nothing: a source
    retried every few seconds must not nag. The editor has nowhere else to show them: a failed
    database or a broken mapping file has no open document, and `domain-lsp check` reports them
    on files the editor never opens."""
    told: dict[tuple[str, str], Notice] = {}

    def report(project: Project) -> None:
        config = project.config
        where = str(config.path or config.root)
        notices = {
            (where, r.name or str(r.path)): _notice(r, config.root) for r in project.loaded.sources if r.problems
        }
        if config.path is not None:
            for glob in missing_globs(config):
                text = f"schema glob `{glob}` in {config.path.name} matches no file"
                notices[(where, f"glob {glob}")] = Notice(False, (text,), (), text, [f"{config.path}: {text}"])
        for key, notice in notices.items():
            before = told.get(key)
            told[key] = notice
            if before is None or before.problems != notice.problems:
                ls.window_log_message(types.LogMessageParams(types.MessageType.Warning, "\n".join(notice.details)))
            if before is None or before.news != notice.news:
                message = f"domain-lsp: {notice.text}"
                ls.window_show_message(types.ShowMessageParams(types.MessageType.Warning, message))
        for key in [k for k in told if k[0] == where and k not in notices]:
            was_live = told.pop(key).live
            source = next((r for r in project.loaded.sources if r.name == key[1]), None)
            if was_live and source is not None:  # not a source the config no longer lists
                text = f"domain-lsp: {source.name} read again ({source.tables} tables)"
                ls.window_show_message(types.ShowMessageParams(types.MessageType.Info, text))

    return report


def _notice(report: SourceReport, root: Path) -> Notice:
    """A live source is named by SourceSettings.name, never by its DSN or token."""
    live = report.live is not None
    first, more = report.problems[0], len(report.problems) - 1
    if live:
        location = report.name.partition(" ")[2] or report.name
        text = first.message if location in first.message else f"{report.name}: {first.message}"
    else:
        path = report.path.relative_to(root) if report.path.is_relative_to(root) else report.path
        text = f"schema file {path}:{first.line + 1}: {first.message}"
    if more:
        text += f" (and {more} more {'problem' if more == 1 else 'problems'}: see the output log)"
    details = [
        f"{report.path}:{p.line + 1}:{p.character + 1}: {report.kind} source: {p.message}" for p in report.problems
    ]
    problems = tuple(p.message for p in report.problems)
    return Notice(live, problems, problems if live else (), text, details)


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
