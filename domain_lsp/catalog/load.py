"""Build the workspace catalog from the configured (or discovered) schema sources."""

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
from domain_lsp.workspace import walk

MAPPING_SUFFIXES = (".json", ".yaml", ".yml")
DDL_PATTERN = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:(?:temp|temporary|materialized|external|transient)\s+)*(?:table|view)\b",
    re.IGNORECASE,
)
MAX_SOURCE_BYTES = 50 * 1024 * 1024


@dataclass
class SourceReport:
    path: Path
    kind: str
    tables: int = 0
    problems: list[SourceProblem] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class LoadedCatalog:
    catalog: Catalog
    sources: list[SourceReport]
    seconds: float = 0.0


def schema_files(config: Config) -> list[Path]:
    root = config.root
    if config.sql.schemas is None:
        found = []
        for path in walk(root, (".sql",)):
            try:
                with path.open("rb") as handle:
                    head = handle.read(1024 * 1024).decode("utf-8", errors="replace")
            except OSError:
                continue
            if DDL_PATTERN.search(head):
                found.append(path)
        return found
    files: list[Path] = []
    for pattern in config.sql.schemas:
        base = Path("/") if Path(pattern).is_absolute() else root
        for match in sorted(base.glob(pattern.lstrip("/") if base == Path("/") else pattern)):
            if match.is_file() and match not in files:
                files.append(match)
    return files


def missing_globs(config: Config) -> list[str]:
    """Configured schema globs that match no file: worth a warning, never a crash."""
    return [p for p in config.sql.schemas or () if not any(m.is_file() for m in config.root.glob(p))]


def read_source(path: Path, report: SourceReport) -> str | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        report.problems.append(SourceProblem(f"cannot read: {exc.strerror or exc}"))
        return None
    if len(raw) > MAX_SOURCE_BYTES:
        report.problems.append(SourceProblem(f"skipped: larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MB"))
        return None
    if b"\0" in raw[:8192]:
        report.problems.append(SourceProblem("skipped: binary file"))
        return None
    return raw.decode("utf-8", errors="replace")


def load_catalog(config: Config) -> LoadedCatalog:
    started = time.perf_counter()
    catalog = Catalog()
    reports: list[SourceReport] = []
    retries: list[tuple[SourceReport, Retry]] = []
    for path in schema_files(config):
        t0 = time.perf_counter()
        report = SourceReport(path, "mapping" if path.suffix.lower() in MAPPING_SUFFIXES else "ddl")
        reports.append(report)
        text = read_source(path, report)
        if text is None:
            continue
        before = len(catalog)
        if report.kind == "mapping":
            try:
                report.problems.extend(SourceProblem(p) for p in load_mapping(path, text, catalog))
            except MappingError as exc:
                report.problems.append(SourceProblem(str(exc), exc.line, exc.column))
        else:
            problems, pending = load_ddl(path, text, catalog, config.sql.dialect, config.sql.search_path)
            report.problems.extend(problems)
            retries.extend((report, retry) for retry in pending)
        report.tables = len(catalog) - before
        report.seconds = time.perf_counter() - t0
    # Views over tables that later files define: retry until nothing more resolves.
    progress = True
    while retries and progress:
        progress = False
        for item in list(retries):
            if item[1]():
                retries.remove(item)
                item[0].tables += 1
                progress = True
    return LoadedCatalog(catalog, reports, time.perf_counter() - started)
