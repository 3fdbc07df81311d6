"""Find the inventory files (configured globs, else the usual names in the workspace) and read
each with the parser its name calls for; a malformed file is a problem, never a crash.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from pathlib import Path

from domain_lsp.config import Config
from domain_lsp.inventory.lockfiles import read_pipfile_lock, read_toml_lock
from domain_lsp.inventory.model import Inventory, InventoryProblem
from domain_lsp.inventory.pyproject import read_pyproject
from domain_lsp.inventory.requirements import read_requirements

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

Reader = Callable[[Path, Inventory], None]


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


def inventory_files(config: Config) -> list[Path]:
    patterns = config.packages.inventory if config.packages.inventory is not None else DISCOVERED
    files: list[Path] = []
    for pattern in patterns:
        for match in sorted(config.root.glob(pattern)):
            if match.is_file() and match.resolve() not in files:
                files.append(match.resolve())
    return files


def load_inventory(config: Config) -> Inventory:
    inventory = Inventory()
    for path in inventory_files(config):
        reader = reader_for(path)
        if reader is None:
            inventory.problems.append(
                InventoryProblem(path, "not a known inventory format (requirements, pyproject, lock)")
            )
            continue
        if path not in inventory.files:
            inventory.files.append(path)
        reader(path, inventory)
    return inventory
