"""Build the workspace catalog from the configured (or discovered) schema sources: files
(`sql.schemas`: DDL, mappings, dbt artifacts) in order, then live sources (`[[sql.sources]]`).

One bad source never stops the others: its problems are kept on its SourceReport. A catalog
whose inputs have not changed comes from the on-disk cache (catalog/cache.py).
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from domain_lsp.catalog.model import Catalog
from domain_lsp.catalog.parts import FilePart, Notes, RecordingCatalog, replay
from domain_lsp.catalog.sources import FileSource, Retry, SourceProblem, SourceUnavailable
from domain_lsp.catalog.sources.dbt import DbtProject
from domain_lsp.catalog.sources.registry import LIVE_SOURCES, file_source, primary_file
from domain_lsp.config import Config, SourceSettings, SqlSettings
from domain_lsp.paths import OUTSIDE, Boundary, TooLarge, glob, is_regular, read_file
from domain_lsp.text import LineIndex
from domain_lsp.workspace import walk

DDL_PATTERN = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:(?:temp|temporary|materialized|external|transient)\s+)*(?:table|view)\b",
    re.IGNORECASE,
)
DISCOVERY_PROBE = 1024 * 1024
HEAD_BYTES = 8192
"""How much of a file a source kind may look at to claim it."""
MAX_SOURCE_BYTES = 50 * 1024 * 1024
RETRY_SECONDS = 30.0
"""How soon a live source that could not be read is tried again (a database back up, a VPN
reconnected), even when its refresh interval is longer or 0 (on demand)."""


FileStamp = tuple[str, int, int]
"""A file as the cache and the staleness check see it: path, mtime in ns, size (-1, -1 if absent)."""


@dataclass
class SourceReport:
    path: Path
    """The source file; for a live source, the config file that declares it."""
    kind: str
    """"ddl", "mapping", "dbt", "information_schema", or a live kind: "postgres", "sqlite", "duckdb", "http"."""
    tables: int = 0
    problems: list[SourceProblem] = field(default_factory=list)
    seconds: float = 0.0
    name: str = ""
    """How to show the source: its path, or a live source's kind and location (never a secret)."""
    inputs: tuple[FileStamp, ...] = ()
    """Every file read, stamped when read: when one changes, the source is stale."""
    live: SourceSettings | None = None
    loaded_at: float = 0.0
    """time.time() when read; with `live.refresh_interval`, when the source needs reading again."""
    failed: bool = False
    """A live source that could not be read: its tables are those of its last good copy, if
    there is one, and it is tried again within RETRY_SECONDS whatever its refresh interval."""


@dataclass
class LoadedCatalog:
    catalog: Catalog
    sources: list[SourceReport]
    seconds: float = 0.0
    dbt: list[DbtProject] = field(default_factory=list)
    """The dbt projects among the sources: model files are checked with their refs resolved."""
    from_cache: bool = False
    """True when the catalog came from the on-disk cache rather than its sources."""
    parts: list[FilePart] | None = field(default=None, repr=False)
    """Each schema file's result, in order, when the files were read in this process: a reload
    after one changed re-reads only that one (reload_files)."""
    read_with: Config | None = field(default=None, repr=False)
    """The config the parts were read with: only the same config may reuse them."""


def stamp(path: Path) -> FileStamp:
    try:
        info = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), info.st_mtime_ns, info.st_size)


def catalog_is_stale(loaded: LoadedCatalog, now: float | None = None) -> bool:
    """True when a file the catalog was read from changed (or appeared or vanished), or a live
    source is older than its refresh interval. Cheap: one stat per input file. (A new file that
    a schema glob now matches is not seen here; the server learns of it from the client.)
    """
    return files_changed(loaded) or live_due(loaded, now)


def files_changed(loaded: LoadedCatalog) -> bool:
    return any(
        stamp(Path(path)) != (path, mtime, size) for report in loaded.sources for path, mtime, size in report.inputs
    )


def live_due(loaded: LoadedCatalog, now: float | None = None, on_demand: bool = False) -> bool:
    """True when a live source with a refresh interval is older than it; with `on_demand`, also
    when there is a live source without one (it is read on every load that is not a restart).
    """
    now = time.time() if now is None else now
    for report in loaded.sources:
        if report.live is None:
            continue
        if on_demand and report.live.refresh_interval == 0:
            return True
        interval = _refresh_interval(report)
        if interval > 0 and now - report.loaded_at >= interval:
            return True
    return False


def _refresh_interval(report: SourceReport) -> float:
    """Seconds between reads of a live source; a failed one is retried sooner."""
    interval = report.live.refresh_interval if report.live is not None else 0.0
    if report.failed:
        return min(interval, RETRY_SECONDS) if interval > 0 else RETRY_SECONDS
    return interval


def seconds_until_due(loaded: LoadedCatalog, now: float | None = None) -> float | None:
    """When the next live source is due for a refresh (0 if one already is); None if never."""
    now = time.time() if now is None else now
    due = [
        max(0.0, report.loaded_at + _refresh_interval(report) - now)
        for report in loaded.sources
        if report.live is not None and _refresh_interval(report) > 0
    ]
    return min(due) if due else None


def watched_files(loaded: LoadedCatalog) -> list[Path]:
    """Every file the catalog was read from (a dbt manifest's catalog.json and dbt_project.yml
    too): what a client should watch for changes.
    """
    return list(dict.fromkeys(Path(path) for report in loaded.sources for path, _, _ in report.inputs))


def stale_sources(loaded: LoadedCatalog, changed: list[Path]) -> bool:
    """True when one of `changed` (from workspace/didChangeWatchedFiles) is an input of the catalog."""
    inputs = {path for report in loaded.sources for path, _, _ in report.inputs}
    return any(str(path) in inputs or str(path.resolve()) in inputs for path in changed)


def _looks_like_ddl(path: Path, boundary: Boundary) -> bool:
    try:
        head = read_file(path, DISCOVERY_PROBE, boundary, head=True).decode("utf-8", errors="replace")
    except OSError:  # unreadable, not a regular file, or outside: not a schema file
        return False
    return DDL_PATTERN.search(head) is not None


def schema_files(config: Config, boundary: Boundary | None = None) -> list[Path]:
    """Configured sources in glob order, or, without `sql.schemas`, every .sql file of the
    workspace that creates a table or view. A glob's matches are listed as written, links
    whose target is outside the workspace too: they are named when read, never read.
    """
    boundary = boundary or Boundary.of_config(config)
    if config.sql.schemas is None:
        return [path for path in walk(config.root, (".sql",), within_project=True) if _looks_like_ddl(path, boundary)]
    files: list[Path] = []
    seen: set[Path] = set()
    for pattern in config.sql.schemas:
        for match in glob(config.root, pattern, boundary) or ():
            if match.absolute() not in seen:
                seen.add(match.absolute())
                files.append(match)
    return files


def candidate_files(config: Config) -> list[Path]:
    """The files whose set and stamps decide whether a cached catalog is still current: the
    configured globs' matches, or without `sql.schemas` every .sql file of the workspace.

    A match outside the workspace is listed under a name of its own (which no file has), so
    the key also changes when the user allows or withdraws its folder.
    """
    if config.sql.schemas is None:
        return list(walk(config.root, (".sql",), within_project=True))
    boundary = Boundary.of_config(config)
    return [
        path if boundary.contains(path) else path.with_name(f"{path.name} (outside the workspace)")
        for path in schema_files(config, boundary)
    ]


def glob_problems(config: Config, boundary: Boundary | None = None) -> list[tuple[str, str]]:
    """Configured schema globs that read nothing, each with why: it matches no file, or it
    starts outside the workspace (and so was not even listed). Worth a warning, never a crash."""
    boundary = boundary or Boundary.of_config(config)
    problems = []
    for pattern in config.sql.schemas or ():
        matches = glob(config.root, pattern, boundary)
        if matches is None:
            problems.append((pattern, f"is {OUTSIDE}, not read"))
        elif not matches:
            problems.append((pattern, "matches no file"))
    return problems


def missing_globs(config: Config) -> list[str]:
    """Configured schema globs that read nothing (see glob_problems)."""
    return [pattern for pattern, _ in glob_problems(config)]


def read_source(path: Path, report: SourceReport, boundary: Boundary | None = None) -> str | None:
    try:
        raw = read_file(path, MAX_SOURCE_BYTES, boundary)
    except TooLarge as exc:
        report.problems.append(SourceProblem(f"skipped: {exc}"))
        return None
    except OSError as exc:
        reason = str(exc)
        report.problems.append(SourceProblem(reason if reason.startswith("cannot read") else f"not read: {reason}"))
        return None
    if b"\0" in raw[:8192]:
        report.problems.append(SourceProblem("skipped: binary file (NUL bytes)"))
        return None
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace")
        line, character = LineIndex(text).line_col(len(raw[: exc.start].decode("utf-8", errors="replace")))
        report.problems.append(
            SourceProblem(
                f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}); loaded with replacement characters", line, character
            )
        )
        return text


def _load_one(
    path: Path, config: Config, catalog: Catalog, dbt: list[DbtProject], boundary: Boundary
) -> tuple[SourceReport, list[Retry]]:
    started = time.perf_counter()
    source = file_source(path, _head_reader(path, boundary))
    report = SourceReport(path, source.kind, name=str(path))
    report.inputs = tuple(stamp(p) for p in source.inputs(path))
    content = _content(path, source, report, boundary)
    if content is None:
        report.seconds = time.perf_counter() - started
        return report, []
    before = len(catalog)
    # Catalog objects are made in bulk with the collector paused; trees with cycles (DDL's)
    # are collected once the file is done, not amid it: collections while lexing and parsing a
    # big file walked the growing catalog again and again.
    with paused_gc():
        read = source.read(path, content, catalog, config.sql)
    if source.builds_cycles:
        gc.collect()
    report.problems.extend(read.problems)
    if read.dbt is not None:
        dbt.append(read.dbt)
    report.tables = len(catalog) - before
    report.seconds = time.perf_counter() - started
    return report, read.retries


def _head_reader(path: Path, boundary: Boundary) -> Callable[[], str]:
    """The file's first HEAD_BYTES as text, read when a source kind first asks ("" if unreadable)."""
    head: list[str] = []

    def read() -> str:
        if not head:
            try:
                raw = read_file(path, HEAD_BYTES, boundary, head=True)
            except OSError:  # the read proper will say why
                raw = b""
            head.append(raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace"))
        return head[0]

    return read


def _content(path: Path, source: FileSource, report: SourceReport, boundary: Boundary) -> str | bytes | None:
    """What the source reads: the file's text (checked, decoded) or its bytes; None when it
    cannot be read, the reason on the report."""
    if source.as_text:
        return read_source(path, report, boundary)
    try:
        return read_file(path, None, boundary)
    except OSError as exc:
        report.problems.append(SourceProblem(f"cannot read: {exc.strerror or exc}"))
        return None


def _source_files(files: list[Path]) -> list[Path]:
    """Each file once, a file read as part of another (a dbt catalog.json) as that one."""
    result: list[Path] = []
    seen: set[Path] = set()
    for path in files:
        path = primary_file(path)
        if path.absolute() not in seen:
            seen.add(path.absolute())
            result.append(path)
    return result


def _file_refusal(settings: SourceSettings, config: Config, boundary: Boundary) -> str | None:
    """Why a database file source is not opened: it lies outside the workspace, or is no regular
    file (a database engine would block on a FIFO). A missing file is the loader's to report,
    with the source's last good copy."""
    from domain_lsp.catalog.sources.live import source_path

    source = LIVE_SOURCES.get(settings.kind)
    if source is None or not source.is_file:
        return None
    path = source_path(settings, config)
    if not boundary.contains(path):
        return f"{OUTSIDE}, not opened"
    if path.exists() and not is_regular(path):
        return "not a regular file, not opened"
    return None


def _load_live(settings: SourceSettings, config: Config, catalog: Catalog, boundary: Boundary) -> SourceReport:
    from domain_lsp.catalog.sources.live import live_inputs, load_live

    started = time.time()
    report = SourceReport(config.path or config.root, settings.kind, name=settings.name, live=settings)
    report.inputs = tuple(stamp(p) for p in live_inputs(settings, config))
    line = (settings.line or 1) - 1
    refused = _file_refusal(settings, config, boundary)
    if refused is not None:  # no last good copy either: it would be the same file's tables
        report.problems.append(SourceProblem(f"{settings.name}: {refused}", line))
        report.loaded_at = started
        return report
    # Read into a catalog of its own: a read that fails half-way adds nothing, and a good one is
    # kept whole as the source's last good copy.
    part = Catalog()
    try:
        with paused_gc():
            problems = load_live(settings, config, part)
    except Exception as exc:  # SourceUnavailable, or a driver's surprise: never lose the others
        reason = str(exc) if isinstance(exc, SourceUnavailable) else f"unexpected {type(exc).__name__}"
        report.failed = True
        copy = _last_good(settings, config)
        if copy is None:
            problems = [
                SourceProblem(f"{settings.name}: {reason}; no earlier copy, so its tables are unknown until it loads")
            ]
        else:
            part, read_at = copy
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(read_at))
            problems = [SourceProblem(f"{settings.name}: {reason}; using the copy read {when}")]
    else:
        report.failed = any(p.fallback for p in problems)  # an HTTP catalog's own saved copy
        kind = LIVE_SOURCES.get(settings.kind)
        if not report.failed and not (kind is not None and kind.keeps_own_copy):
            _keep_last_good(settings, config, part, started)
    report.problems.extend(SourceProblem(p.message, line) for p in problems)
    before = len(catalog)
    catalog.merge(part)
    report.tables = len(catalog) - before
    report.loaded_at = started
    report.seconds = time.time() - started
    return report


def _copy_config(settings: SourceSettings, config: Config) -> Config:
    """The last good copy of one live source is cached like a catalog of its own, under a config
    holding only that source: the cache's key then covers the format, the version and where the
    source points."""
    from domain_lsp.catalog.sources.live import live_identity

    where = f"{config.path or config.root}#{live_identity(settings)!r}"  # only hashed, never shown
    return Config(root=config.root, path=Path(where), sql=SqlSettings(schemas=(), sources=(settings,)))


def _keep_last_good(settings: SourceSettings, config: Config, part: Catalog, read_at: float) -> None:
    from domain_lsp.catalog import cache

    report = SourceReport(config.path or config.root, settings.kind, name=settings.name, live=settings)
    report.loaded_at = read_at
    with paused_gc():
        cache.write(_copy_config(settings, config), LoadedCatalog(part, [report]))


def _last_good(settings: SourceSettings, config: Config) -> tuple[Catalog, float] | None:
    """A live source's last good copy and when it was read, or None."""
    from domain_lsp.catalog import cache

    with paused_gc():
        copy = cache.read(_copy_config(settings, config))
    return None if copy is None else (copy.catalog, copy.sources[0].loaded_at)


def load_catalog(
    config: Config,
    use_cache: bool = True,
    allow_stale: bool = False,
    refresh: bool = False,
    previous: LoadedCatalog | None = None,
) -> LoadedCatalog:
    """The catalog of `config`'s sources. With `use_cache`, an on-disk copy is used when no input
    changed and no live source is due, a live source without a refresh interval being always
    due (with `allow_stale`, even then: a server starting shows the copy at once and reloads in
    the background); the result is then saved for the next start. `refresh` reads every source
    (the reload command) and still saves the result. A reload passes the `previous` catalog: when
    only some schema files changed, only those are read again (reload_files).
    """
    from domain_lsp.catalog import cache
    from domain_lsp.catalog.conventions import apply_conventions

    if use_cache and not refresh:
        with paused_gc():
            cached = cache.read(config)
        if cached is not None and not files_changed(cached) and (allow_stale or not live_due(cached, on_demand=True)):
            return apply_conventions(config, cached)
    loaded = reload_files(config, previous) if previous is not None and not refresh else None
    if loaded is None:
        loaded = load_sources(config)
        if use_cache:
            gc.collect()  # DDL's parse trees, before the cache's copy joins them at the peak
    if use_cache:
        with paused_gc():
            cache.write(config, loaded)
    return apply_conventions(config, loaded)  # after the cache: it holds what the sources say


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while catalog objects are made in bulk (from the cache, a
    mapping, a manifest, a database): hundreds of thousands of new objects, none in a cycle,
    would trigger collections that walk them all again and again (60-70% of such a load).
    DDL, whose sqlglot trees do hold cycles, is collected after each file: paused across all
    of them, memory balloons.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_sources(config: Config) -> LoadedCatalog:
    """Read every source now, ignoring the cache."""
    started = time.perf_counter()
    catalog = RecordingCatalog()
    parts: list[FilePart] = []
    dbt: list[DbtProject] = []
    retries: list[tuple[SourceReport, Retry]] = []
    boundary = Boundary.of_config(config)
    for path in _source_files(schema_files(config, boundary)):
        part, pending = _read_part(path, config, catalog, dbt, boundary)
        parts.append(part)
        retries.extend((part.report, retry) for retry in pending)
    # Views over tables that later files define: retry until nothing more resolves.
    progress = True
    while retries and progress:
        progress = False
        for item in list(retries):
            if item[1]():
                retries.remove(item)
                item[0].tables += 1
                progress = True
    for report, retry in retries:
        report.problems.append(retry.problem)
    reports = [part.report for part in parts]
    for settings in config.sql.sources:
        reports.append(_load_live(settings, config, catalog, boundary))
    for report in reports:
        report.problems.sort(key=lambda p: (p.line, p.character))
    return LoadedCatalog(catalog.done(), reports, time.perf_counter() - started, dbt, parts=parts, read_with=config)


_file_reads = 0


def schema_file_reads() -> int:
    """How many schema files this process read (not counting those a reload kept): what the
    server's `domainLsp/debugCounts` shows, for the test of one-file reloads."""
    return _file_reads


def _read_part(
    path: Path, config: Config, catalog: RecordingCatalog, dbt: list[DbtProject], boundary: Boundary
) -> tuple[FilePart, list[Retry]]:
    """Read one file into `catalog`, noting what it did (catalog/parts.py); its retries apart:
    they hold parse trees, which a kept part must not."""
    global _file_reads
    _file_reads += 1
    catalog.notes = notes = Notes()
    projects = len(dbt)
    try:
        report, retries = _load_one(path, config, catalog, dbt, boundary)
    finally:
        catalog.notes = None
    project = dbt[-1] if len(dbt) > projects else None
    part = FilePart(path, report, notes, project, notes.replayable() and not retries)
    notes.own, notes.schemas = {}, set()  # only for answering lookups while it was read
    return part, retries


def reload_files(config: Config, previous: LoadedCatalog) -> LoadedCatalog | None:
    """`previous` with only the files that changed read again, or None when that cannot give
    what a full load gives: another config, another set of files, conventions (they are applied
    to the tables themselves), or a file old or new that is not self-contained (catalog/parts.py).
    Live sources are read again, as on any load after a file changed.
    """
    kept = previous.parts
    if kept is None or previous.read_with != config or config.conventions:
        return None
    if not all(part.self_contained for part in kept):
        return None
    started = time.perf_counter()
    boundary = Boundary.of_config(config)
    files = _source_files(schema_files(config, boundary))
    if [part.path for part in kept] != files:
        return None
    parts: list[FilePart] = []
    for part in kept:
        if any(stamp(Path(path)) != (path, mtime, size) for path, mtime, size in part.report.inputs):
            part, _ = _read_part(part.path, config, RecordingCatalog(), [], boundary)
            if not part.self_contained:
                return None
            part.report.problems.sort(key=lambda p: (p.line, p.character))
        parts.append(part)
    catalog = Catalog()
    reports: list[SourceReport] = []
    for part in parts:
        before = len(catalog)
        replay(part.notes, catalog)
        # Its count of new tables depends on the files before it: counted again, on a copy.
        reports.append(replace(part.report, tables=len(catalog) - before))
    for settings in config.sql.sources:
        reports.append(_load_live(settings, config, catalog, boundary))
        reports[-1].problems.sort(key=lambda p: (p.line, p.character))
    dbt = [part.dbt for part in parts if part.dbt is not None]
    return LoadedCatalog(catalog, reports, time.perf_counter() - started, dbt, parts=parts, read_with=config)
