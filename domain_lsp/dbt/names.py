"""Whether a `ref()` or `source()` the manifest lacks names nothing at all (dbt itself would
fail: "depends on a node named ... which was not found") or something added since the last
compile, which stays opaque, never an error.

The manifest is only as fresh as the last `dbt compile`, so "not in the manifest" is not
enough: a model file, seed or snapshot of that name anywhere in the project (its packages
included), or a YAML file declaring the source table, means the name may well exist. The
project's files are scanned only when a name is missing (one scan of a 200-model project takes
about 4 ms), never for a model whose refs all resolve.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from domain_lsp.analysis.suggest import closest, did_you_mean
from domain_lsp.catalog.sources.dbt import DbtProject
from domain_lsp.paths import Boundary, read_file

SKIPPED_FOLDERS = frozenset({"target", "logs", ".git", "node_modules", ".venv"})
NODE_SUFFIXES = (".sql", ".py", ".csv")
SNAPSHOT_TAG = re.compile(r"\{%-?\s*snapshot\s+(\w+)", re.IGNORECASE)
MAX_FILE_BYTES = 4 * 1024 * 1024
YAML_NAME = re.compile(r"^\s*-?\s*(?:name|identifier):\s*[\"']?(\w+)", re.MULTILINE)


@dataclass(frozen=True)
class MissingName:
    message: str
    candidates: tuple[str, ...]
    """The manifest's closest names, best first: the fixes offer them."""
    in_source_name: bool = False
    """For a source(): the source itself is missing (else only its table)."""


def unknown_ref(project: DbtProject, name: str, package: str | None) -> MissingName | None:
    """Why `ref(name)` certainly names nothing, with the manifest's closest models; None when the
    project may have it (a file of that name exists: it was added since the last compile)."""
    if _defines_node(project.root, name.casefold()):
        return None
    candidates = tuple(closest(name, sorted({key for key in project.refs if "." not in key})))
    where = f" in package `{package}`" if package else ""
    return MissingName(
        f"model `{name}` does not exist{where} in the dbt project{did_you_mean(list(candidates))}", candidates
    )


def unknown_source(project: DbtProject, source_name: str, table_name: str) -> MissingName | None:
    """Why `source(source_name, table_name)` certainly names nothing; None when a YAML file may
    declare it (added since the last compile)."""
    declared = _yaml_names(project.root)
    if source_name.casefold() not in {s for s, _ in project.sources}:
        if source_name.casefold() in declared:
            return None
        candidates = tuple(closest(source_name, sorted({s for s, _ in project.sources})))
        message = f"source `{source_name}` does not exist in the dbt project{did_you_mean(list(candidates))}"
        return MissingName(message, candidates, in_source_name=True)
    if table_name.casefold() in declared:
        return None
    candidates = tuple(closest(table_name, sorted(t for s, t in project.sources if s == source_name.casefold())))
    return MissingName(
        f"source `{source_name}` has no table `{table_name}`{did_you_mean(list(candidates))}", candidates
    )


def _files(root: Path, suffixes: tuple[str, ...]) -> Iterator[Path]:
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                if entry.name not in SKIPPED_FOLDERS and not entry.name.startswith("."):
                    stack.append(entry)
            elif entry.suffix.lower() in suffixes:
                yield entry


def _defines_node(root: Path, name: str) -> bool:
    for file in _files(root, NODE_SUFFIXES):
        stem = file.stem.casefold()
        if stem == name or stem.startswith(name + "_v"):  # a versioned model's file: orders_v2.sql
            return True
        if file.suffix.lower() == ".sql" and _snapshot_names(file, root) & {name}:
            return True
    return False


def _text(file: Path, root: Path) -> str:
    """A project file as every workspace file is read (domain_lsp.paths); "" if it cannot be."""
    try:
        return read_file(file, MAX_FILE_BYTES, Boundary.of(root)).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _snapshot_names(file: Path, root: Path) -> set[str]:
    text = _text(file, root)
    return {m.casefold() for m in SNAPSHOT_TAG.findall(text)} if "snapshot" in text else set()


def _yaml_names(root: Path) -> set[str]:
    names: set[str] = set()
    for file in _files(root, (".yml", ".yaml")):
        names.update(m.casefold() for m in YAML_NAME.findall(_text(file, root)))
    return names
