"""Find the inventory files (configured globs, else the usual names in the workspace) and read
each with the parser its name calls for; a malformed file is a problem, never a crash.

What was read is kept for the process, as the catalog is kept on disk: keyed by the files the
globs list and the stamps of every file read, it is read again only when one of them changes
(a language server reloading its catalog, a source retried, finds it as it was).
"""

from __future__ import annotations

import fnmatch
import os
import threading
from collections.abc import Callable
from pathlib import Path

from domain_lsp.config import Config
from domain_lsp.inventory.lockfiles import read_pipfile_lock, read_toml_lock
from domain_lsp.inventory.model import Inventory, InventoryProblem
from domain_lsp.inventory.pyproject import read_pyproject
from domain_lsp.inventory.requirements import read_requirements
from domain_lsp.paths import OUTSIDE, Boundary, glob, glob_matches

DISCOVERED = (
    "requirements*.txt",
    "requirements/*.txt",
    "pyproject.toml",
    "uv.lock",
    "poetry.lock",
    "pylock.toml",
    "pylock.*.toml",
    "Pipfile.lock",
)

Reader = Callable[[Path, Inventory, Boundary], None]
"""Reads one file (only inside the boundary, as its includes) and adds what it declares."""


def reader_for(path: Path) -> Reader | None:
    name = path.name
    if name == "pyproject.toml":
        return read_pyproject
    if name in ("uv.lock", "poetry.lock") or fnmatch.fnmatch(name, "pylock*.toml"):
        return read_toml_lock
    if name == "Pipfile.lock":
        return read_pipfile_lock
    if name.endswith((".txt", ".in")):
        return read_requirements
    return None


def inventory_files(
    config: Config, boundary: Boundary | None = None, outside: list[str] | None = None, empty: list[str] | None = None
) -> list[Path]:
    """The files the globs match, as written (a link by its own name; its target is judged when
    read), each file once. Globs that start outside `boundary` list nothing; they are added to
    `outside`, when given; configured globs that match no file to `empty`."""
    boundary = boundary or Boundary.of_config(config)
    patterns = config.packages.inventory if config.packages.inventory is not None else DISCOVERED
    files: list[Path] = []
    seen: set[Path] = set()
    for pattern in patterns:
        matches = glob(config.root, pattern, boundary)
        if matches is None and outside is not None:
            outside.append(pattern)
        if matches == [] and empty is not None and config.packages.inventory is not None:
            empty.append(pattern)
        for match in matches or ():
            if match.resolve() not in seen:
                seen.add(match.resolve())
                files.append(match)
    return files


def is_inventory_input(config: Config, path: Path, read: Inventory | None = None) -> bool:
    """Whether `path` feeds the inventory of `config`: a file its globs (configured, or the usual
    names) match, with the loader's own glob semantics, or one `read` was read from (a `-r`
    include). What the server's watcher and its open documents ask, so they agree with the load."""
    if read is not None and (path in read.inputs or Path(os.path.abspath(path)) in read.inputs):
        return True
    patterns = config.packages.inventory if config.packages.inventory is not None else DISCOVERED
    return any(glob_matches(config.root, pattern, path) for pattern in patterns)


KEPT = 8
"""Workspaces whose inventory the process keeps (a server with several configs)."""
_kept: dict[tuple[object, ...], tuple[list[Path], list[str], Inventory]] = {}
_kept_lock = threading.Lock()
_reads = 0


def inventory_reads() -> int:
    """How many times this process read inventory files (not counting answers from what it kept):
    what the server's `domainLsp/debugCounts` shows, for the test that counts reloads."""
    return _reads


def load_inventory(config: Config) -> Inventory:
    """The inventory of `config`: the one kept when the globs list the same files and none of
    the files it was read from changed, else read now. Each caller gets its own copy."""
    global _reads
    boundary = Boundary.of_config(config)
    outside: list[str] = []
    empty: list[str] = []
    files = inventory_files(config, boundary, outside, empty)
    key = (config.root, config.path, config.packages.inventory, boundary.roots)
    with _kept_lock:
        kept = _kept.get(key)
    if kept is not None and kept[0] == files and kept[1] == outside + empty and not kept[2].changed():
        return kept[2].copy()
    inventory = _read(config, files, outside, boundary)
    for pattern in empty:  # fail closed: a configured inventory that is not there is an error
        inventory.problems.append(
            config_value_problem(
                config, pattern, f"inventory glob `{pattern}` matches no file; fix the path in packages.inventory"
            )
        )
    with _kept_lock:
        _reads += 1
        inventory.generation = _reads
        _kept.pop(key, None)
        _kept[key] = (files, outside + empty, inventory)
        while len(_kept) > KEPT:
            del _kept[next(iter(_kept))]
    return inventory.copy()


def _read(config: Config, files: list[Path], outside: list[str], boundary: Boundary) -> Inventory:
    inventory = Inventory()
    for path in files:
        reader = reader_for(path)
        if reader is None:
            inventory.problems.append(
                InventoryProblem(path, "not a known inventory format (requirements, pyproject, lock)")
            )
            continue
        if path not in inventory.files:
            inventory.files.append(path)
        inventory.note(path)
        reader(path, inventory, boundary)
    for pattern in outside:  # said on the config, at the glob
        inventory.problems.append(
            config_value_problem(
                config, pattern, f"inventory glob `{pattern}` is {OUTSIDE}, not read", "inventory-error"
            )
        )
    return inventory


def config_value_problem(config: Config, value: str, message: str, code: str = "missing-input") -> InventoryProblem:
    """A problem with a value the config file names (a glob, an environment), at that value."""
    from domain_lsp.inventory.pyproject import read_inventory_text

    where = config.path or config.root  # a config file names the globs; a bare Config has none to show
    text = read_inventory_text(where, Inventory(), None) if config.path is not None else ""
    line, column = 0, 0
    for number, content in enumerate((text or "").splitlines(), 1):
        found = content.find(f'"{value}"')
        if found == -1:
            found = content.find(f"'{value}'")
        if found != -1:
            line, column = number, found + 1
            break
    return InventoryProblem(where, message, line, column, code)
