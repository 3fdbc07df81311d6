"""What the server keeps between requests: one Project per config, loaded off the event loop,
and the latest analysis of each open document (computed once per document version).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import gc
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from domain_lsp.analysis.python.document import PythonAnalysis
from domain_lsp.analysis.regions import SqlRegion
from domain_lsp.analysis.sql.document import SqlAnalysis
from domain_lsp.catalog.load import SourceReport, catalog_is_stale, schema_file_reads, stale_sources
from domain_lsp.catalog.load import files_changed as catalog_files_changed
from domain_lsp.config import Config, ConfigError, find_config, load_config, load_named_config
from domain_lsp.findings import Finding, Severity
from domain_lsp.inventory.load import inventory_reads
from domain_lsp.inventory.packages import PackageContext
from domain_lsp.paths import glob_matches
from domain_lsp.policy import DEFAULT as DEFAULT_POLICY
from domain_lsp.policy import Policy
from domain_lsp.project import Project
from domain_lsp.server.retries import Backoff, healthy_live_due, read_alone, replace_reports
from domain_lsp.text import LineIndex
from domain_lsp.trust import workspace_trusted

log = logging.getLogger(__name__)

LIVE_MAX_CHARS = 1_000_000
"""Documents longer than this are not analysed as they are edited. Analysis runs on the event
loop at roughly 3-4 s per MB of SQL (measured), so a bigger file would stall every request on
each keystroke; `domain-lsp check` still checks it."""


@dataclass
class DocumentAnalysis:
    version: int | None
    text: str
    sql: SqlAnalysis | None = None
    python: PythonAnalysis | None = None
    problems: list[Finding] = field(default_factory=list)
    """Findings of a document that is neither SQL nor Python (an inventory file), or why the
    document was not analysed (too large, the analysis failed)."""
    policy: Policy = DEFAULT_POLICY
    _lines: LineIndex | None = field(default=None, repr=False)
    _findings: list[Finding] | None = field(default=None, repr=False)

    @property
    def findings(self) -> list[Finding]:
        """What to report: the analysis' findings through the project's [diagnostics] policy
        (the same filter the CLI applies)."""
        if self._findings is None:
            if self.sql is not None:
                raw = self.sql.findings
            else:
                raw = self.python.findings if self.python is not None else self.problems
            self._findings = self.policy.apply(raw)
        return self._findings

    @property
    def lines(self) -> LineIndex:
        if self.sql is not None:
            return self.sql.lines
        if self.python is not None:
            return self.python.lines
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    def region_at(self, offset: int) -> SqlRegion | None:
        """The SQL under the cursor: the whole .sql document, or the Python string it is in."""
        if self.sql is not None:
            return SqlRegion(self.sql)
        return self.python.region_at(offset) if self.python is not None else None


INVENTORY_NAMES = ("pyproject.toml", "uv.lock", "poetry.lock", "Pipfile.lock")
CONFIG_NAMES = ("domain-lsp.toml", "pyproject.toml")
INDEX_RECHECK_SECONDS = 0.1
"""After the package index answers, wait this long for its other answers before re-checking."""


def is_inventory_file(path: Path) -> bool:
    name = path.name
    return (
        name in INVENTORY_NAMES
        or (name.startswith("requirements") and name.endswith(".txt"))
        or (name.startswith("pylock") and name.endswith(".toml"))
    )


@dataclass
class _Slot:
    """One config's project: the one requests use, and the one being loaded to replace it."""

    path: Path
    """A file governed by the config, to find and re-read the config with."""
    current: Project | None = None
    loading: asyncio.Future[Project] | None = None
    awaited: bool = False
    """Requests wait for `loading` instead of using `current`: the user saved a source and
    expects the next answers to reflect it."""
    retrying: asyncio.Future[list[SourceReport]] | None = None
    """Failed live sources being read again on their own (server/retries.py)."""
    backoff: Backoff = dataclasses.field(default_factory=Backoff)

    @property
    def reload_awaited(self) -> bool:
        return self.awaited and self.loading is not None


class ServerState:
    def __init__(
        self,
        on_config_problems: Callable[[Path, list[ConfigError]], None],
        on_reloaded: Callable[[], None] = lambda: None,
        on_load: Callable[[], Callable[[str], None]] | None = None,
        on_sources: Callable[[Project], None] = lambda project: None,
    ) -> None:
        self.root: Path | None = None
        self.config_path: Path | None = None
        """An explicit config file from initializationOptions."""
        self.trusted: bool | None = None
        """The editor's word on trust (initializationOptions.trusted); None lets the user's
        settings decide (domain_lsp.trust.workspace_trusted)."""
        self._projects: dict[Path, _Slot] = {}
        self._analyses: dict[str, DocumentAnalysis] = {}
        self._on_config_problems = on_config_problems
        self._on_reloaded = on_reloaded
        """Called after a background reload replaced a project: documents need re-checking."""
        self._on_load = on_load
        """Called when a load starts; returns what to call with a summary when it ends."""
        self._on_sources = on_sources
        """Called with each project loaded: tells the user about its sources' problems."""
        self.config_problems: dict[Path, list[ConfigError]] = {}
        """Each config file's problems as last reported (an empty list once it is fixed)."""
        self._config_files: dict[Path, Path | None] = {}
        self.generation = 0
        """Bumped whenever config or catalog reloads; part of pull-diagnostic result ids."""
        self._policies: dict[int, tuple[Project, Policy]] = {}
        self._pending: dict[str, tuple[int | None, str, asyncio.Future[DocumentAnalysis]]] = {}
        self.severity_overrides: dict[str, Severity] = {}
        self.ignored_codes: frozenset[str] = frozenset()
        self._index_recheck: asyncio.TimerHandle | None = None
        self.counts: Counter[str] = Counter()
        """What the server did in the background, for `domainLsp/debugCounts` (a testing aid)."""

    # -- projects -----------------------------------------------------------------------
    def _config(self, path: Path) -> tuple[Path, Config]:
        """The config governing `path` and the key its project is cached under."""
        config_file = self._find_config(path)
        if config_file is None:
            root = self.root or (path if path.is_dir() else path.parent)
            return root, Config(root=root)
        try:
            # Lenient: a bad key is reported and keeps its default; the valid keys still apply.
            if config_file == self.config_path and self.root is not None:
                config = load_named_config(
                    config_file, self.root, lenient=True
                )  # the user's choice: it may read the workspace
            else:
                config = load_config(config_file, lenient=True)
        except ConfigError as error:  # unreadable, or not TOML: nothing of it applies
            self._report_config(config_file, [error])
            return config_file, Config(root=config_file.parent.resolve())
        self._report_config(config_file, list(config.problems))
        return config_file, config

    def _report_config(self, config_file: Path, problems: list[ConfigError]) -> None:
        """Tell the client when a config's problems change, to none included: a fixed config
        clears its diagnostics on the next load (a save, the reload command)."""
        shown = [(p.key, p.problem, p.line) for p in self.config_problems.get(config_file, [])]
        if shown == [(p.key, p.problem, p.line) for p in problems] and config_file in self.config_problems:
            return
        self.config_problems[config_file] = problems
        self._on_config_problems(config_file, problems)

    def _find_config(self, path: Path) -> Path | None:
        folder = path.parent
        if folder not in self._config_files:
            self._config_files[folder] = self.config_path or find_config(path)
        return self._config_files[folder]

    async def project_for(self, path: Path) -> Project:
        """The project governing `path`. While a reload runs, requests get the previous project:
        loading never blocks them (except the very first load)."""
        key = self._slot_key(path)
        slot = self._projects.get(key)
        if slot is None:
            slot = self._projects[key] = _Slot(path)
            self._start_load(slot, allow_stale=True)
        if slot.current is not None and not slot.reload_awaited:
            return slot.current
        if slot.loading is None:
            self._start_load(slot)
        assert slot.loading is not None
        # Shielded: a cancelled request (a debounced publish superseded by the next edit) must
        # not cancel the load that every other request is waiting for.
        return await asyncio.shield(slot.loading)

    def _start_load(
        self, slot: _Slot, refresh: bool = False, allow_stale: bool = False, packages_only: bool = False
    ) -> None:
        """Load the slot's project in the background. A reload keeps what did not change: the
        packages, unless `refresh` (the reload command) or one of their files changed; with
        `packages_only` (an inventory file changed) also the catalog."""
        previous = None if refresh else slot.current
        done = self._on_load() if self._on_load is not None else None
        loop = asyncio.get_running_loop()
        if packages_only and previous is not None:
            self.counts["packageLoads"] += 1
            work: Callable[[], Project] = functools.partial(_with_packages_reloaded, previous)
        else:
            self.counts["catalogLoads"] += 1
            _, config = self._config(slot.path)
            work = functools.partial(
                Project.load,
                config,
                refresh=refresh,
                allow_stale=allow_stale,
                trusted=workspace_trusted(config.root, self.trusted),
                previous=previous,
            )
        future = loop.run_in_executor(None, work)
        slot.loading = future

        def loaded(result: asyncio.Future[Project]) -> None:
            if result is not slot.loading:
                return  # a newer load replaced this one
            slot.loading = None
            slot.awaited = False
            if result.cancelled() or result.exception() is not None:
                if not result.cancelled():
                    log.error("loading the catalog failed: %s", result.exception())
                if done is not None:
                    done("catalog load failed; see the server log")
                return
            project = result.result()
            if project is slot.current:  # an inventory file saved as it was: nothing changed
                if done is not None:
                    done("unchanged")
                return
            if not project.loaded.from_cache:
                slot.backoff.record(project.loaded.sources)
            # The catalog is long-lived and holds no cycles: take it out of the collector's
            # reach, or each full collection walks millions of objects (1.9 s at 100,000 tables,
            # seen as completion stalls).
            gc.freeze()
            index = project.packages.index if project.packages is not None else None
            if index is not None:  # asked in the background: no request waits for the index
                index.wait = False
                index.on_answer = functools.partial(loop.call_soon_threadsafe, self._index_answered)
            replaced = slot.current is not None
            slot.current = project
            if done is not None:
                done(f"{len(project.catalog)} tables")
            if replaced:
                self._recheck_documents()
            try:
                self._on_sources(project)
            except Exception:  # telling the user must never keep the new catalog from being used
                log.exception("reporting the catalog's source problems failed")
            if allow_stale and catalog_is_stale(project.loaded):
                self._start_load(slot)  # shown from the cache at once; now read what changed

        future.add_done_callback(loaded)

    def _index_answered(self) -> None:
        """The package index answered a question asked in the background: check documents
        again, once for answers arriving together."""
        if self._index_recheck is None:
            self._index_recheck = asyncio.get_running_loop().call_later(INDEX_RECHECK_SECONDS, self._recheck_documents)

    def _recheck_documents(self) -> None:
        """What the analyses depend on changed (a catalog, the index's answers): drop them, give
        pull clients a new result id, and have open documents checked again."""
        if self._index_recheck is not None:
            self._index_recheck.cancel()  # this recheck covers the one pending, if any
            self._index_recheck = None
        self._analyses.clear()
        self.generation += 1
        self._on_reloaded()

    def reload(self, refresh: bool = False) -> list[asyncio.Future[Project]]:
        """Reload every project in the background (requests use the old ones meanwhile); the
        loads, for a caller that wants to wait for them."""
        self._config_files.clear()
        loads = []
        for slot in self._projects.values():
            self._start_load(slot, refresh=refresh)
            assert slot.loading is not None
            loads.append(slot.loading)
        return loads

    def forget_projects(self) -> None:
        """Drop every project (the config changed): the next request loads afresh."""
        self._projects.clear()
        self._analyses.clear()
        self._config_files.clear()
        self.generation += 1

    def policy_for(self, project: Project) -> Policy:
        """The project's [diagnostics] settings, with the editor's severity overrides on top."""
        cached = self._policies.get(id(project))
        if cached is None or cached[0] is not project:
            base = Policy.build(project.config.diagnostics)
            severity = {**base.severity, **self.severity_overrides}
            ignore = base.ignore | self.ignored_codes
            cached = self._policies[id(project)] = (
                project,
                dataclasses.replace(base, severity=severity, ignore=ignore),
            )
        return cached[1]

    def set_editor_severity(self, overrides: dict[str, str]) -> None:
        """`initializationOptions.severity`: {code: "error"|"warning"|"information"|"hint"|"off"}."""
        from domain_lsp.server.options import severity_levels

        self.severity_overrides, self.ignored_codes = severity_levels(overrides)  # bad entries: server/options.py
        self._policies.clear()

    def loaded_projects(self) -> list[Project]:
        return [slot.current for slot in self._projects.values() if slot.current is not None]

    def refresh_stale(self, now: float | None = None) -> bool:
        """What the timer does, each proportional to what changed: reload the catalog when a
        file it was read from changed or a live source that reads fine is due; read a failed
        live source again on its own when its backoff is over; reload the packages when one
        of the inventory's files changed. Nothing when nothing changed: a stat per input."""
        now = time.time() if now is None else now
        started = False
        for slot in self._projects.values():
            project = slot.current
            if project is None or slot.loading is not None:
                continue
            if catalog_files_changed(project.loaded) or healthy_live_due(project.loaded, now):
                self._start_load(slot)  # its packages are kept unless they changed too
                started = True
                continue
            due = slot.backoff.due(project.loaded, now) if slot.retrying is None else []
            if due:
                self._retry(slot, project, due)
                started = True
            if project.packages is not None and project.packages.inventory_changed():
                self._start_load(slot, packages_only=True)
                started = True
        return started

    def _retry(self, slot: _Slot, project: Project, due: list[SourceReport]) -> None:
        """Read the failed sources `due` again, alone (server/retries.py): while they still fail
        only their reports change; once one reads, the catalog is reloaded to take its tables."""
        loaded = project.loaded
        done = self._on_load() if self._on_load is not None else None
        self.counts["sourceRetries"] += len(due)
        sources = [report.live for report in due if report.live is not None]
        future = asyncio.get_running_loop().run_in_executor(
            None, functools.partial(read_alone, sources, project.config)
        )
        slot.retrying = future

        def finished(result: asyncio.Future[list[SourceReport]]) -> None:
            slot.retrying = None
            if result.cancelled() or result.exception() is not None:
                if not result.cancelled():
                    log.error("reading a failed source again failed: %s", result.exception())
                if done is not None:
                    done("retry failed; see the server log")
                return
            reports = result.result()
            slot.backoff.record(reports)
            current = slot.current
            read = any(not report.failed for report in reports)
            if done is not None:
                done("read again" if read else "still unreadable")
            if current is None or current.loaded is not loaded:
                return  # the catalog was reloaded meanwhile, and read them itself
            if read:
                self._start_load(slot)  # it reads again: the catalog takes its tables
                return
            replace_reports(loaded, reports)
            try:
                self._on_sources(current)  # told only when how it fails is news
            except Exception:
                log.exception("reporting the catalog's source problems failed")

        future.add_done_callback(finished)

    def debug_counts(self) -> dict[str, int]:
        """For `domainLsp/debugCounts`: loads started by kind, sources retried, inventory reads."""
        return {
            "catalogLoads": self.counts["catalogLoads"],
            "packageLoads": self.counts["packageLoads"],
            "sourceRetries": self.counts["sourceRetries"],
            "inventoryReads": inventory_reads(),
            "schemaFileReads": schema_file_reads(),
        }

    def files_changed(self, paths: list[Path], created_or_deleted: list[Path], saved: bool = False) -> None:
        """Files changed on disk (didChangeWatchedFiles or a save): reload what they feed. After
        a save in the editor (`saved`) requests wait for the reload; otherwise they are answered
        from the previous catalog until it is done."""
        if any(p.name == "domain-lsp.toml" or self._is_config(p) for p in paths):
            self.forget_projects()
            self._on_reloaded()
            return
        for slot in self._projects.values():
            project = slot.current
            if project is None:
                continue
            if stale_sources(project.loaded, paths) or any(
                self._could_be_schema(project.config, p) for p in created_or_deleted
            ):
                self._start_load(slot)  # its packages are kept unless they changed too
                slot.awaited = saved
            elif any(project.is_inventory_file(p) for p in paths):
                # The catalog is kept; a catalog load already running has the project's packages
                # as they were, so it is started again to read them as they are now.
                self._start_load(slot, packages_only=slot.loading is None)
                slot.awaited = saved

    def _is_config(self, path: Path) -> bool:
        return path.name == "pyproject.toml" and find_config(path) == path

    @staticmethod
    def _could_be_schema(config: Config, path: Path) -> bool:
        """A new or deleted file that the schema globs (or discovery) would read."""
        if config.sql.schemas is None:
            return path.suffix.lower() == ".sql"
        # The loader's glob semantics (paths.glob_matches), not fnmatch's: `**/*.sql` takes
        # top-level files, `schema/*.sql` nothing in `schema/sub/`.
        return any(glob_matches(config.root, pattern, path) for pattern in config.sql.schemas)

    def is_schema_input(self, path: Path) -> bool:
        """Saving this file should reload the catalog: a config, schema or inventory file."""
        if path.name in CONFIG_NAMES or is_inventory_file(path):
            return True
        if any(project.is_inventory_file(path) for project in self.loaded_projects()):
            return True
        return any(stale_sources(p.loaded, [path]) for p in self.loaded_projects())

    # -- documents ----------------------------------------------------------------------
    async def analyze(self, uri: str, path: Path, text: str, version: int | None, language: str) -> DocumentAnalysis:
        # While a reload the answers must wait for runs (a saved schema), an analysis of the
        # same text is stale: it was made against the catalog being replaced.
        reloading = self._awaits_reload(path)
        cached = self._analyses.get(uri)
        if cached is not None and cached.version == version and cached.text == text and not reloading:
            return cached
        pending = self._pending.get(uri)
        if pending is None or pending[0] != version or pending[1] != text or reloading:
            future = asyncio.ensure_future(self.analyze_text(path, text, language, version))
            pending = self._pending[uri] = (version, text, future)
        # Shared by every request for this version; shielded so one cancelled request does not
        # cancel the analysis the others wait for.
        result = await asyncio.shield(pending[2])
        if self._pending.get(uri) is pending:
            del self._pending[uri]
        self._analyses[uri] = result
        return result

    def _slot_key(self, path: Path) -> Path:
        return self._find_config(path) or self.root or path.parent

    def _awaits_reload(self, path: Path) -> bool:
        slot = self._projects.get(self._slot_key(path))
        return slot is not None and slot.reload_awaited

    async def analyze_text(self, path: Path, text: str, language: str, version: int | None = None) -> DocumentAnalysis:
        """Analyse a text as a document of `language` ("sql", "python"); nothing is cached.

        On the event loop: running analysis on a worker thread made jedi's first read of a
        compiled library (duckdb) stall for a minute inside the server (seen in the Neovim
        tests), so slow first reads still block here."""
        project = await self.project_for(path)
        return _analyze(project, self.policy_for(project), path, text, language, version)

    def cached(self, uri: str) -> DocumentAnalysis | None:
        return self._analyses.get(uri)

    def close(self, uri: str) -> None:
        self._analyses.pop(uri, None)
        self._pending.pop(uri, None)


def _with_packages_reloaded(project: Project) -> Project:
    """`project` with its packages read again (its catalog as it is); itself when they did not
    change."""
    packages = PackageContext.load(project.config, project.packages)
    if packages is project.packages:
        return project
    return Project(project.config, project.loaded, packages)


def _analyze(
    project: Project, policy: Policy, path: Path, text: str, language: str, version: int | None
) -> DocumentAnalysis:
    policy = policy.for_path(path)  # [[diagnostics.overrides]]: the file's path decides
    if language not in ("sql", "python"):
        # An inventory file (requirements.txt, uv.lock, ...) has findings of its own.
        problems = project.analyze(path, text) if project.is_inventory_file(path) else []
        return DocumentAnalysis(version, text, problems=problems, policy=policy)
    if len(text) > LIVE_MAX_CHARS:
        message = (
            f"{len(text) / 1e6:.1f} million characters: too large to analyse while editing "
            f"(limit {LIVE_MAX_CHARS / 1e6:g} million); `domain-lsp check` checks it"
        )
        return DocumentAnalysis(version, text, problems=[Finding("file-error", message, 0, 0)])
    try:
        if language == "sql":
            return DocumentAnalysis(version, text, sql=project.analyze_sql(text, str(path)), policy=policy)
        return DocumentAnalysis(version, text, python=project.analyze_python(text, str(path)), policy=policy)
    except Exception as exc:  # one document's crash must not take the server's answers with it
        # One line for the user (the editor shows stderr as the server's log); the traceback
        # only at debug level, for a bug report.
        log.error("analysis of %s failed: %s: %s; please report it", path, type(exc).__name__, exc)
        log.debug("analysis of %s failed", path, exc_info=True)
        message = f"internal error, not analysed ({type(exc).__name__}: {exc}); please report it"
        return DocumentAnalysis(version, text, problems=[Finding("internal-error", " ".join(message.split()), 0, 0)])
