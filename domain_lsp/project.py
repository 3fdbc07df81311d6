"""A workspace as the analysis sees it: its config, its catalog, and how to analyse a file.

The language server and the CLI both hold a Project; neither adds analysis of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from domain_lsp.analysis.sql.document import SqlAnalysis, analyze_sql
from domain_lsp.catalog.load import LoadedCatalog, load_catalog
from domain_lsp.config import Config
from domain_lsp.findings import Finding

SQL_SUFFIXES = (".sql",)
CHECKED_SUFFIXES = SQL_SUFFIXES


@dataclass
class Project:
    config: Config
    loaded: LoadedCatalog

    @classmethod
    def load(cls, config: Config) -> Project:
        return cls(config, load_catalog(config))

    @property
    def catalog(self):  # type: ignore[no-untyped-def]
        return self.loaded.catalog

    def analyze_sql(self, text: str, path: str = "") -> SqlAnalysis:
        return analyze_sql(text, self.loaded.catalog, self.config.sql, path)

    def analyze(self, path: Path, text: str) -> list[Finding]:
        if path.suffix.lower() in SQL_SUFFIXES:
            return self.analyze_sql(text, str(path)).findings
        return []
