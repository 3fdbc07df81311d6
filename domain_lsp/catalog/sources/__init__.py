"""One module per kind of schema source, each behind one of two small protocols; the registry
(registry.py) lists them. A file source says which files it claims and reads one file into a
catalog; a live source says which files make it stale and reads a database or a URL. Either
returns the problems it met instead of raising, so one bad source never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain_lsp.catalog.model import Catalog
    from domain_lsp.catalog.sources.dbt import DbtProject
    from domain_lsp.config import Config, SourceSettings, SqlSettings


@dataclass(frozen=True)
class SourceProblem:
    message: str
    line: int = 0
    """0-based, like `character`; 0 when the problem is about the whole file."""
    character: int = 0
    fallback: bool = False
    """A live source could not be read and its last good copy was used instead (see
    SourceReport.failed)."""


class SourceUnavailable(Exception):
    """A live source could not be read at all (driver missing, unreachable, refused). The
    message is shown to the user, so it never contains a DSN, password or token.
    """


@dataclass
class Retry:
    """A statement that could not apply yet: a view over a table a later file defines, or an
    ALTER/COMMENT on one. Calling it tries again; `problem` says what is lost if it never applies.
    """

    attempt: Callable[[], bool]
    problem: SourceProblem

    def __call__(self) -> bool:
        try:
            return self.attempt()
        except Exception:  # it failed the first time too; `problem` will say so
            return False


@dataclass
class FileRead:
    """What reading one file gave besides the tables it put in the catalog."""

    problems: list[SourceProblem] = field(default_factory=list)
    retries: list[Retry] = field(default_factory=list)
    """Statements to try again once every file is read (DDL only)."""
    dbt: DbtProject | None = None
    """A dbt manifest's project: its models are checked with their refs resolved."""


def _itself(path: Path) -> list[Path]:
    return [path]


def _primary(path: Path) -> Path | None:
    return None


@dataclass(frozen=True)
class FileSource:
    """A kind of schema file (`sql.schemas`)."""

    kind: str
    """As SourceReport.kind and the docs name it: "ddl", "mapping"..."""
    claims: Callable[[Path, Callable[[], str]], bool]
    """Whether a file is of this kind, from its path and (only if asked for) its first 8 KiB
    as text, without a byte-order mark. The registry asks in order; the first claim wins."""
    read: Callable[[Path, str | bytes, Catalog, SqlSettings], FileRead]
    """Read the file's content into the catalog. Never raises for what is in the file."""
    as_text: bool = True
    """The content is text, at most MAX_SOURCE_BYTES and decoded as UTF-8 by the loader; else the
    file's bytes, whatever their size (a dbt manifest can be huge)."""
    inputs: Callable[[Path], list[Path]] = _itself
    """Every file the read depends on: when one changes, the file is read again."""
    primary: Callable[[Path], Path | None] = _primary
    """For a file read as part of another (dbt's catalog.json, with its manifest), that file."""
    builds_cycles: bool = False
    """The read leaves garbage in reference cycles (sqlglot trees): collect after the file."""


def _no_files(settings: SourceSettings, config: Config) -> list[Path]:
    return []


def _nowhere(settings: SourceSettings) -> tuple[object, ...]:
    return ()


@dataclass(frozen=True)
class LiveSource:
    """A kind of `[[sql.sources]]` entry: read at load time from a database or a URL."""

    kind: str
    read: Callable[[SourceSettings, Config, Catalog], list[SourceProblem]]
    """Read the source into the catalog; raises SourceUnavailable when it cannot be read at all."""
    inputs: Callable[[SourceSettings, Config], list[Path]] = _no_files
    """Files whose change makes the source stale (a database file and its write-ahead log)."""
    is_file: bool = False
    """A database file (`path`): opened only inside the workspace, and only a regular file."""
    keeps_own_copy: bool = False
    """The source keeps its own last good copy (HTTP: the document fetched), so the loader does not."""
    where: Callable[[SourceSettings], tuple[object, ...]] = _nowhere
    """What the cache key holds of where the source points beyond its settings, never a secret."""
