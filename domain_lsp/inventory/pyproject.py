"""pyproject.toml: PEP 621 dependencies and optional-dependencies, PEP 735 dependency-groups,
Poetry's dependency tables; the project's own name is a workspace distribution.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from domain_lsp.inventory.model import Inventory, InventoryProblem, normalize
from domain_lsp.paths import Boundary, read_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
MAX_INVENTORY_BYTES = 20 * 1024 * 1024
"""A lock file of a large project is a few MB; a bigger file is not read."""


def read_inventory_text(path: Path, inventory: Inventory, boundary: Boundary | None) -> str | None:
    """An inventory file's text, read once (a regular file inside `boundary`, bounded in size),
    or None with a problem recorded on the file that never quotes it."""
    try:
        raw = read_file(path, MAX_INVENTORY_BYTES, boundary)
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        inventory.problems.append(InventoryProblem(path, f"cannot read: not UTF-8 text (byte {exc.start})"))
    except OSError as exc:
        reason = str(exc)
        inventory.problems.append(
            InventoryProblem(path, reason if reason.startswith("cannot") else f"not read: {reason}")
        )
    return None


def load_toml(path: Path, inventory: Inventory, boundary: Boundary | None = None) -> tuple[str, dict[str, Any]] | None:
    """A TOML file's text and document, or None with a problem recorded on the file."""
    text = read_inventory_text(path, inventory, boundary)
    if text is None:
        return None
    try:
        return text, tomllib.loads(text)
    except RecursionError:  # tomllib recurses once per nested array or inline table
        inventory.problems.append(InventoryProblem(path, "invalid TOML: nested too deeply to read"))
        return None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(match.group(1)), int(match.group(2)) - 1) if match else (0, 0)
        message = re.sub(r"\s*\(at .*\)$", "", str(exc))
        inventory.problems.append(InventoryProblem(path, f"invalid TOML: {message}", line, column))
        return None


def line_of(text: str, needle: str) -> int:
    """The 1-based line where `needle` first appears (good enough to place a declaration)."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return 0


def project_name(path: Path, boundary: Boundary | None = None) -> str | None:
    """The name a pyproject.toml gives its project; None when it has none or cannot be read."""
    try:
        document = tomllib.loads(read_file(path, MAX_INVENTORY_BYTES, boundary).decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None
    return _project_name(document)


def _project_name(document: dict[str, Any]) -> str | None:
    project = document.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    if isinstance(name, str):
        return name
    poetry = document.get("tool", {}).get("poetry", {})
    name = poetry.get("name") if isinstance(poetry, dict) else None
    return name if isinstance(name, str) else None


def read_pyproject(path: Path, inventory: Inventory, boundary: Boundary | None = None) -> None:
    loaded = load_toml(path, inventory, boundary)
    if loaded is None:
        return
    text, document = loaded
    own = _project_name(document)
    if own:
        inventory.own_names.add(normalize(own))
    project = document.get("project", {})
    if isinstance(project, dict):
        _requirements(path, text, project.get("dependencies", []), "project.dependencies", inventory)
        optional = project.get("optional-dependencies", {})
        if isinstance(optional, dict):
            for extra, items in optional.items():
                _requirements(path, text, items, f"project.optional-dependencies.{extra}", inventory)
    groups = document.get("dependency-groups", {})
    if isinstance(groups, dict):
        for group, items in groups.items():
            _requirements(path, text, items, f"dependency-groups.{group}", inventory)
    tool = document.get("tool", {})
    poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
    if isinstance(poetry, dict):
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        poetry_groups = poetry.get("group", {})
        if isinstance(poetry_groups, dict):
            tables.extend(g.get("dependencies") for g in poetry_groups.values() if isinstance(g, dict))
        for table in tables:
            if isinstance(table, dict):
                for name in table:
                    if name.lower() != "python":
                        inventory.add(name, path, line_of(text, name))


def _requirements(path: Path, text: str, items: Any, key: str, inventory: Inventory) -> None:
    if not isinstance(items, list):
        inventory.problems.append(InventoryProblem(path, f"`{key}` is not a list", line_of(text, key.split(".")[-1])))
        return
    for item in items:
        if isinstance(item, dict):
            continue  # PEP 735 `{include-group = "..."}`: its group is read on its own
        match = _NAME.match(item) if isinstance(item, str) else None
        if match is None:
            inventory.problems.append(
                InventoryProblem(path, f"`{key}`: not a requirement: {item!r}", line_of(text, str(item)))
            )
            continue
        inventory.add(match.group(1), path, line_of(text, str(item)))
