"""A workspace as the analysis sees it: its config, its catalog, and how to analyse a file.

The language server and the CLI both hold a Project; neither adds analysis of its own.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from domain_lsp.analysis.python.apis import ApiChecker
from domain_lsp.analysis.python.document import PythonAnalysis, analyze_python
from domain_lsp.analysis.sql.document import SqlAnalysis, analyze_sql
from domain_lsp.analysis.sql.jinja import analyze_dbt_model, dbt_project_for
from domain_lsp.catalog.load import LoadedCatalog, load_catalog
from domain_lsp.catalog.model import Catalog
from domain_lsp.config import Config
from domain_lsp.findings import Finding
from domain_lsp.inventory.load import is_inventory_input
from domain_lsp.inventory.packages import PackageContext
from domain_lsp.inventory.report import inventory_findings

SQL_SUFFIXES = (".sql",)
PYTHON_SUFFIXES = (".py", ".pyi")
CHECKED_SUFFIXES = SQL_SUFFIXES + PYTHON_SUFFIXES


@dataclass
class Project:
    config: Config
    loaded: LoadedCatalog
    packages: PackageContext | None = None
    """The package inventory and environment, read once with the catalog (off the server's
    event loop), then kept for every Python file."""
    _apis: ApiChecker | None = field(default=None, repr=False)

    @classmethod
    def load(
        cls,
        config: Config,
        refresh: bool = False,
        allow_stale: bool = False,
        trusted: bool = False,
        previous: Project | None = None,
    ) -> Project:
        """`refresh` re-reads every source; `allow_stale` takes the on-disk copy even when a live
        source is due (a starting server shows it at once and refreshes in the background);
        `trusted` is the user's decision (domain_lsp.trust): untrusted, nothing the workspace
        chose is run and no host it names is contacted unless the user allowed it. A reload
        passes the `previous` project: its packages (and their API models) are kept when
        nothing they were made of changed (PackageContext.load)."""
        config = replace(config, trusted=trusted)
        # The package context mostly waits for the interpreter probe (a subprocess): read it
        # while the catalog loads, which takes as long again off a start.
        with ThreadPoolExecutor(1, thread_name_prefix="domain-lsp-packages") as pool:
            kept = previous.packages if previous is not None else None
            packages = pool.submit(PackageContext.load, config, kept)
            kept_catalog = previous.loaded if previous is not None else None  # only changed files are read again
            catalog = load_catalog(config, allow_stale=allow_stale, refresh=refresh, previous=kept_catalog)
            project = cls(config, catalog, packages.result())
        if previous is not None and project.packages is kept:
            project._apis = previous._apis
        return project

    @property
    def trusted(self) -> bool:
        return self.config.trusted

    def package_context(self) -> PackageContext:
        if self.packages is None:
            self.packages = PackageContext.load(self.config)
        return self.packages

    def api_checker(self) -> ApiChecker:
        if self._apis is None:
            self._apis = ApiChecker(self.package_context(), trusted=self.trusted)
        return self._apis

    def is_inventory_file(self, path: Path) -> bool:
        """Whether `path` is one of the inventory's files (or would be, once created)."""
        read = self.packages.inventory if self.packages is not None else None
        return is_inventory_input(self.config, path, read)

    def inventory_problems(self) -> dict[Path, list[Finding]]:
        """Malformed inventory files, as findings on each file (offsets into its text)."""
        return inventory_findings(self.package_context().inventory)

    @property
    def catalog(self) -> Catalog:
        return self.loaded.catalog

    def analyze_sql(self, text: str, path: str = "") -> SqlAnalysis:
        model_of = dbt_project_for(self.loaded.dbt, path)  # a dbt model: render its Jinja first
        if model_of is not None:
            return analyze_dbt_model(text, self.loaded.catalog, self.config.sql, path, model_of)
        return analyze_sql(text, self.loaded.catalog, self.config.sql, path)

    def analyze_python(self, text: str, path: str = "") -> PythonAnalysis:
        return analyze_python(
            text,
            self.loaded.catalog,
            self.config.sql,
            path,
            packages=self.package_context(),
            apis=self.api_checker(),  # jedi runs only the interpreter find_interpreter allows
        )

    def analyze(self, path: Path, text: str) -> list[Finding]:
        suffix = path.suffix.lower()
        if suffix in SQL_SUFFIXES:
            return self.analyze_sql(text, str(path)).findings
        if suffix in PYTHON_SUFFIXES:
            return self.analyze_python(text, str(path)).findings
        return self.inventory_problems().get(Path(os.path.abspath(path)), [])  # a link by its own name
