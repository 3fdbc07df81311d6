"""What the server keeps between requests: one Project per config, loaded off the event loop,
and the latest analysis of each open document (computed once per document version).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from domain_lsp.analysis.python.document import PythonAnalysis
from domain_lsp.analysis.regions import SqlRegion
from domain_lsp.analysis.sql.document import SqlAnalysis
from domain_lsp.config import Config, ConfigError, find_config, load_config
from domain_lsp.findings import Finding
from domain_lsp.project import Project
from domain_lsp.text import LineIndex

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
    """Why the document was not analysed (too large, the analysis failed)."""
    _lines: LineIndex | None = field(default=None, repr=False)

    @property
    def findings(self) -> list[Finding]:
        if self.sql is not None:
            return self.sql.findings
        return self.python.findings if self.python is not None else self.problems

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


class ServerState:
    def __init__(self, on_config_error: Callable[[ConfigError], None]) -> None:
        self.root: Path | None = None
        self.config_path: Path | None = None
        """An explicit config file from initializationOptions."""
        self._projects: dict[Path, asyncio.Future[Project]] = {}
        self._analyses: dict[str, DocumentAnalysis] = {}
        self._on_config_error = on_config_error
        self.config_errors: dict[Path, ConfigError] = {}
        self._config_files: dict[Path, Path | None] = {}
        self.generation = 0
        """Bumped whenever config or catalog reloads; part of pull-diagnostic result ids."""

    # -- projects -----------------------------------------------------------------------
    def _config(self, path: Path) -> tuple[Path, Config]:
        """The config governing `path` and the key its project is cached under."""
        config_file = self._find_config(path)
        if config_file is None:
            root = self.root or (path if path.is_dir() else path.parent)
            return root, Config(root=root)
        try:
            config = load_config(config_file)
        except ConfigError as error:
            self.config_errors[config_file] = error
            self._on_config_error(error)
            return config_file, Config(root=config_file.parent.resolve())
        self.config_errors.pop(config_file, None)
        return config_file, config

    def _find_config(self, path: Path) -> Path | None:
        folder = path.parent
        if folder not in self._config_files:
            self._config_files[folder] = self.config_path or find_config(path)
        return self._config_files[folder]

    async def project_for(self, path: Path) -> Project:
        config_file = self._find_config(path)
        key = config_file or self.root or path.parent
        future = self._projects.get(key)
        if future is None or future.cancelled() or (future.done() and future.exception() is not None):
            _, config = self._config(path)
            future = asyncio.get_running_loop().run_in_executor(None, Project.load, config)
            self._projects[key] = future
        # Shielded: a cancelled request (a debounced publish superseded by the next edit) must
        # not cancel the load that every other request is waiting for.
        return await asyncio.shield(future)

    def forget_projects(self) -> None:
        """Drop every loaded project so the next request reloads config and catalog."""
        self._projects.clear()
        self._analyses.clear()
        self._config_files.clear()
        self.generation += 1

    def is_schema_input(self, path: Path) -> bool:
        """Saving this file should reload the catalog: a config file or a schema source."""
        if path.name in ("domain-lsp.toml", "pyproject.toml"):
            return True
        for future in self._projects.values():
            if future.done() and not future.cancelled() and future.exception() is None:
                project = future.result()
                if any(report.path.resolve() == path.resolve() for report in project.loaded.sources):
                    return True
        return False

    # -- documents ----------------------------------------------------------------------
    async def analyze(self, uri: str, path: Path, text: str, version: int | None, language: str) -> DocumentAnalysis:
        cached = self._analyses.get(uri)
        if cached is not None and cached.version == version and cached.text == text:
            return cached
        result = await self.analyze_text(path, text, language, version)
        self._analyses[uri] = result
        return result

    async def analyze_text(self, path: Path, text: str, language: str, version: int | None = None) -> DocumentAnalysis:
        """Analyse a text as a document of `language` ("sql", "python"); nothing is cached."""
        project = await self.project_for(path)
        if language not in ("sql", "python"):
            return DocumentAnalysis(version, text)
        if len(text) > LIVE_MAX_CHARS:
            message = (
                f"{len(text) / 1e6:.1f} million characters: too large to analyse while editing "
                f"(limit {LIVE_MAX_CHARS / 1e6:g} million); `domain-lsp check` checks it"
            )
            return DocumentAnalysis(version, text, problems=[Finding("file-error", message, 0, 0)])
        try:
            if language == "sql":
                return DocumentAnalysis(version, text, sql=project.analyze_sql(text, str(path)))
            return DocumentAnalysis(version, text, python=project.analyze_python(text, str(path)))
        except Exception as exc:  # one document's crash must not take the server's answers with it
            log.exception("analysis of %s failed", path)
            message = f"internal error, not analysed ({type(exc).__name__}: {exc}); please report it"
            return DocumentAnalysis(version, text, problems=[Finding("file-error", message, 0, 0)])

    def cached(self, uri: str) -> DocumentAnalysis | None:
        return self._analyses.get(uri)

    def close(self, uri: str) -> None:
        self._analyses.pop(uri, None)
