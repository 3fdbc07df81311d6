"""A workspace as the analysis sees it: its config, its catalog, and how to analyse a file.

The language server and the CLI both hold a Project; neither adds analysis of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from domain_lsp.analysis.python.document import PythonAnalysis, analyze_python
from domain_lsp.analysis.sql.document import SqlAnalysis, analyze_sql
from domain_lsp.catalog.load import LoadedCatalog, load_catalog
from domain_lsp.catalog.model import Catalog
from domain_lsp.config import Config
from domain_lsp.findings import Finding

SQL_SUFFIXES = (".sql",)
PYTHON_SUFFIXES = (".py", ".pyi")
CHECKED_SUFFIXES = SQL_SUFFIXES + PYTHON_SUFFIXES


@dataclass
class Project:
    config: Config
    loaded: LoadedCatalog

    @classmethod
    def load(cls, config: Config) -> Project:
        return cls(config, load_catalog(config))

    @property
    def catalog(self) -> Catalog:
        return self.loaded.catalog

    def analyze_sql(self, text: str, path: str = "") -> SqlAnalysis:
        return analyze_sql(text, self.loaded.catalog, self.config.sql, path)

    def analyze_python(self, text: str, path: str = "") -> PythonAnalysis:
        return analyze_python(text, self.loaded.catalog, self.config.sql, path)

    def analyze(self, path: Path, text: str) -> list[Finding]:
        suffix = path.suffix.lower()
        if suffix in SQL_SUFFIXES:
            return self.analyze_sql(text, str(path)).findings
        if suffix in PYTHON_SUFFIXES:
            return self.analyze_python(text, str(path)).findings
        return []
