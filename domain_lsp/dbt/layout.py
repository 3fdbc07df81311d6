"""Where a dbt project keeps what: dbt_project.yml's folders (model-paths, macro-paths...),
its `vars:`, and which role a .sql file plays (a model to check, or a file dbt never runs as
a query: a macro, a generic test, a vendored package's code).

Read from dbt_project.yml itself, not the manifest, so a layout change needs no recompile;
kept per file modification time (reading and parsing it takes about 0.3 ms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from domain_lsp.paths import Boundary, read_file

FileRole = Literal["model", "not-a-model"]
DEFAULT_FOLDERS: dict[str, tuple[str, ...]] = {
    "model-paths": ("models",),
    "snapshot-paths": ("snapshots",),
    "analysis-paths": ("analyses",),
    "test-paths": ("tests",),
    "macro-paths": ("macros",),
}


@dataclass(frozen=True)
class DbtLayout:
    root: Path
    models: tuple[Path, ...]
    """Folders whose .sql files are checked as models: models, snapshots, analyses, and the
    singular tests (a test file is a query over refs, checked like a model)."""
    macros: tuple[Path, ...]
    generic_tests: tuple[Path, ...]
    """`tests/generic/`: `{% test %}` blocks, macros in all but name."""
    packages: Path
    """packages-install-path (dbt_packages/): vendored packages, their macros among them."""
    project_name: str = ""
    vars: dict[str, Any] = field(default_factory=dict)
    """`vars:` of dbt_project.yml, project-wide and under the project's own name."""

    def role(self, path: Path) -> FileRole | None:
        if path.suffix.lower() != ".sql":
            return None
        resolved = path.resolve()
        if any(resolved.is_relative_to(f) for f in (*self.macros, *self.generic_tests, self.packages)):
            return "not-a-model"
        if any(resolved.is_relative_to(folder) for folder in self.models):
            return "model"
        return None

    def macro_files(self) -> list[Path]:
        """The project's macro files, then each installed package's, sorted for a stable order."""
        files: list[Path] = []
        for folder in (*self.macros, *self.generic_tests):
            files.extend(sorted(folder.rglob("*.sql")) if folder.is_dir() else [])
        if self.packages.is_dir():
            for package in sorted(p for p in self.packages.iterdir() if p.is_dir()):
                files.extend(sorted(f for f in package.rglob("*.sql") if _is_package_macro(package, f)))
        return files


def _is_package_macro(package: Path, file: Path) -> bool:
    """A package's macros live under its macro-paths (default macros/); its models are not ours."""
    relative = file.relative_to(package).parts
    return bool(relative) and relative[0] in _folders(package, "macro-paths")


_CACHE: dict[Path, tuple[int, DbtLayout]] = {}


def layout_of(root: Path) -> DbtLayout:
    """The layout of the project at `root` (dbt's defaults where dbt_project.yml says nothing)."""
    project_file = root / "dbt_project.yml"
    try:
        stamp = project_file.stat().st_mtime_ns
    except OSError:
        stamp = -1
    cached = _CACHE.get(root)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    settings = _settings(root)
    folders = {key: _list(settings.get(key), default) for key, default in DEFAULT_FOLDERS.items()}
    resolved = root.resolve()
    tests = tuple(resolved / f for f in folders["test-paths"])
    packages = settings.get("packages-install-path")
    name = settings.get("name")
    layout = DbtLayout(
        root=resolved,
        models=tuple(resolved / f for key in ("model-paths", "snapshot-paths", "analysis-paths") for f in folders[key])
        + tests,
        macros=tuple(resolved / f for f in folders["macro-paths"]),
        generic_tests=tuple(t / "generic" for t in tests),
        packages=resolved / (packages if isinstance(packages, str) and packages else "dbt_packages"),
        project_name=name if isinstance(name, str) else "",
        vars=_vars(settings.get("vars"), name if isinstance(name, str) else ""),
    )
    _CACHE[root] = (stamp, layout)
    return layout


def _settings(root: Path) -> dict[str, Any]:
    try:
        import yaml

        data = yaml.safe_load(read_file(root / "dbt_project.yml", None, Boundary.of(root)).decode("utf-8"))
    except Exception:  # no project file, or one we cannot read: dbt's defaults still help
        return {}
    return data if isinstance(data, dict) else {}


def _folders(root: Path, key: str) -> tuple[str, ...]:
    return _list(_settings(root).get(key), DEFAULT_FOLDERS[key])


def _list(value: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return default


def _vars(value: Any, project_name: str) -> dict[str, Any]:
    """Project-wide vars, with those scoped to this project (`vars: {shop: {...}}`) over them."""
    if not isinstance(value, dict):
        return {}
    scoped = value.get(project_name) if project_name else None
    flat = {k: v for k, v in value.items() if not (k == project_name and isinstance(v, dict))}
    return {**flat, **(scoped if isinstance(scoped, dict) else {})}
