"""Build the workspace catalog from the configured (or discovered) schema sources.

One bad source never stops the others: its problems are kept on its SourceReport.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from domain_lsp.catalog.model import Catalog
from domain_lsp.catalog.sources import SourceProblem
from domain_lsp.catalog.sources.ddl import Retry, load_ddl
from domain_lsp.catalog.sources.mapping import MappingError, load_mapping
from domain_lsp.config import Config
from domain_lsp.text import LineIndex
from domain_lsp.workspace import walk

MAPPING_SUFFIXES = (".json", ".yaml", ".yml")
DDL_PATTERN = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:(?:temp|temporary|materialized|external|transient)\s+)*(?:table|view)\b",
    re.IGNORECASE,
)
DISCOVERY_PROBE = 1024 * 1024
MAX_SOURCE_BYTES = 50 * 1024 * 1024


@dataclass
class SourceReport:
    path: Path
    kind: str
    """"ddl" or "mapping"."""
    tables: int = 0
    problems: list[SourceProblem] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class LoadedCatalog:
    catalog: Catalog
    sources: list[SourceReport]
    seconds: float = 0.0


def _glob(root: Path, pattern: str) -> list[Path]:
    """Matches of one configured glob, relative to root unless absolute. Broken symlinks count:
    they are reported as unreadable rather than silently ignored.
    """
    base = Path(pattern)
    if base.is_absolute():
        anchor = Path(base.anchor)
        pattern, root = str(base.relative_to(anchor)), anchor
    try:
        matches = sorted(root.glob(pattern))
    except (ValueError, OSError):
        return []
    return [m for m in matches if m.is_file() or (m.is_symlink() and not m.exists())]


def _looks_like_ddl(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(DISCOVERY_PROBE).decode("utf-8", errors="replace")
    except OSError:
        return False
    return DDL_PATTERN.search(head) is not None


def schema_files(config: Config) -> list[Path]:
    """Configured sources in glob order, or, without `sql.schemas`, every .sql file of the
    workspace that creates a table or view.
    """
    if config.sql.schemas is None:
        return [path for path in walk(config.root, (".sql",)) if _looks_like_ddl(path)]
    files: list[Path] = []
    seen: set[Path] = set()
    for pattern in config.sql.schemas:
        for match in _glob(config.root, pattern):
            if match.absolute() not in seen:
                seen.add(match.absolute())
                files.append(match)
    return files


def missing_globs(config: Config) -> list[str]:
    """Configured schema globs that match no file: worth a warning, never a crash."""
    return [p for p in config.sql.schemas or () if not _glob(config.root, p)]


def read_source(path: Path, report: SourceReport) -> str | None:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        report.problems.append(SourceProblem(f"cannot read: {exc.strerror or exc}"))
        return None
    if len(raw) > MAX_SOURCE_BYTES:
        report.problems.append(SourceProblem(f"skipped: larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB"))
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


def _load_one(path: Path, config: Config, catalog: Catalog) -> tuple[SourceReport, list[Retry]]:
    started = time.perf_counter()
    report = SourceReport(path, "mapping" if path.suffix.lower() in MAPPING_SUFFIXES else "ddl")
    retries: list[Retry] = []
    text = read_source(path, report)
    if text is not None:
        before = len(catalog)
        if report.kind == "mapping":
            try:
                report.problems.extend(load_mapping(path, text, catalog))
            except MappingError as exc:
                report.problems.append(SourceProblem(str(exc), exc.line, exc.column))
        else:
            problems, retries = load_ddl(path, text, catalog, config.sql.dialect, config.sql.search_path)
            report.problems.extend(problems)
        report.tables = len(catalog) - before
    report.seconds = time.perf_counter() - started
    return report, retries


def load_catalog(config: Config) -> LoadedCatalog:
    started = time.perf_counter()
    catalog = Catalog()
    reports: list[SourceReport] = []
    retries: list[tuple[SourceReport, Retry]] = []
    for path in schema_files(config):
        report, pending = _load_one(path, config, catalog)
        reports.append(report)
        retries.extend((report, retry) for retry in pending)
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
    for report in reports:
        report.problems.sort(key=lambda p: (p.line, p.character))
    return LoadedCatalog(catalog, reports, time.perf_counter() - started)
