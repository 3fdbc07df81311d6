"""Every kind of schema source, one line each. A new kind is one module that defines its
FileSource or LiveSource (domain_lsp/catalog/sources/__init__.py), one line here and its section
in docs/sources.md; the loader, the cache key and the staleness checks ask only this registry.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from domain_lsp.catalog.model import Catalog
from domain_lsp.catalog.sources import (
    FileRead,
    FileSource,
    LiveSource,
    SourceProblem,
    ddl,
    duckdb_db,
    http,
    information_schema,
    mapping,
    postgres,
    sqlite_db,
)
from domain_lsp.catalog.sources.dbt import DbtError, companion_files, is_dbt_artifact, load_dbt, manifest_of
from domain_lsp.config import SqlSettings


def _dbt_claims(path: Path, head: Callable[[], str]) -> bool:
    return path.name == "manifest.json" and is_dbt_artifact(path, head())


def _dbt_read(path: Path, content: str | bytes, catalog: Catalog, sql: SqlSettings) -> FileRead:
    try:
        problems, project = load_dbt(path, content, catalog)
    except DbtError as exc:
        return FileRead([SourceProblem(str(exc), exc.line, exc.column)])
    return FileRead(problems, dbt=project)


def _dbt_primary(path: Path) -> Path | None:
    """A dbt catalog.json is read with the manifest.json beside it."""
    return manifest_of(path) if path.name == "catalog.json" and manifest_of(path).is_file() else None


DBT = FileSource(
    "dbt",
    _dbt_claims,
    _dbt_read,
    as_text=False,
    inputs=lambda path: [path, *companion_files(path)],
    primary=_dbt_primary,
)
"""Defined here rather than in dbt.py, which reads the artifacts; this is how the loader calls it."""

FILE_SOURCES: tuple[FileSource, ...] = (
    DBT,
    information_schema.SOURCE,
    mapping.SOURCE,
    ddl.SOURCE,  # claims every file: last
)
"""In the order they are asked whether they claim a file: the first that does reads it."""

LIVE_SOURCES: dict[str, LiveSource] = {
    source.kind: source for source in (postgres.SOURCE, sqlite_db.SOURCE, duckdb_db.SOURCE, http.SOURCE)
}


def file_source(path: Path, head: Callable[[], str]) -> FileSource:
    """The kind that reads `path`."""
    return next(source for source in FILE_SOURCES if source.claims(path, head))


def primary_file(path: Path) -> Path:
    """The file `path` is read with (itself, unless it is part of another source's input)."""
    for source in FILE_SOURCES:
        primary = source.primary(path)
        if primary is not None:
            return primary
    return path
