"""pyproject.toml: PEP 621 dependencies and optional-dependencies, PEP 735 dependency-groups,
Poetry's dependency tables; the project's own name is a workspace distribution.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from domain_lsp.inventory.model import Inventory, InventoryProblem, normalize, requirement_name
from domain_lsp.paths import Boundary, read_file
from domain_lsp.text import LineIndex

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

MAX_INVENTORY_BYTES = 20 * 1024 * 1024
"""A requirements file or pyproject over this is not read: they are written by hand."""
MAX_LOCK_BYTES = 256 * 1024 * 1024
"""A lock file over this is not read. uv writes about 8 KB a package (a wheel line per platform):
a monorepo's 20,000 packages are 160 MB, read in about 2 s (docs/performance.md)."""
_STRING = re.compile(r'#[^\n]*|"((?:[^"\\\n]|\\.)*)"|\'([^\'\n]*)\'')
"""A comment (passed over, so a string in it is not taken for the value), or a one-line string."""
_KEY = re.compile(r'^[ \t]*(?:"((?:[^"\\\n]|\\.)*)"|\'([^\'\n]*)\'|([A-Za-z0-9_-]+))[ \t]*[=.]', re.M)


class TomlPositions:
    """Where a TOML text first writes each string and each key (a line's first), found in one
    pass over the text on first use, and placed by one LineIndex: a pyproject of 5,000
    dependencies is not searched 5,000 times."""

    def __init__(self, text: str) -> None:
        self.lines = LineIndex(text)
        self._strings: dict[str, int] | None = None
        self._keys: dict[str, int] | None = None

    def string(self, value: str) -> tuple[int, int]:
        """(1-based line, 0-based column) of the quote opening the first string whose text as
        written is `value`; (0, 0) when there is none (a value written with escapes)."""
        if self._strings is None:
            self._strings = {}
            for match in _STRING.finditer(self.lines.text):
                written = match.group(1) if match.group(2) is None else match.group(2)
                if written is not None:
                    self._strings.setdefault(written, match.start())
        return self._place(self._strings.get(value))

    def key(self, name: str) -> tuple[int, int]:
        """Where the first line that starts with the key `name` (bare or quoted) writes it."""
        if self._keys is None:
            self._keys = {}
            for match in _KEY.finditer(self.lines.text):
                group = next(g for g in (1, 2, 3) if match.group(g) is not None)
                self._keys.setdefault(match.group(group), match.start(group) - (group != 3))
        return self._place(self._keys.get(name))

    def _place(self, offset: int | None) -> tuple[int, int]:
        if offset is None:
            return 0, 0
        line, column = self.lines.line_col(offset)
        return line + 1, column


def read_inventory_text(
    path: Path, inventory: Inventory, boundary: Boundary | None, limit: int = MAX_INVENTORY_BYTES
) -> str | None:
    """An inventory file's text, read once (a regular file inside `boundary`, at most `limit`
    bytes), or None with a problem recorded on the file that never quotes it."""
    try:
        raw = read_file(path, limit, boundary)
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
    document = load_toml_text(path, text, inventory)
    return None if document is None else (text, document)


def load_toml_text(path: Path, text: str, inventory: Inventory) -> dict[str, Any] | None:
    """`path`'s TOML document, or None with a problem recorded where tomllib says it is broken."""
    try:
        return tomllib.loads(text)
    except RecursionError:  # tomllib recurses once per nested array or inline table
        inventory.problems.append(InventoryProblem(path, "invalid TOML: nested too deeply to read"))
        return None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(match.group(1)), int(match.group(2)) - 1) if match else (0, 0)
        message = re.sub(r"\s*\(at .*\)$", "", str(exc))
        inventory.problems.append(InventoryProblem(path, f"invalid TOML: {message}", line, column))
        return None


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
    positions = TomlPositions(text)
    own = _project_name(document)
    if own:
        inventory.own_names.add(normalize(own))
    project = document.get("project", {})
    if isinstance(project, dict):
        _requirements(path, positions, project.get("dependencies", []), "project.dependencies", inventory)
        optional = project.get("optional-dependencies", {})
        if isinstance(optional, dict):
            for extra, items in optional.items():
                _requirements(path, positions, items, f"project.optional-dependencies.{extra}", inventory)
    groups = document.get("dependency-groups", {})
    if isinstance(groups, dict):
        for group, items in groups.items():
            _requirements(path, positions, items, f"dependency-groups.{group}", inventory)
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
                        inventory.add(name, path, positions.key(name)[0])


def _requirements(path: Path, positions: TomlPositions, items: Any, key: str, inventory: Inventory) -> None:
    if not isinstance(items, list):
        inventory.problems.append(InventoryProblem(path, f"`{key}` is not a list", *positions.key(key.split(".")[-1])))
        return
    for item in items:
        if isinstance(item, dict):
            continue  # PEP 735 `{include-group = "..."}`: its group is read on its own
        name = requirement_name(item) if isinstance(item, str) else None
        if name is None:
            where = positions.string(item) if isinstance(item, str) else (0, 0)
            inventory.problems.append(InventoryProblem(path, f"`{key}`: not a requirement: {item!r}", *where))
            continue
        inventory.add(name, path, positions.string(item)[0])
