"""Lock files: uv.lock, poetry.lock, pylock.toml (PEP 751) and Pipfile.lock. Every locked
package counts as declared: the lock is what the team installs.
"""

from __future__ import annotations

import json
from pathlib import Path

from domain_lsp.inventory.model import Inventory, InventoryProblem
from domain_lsp.inventory.pyproject import line_of, load_toml, read_inventory_text
from domain_lsp.paths import Boundary


def read_toml_lock(path: Path, inventory: Inventory, boundary: Boundary | None = None) -> None:
    """uv.lock and poetry.lock use `[[package]]`, pylock.toml `[[packages]]`; each has a name."""
    loaded = load_toml(path, inventory, boundary)
    if loaded is None:
        return
    text, document = loaded
    key = "packages" if path.name.startswith("pylock") else "package"
    packages = document.get(key, [])
    if not isinstance(packages, list):
        inventory.problems.append(InventoryProblem(path, f"`{key}` is not an array of tables", line_of(text, key)))
        return
    for package in packages:
        name = package.get("name") if isinstance(package, dict) else None
        if isinstance(name, str):
            inventory.add(name, path, line_of(text, f'"{name}"'))


def read_pipfile_lock(path: Path, inventory: Inventory, boundary: Boundary | None = None) -> None:
    text = read_inventory_text(path, inventory, boundary)
    if text is None:
        return
    try:
        document = json.loads(text)
    except RecursionError:
        inventory.problems.append(InventoryProblem(path, "invalid JSON: nested too deeply to read"))
        return
    except json.JSONDecodeError as exc:
        inventory.problems.append(InventoryProblem(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno - 1))
        return
    if not isinstance(document, dict):
        inventory.problems.append(InventoryProblem(path, "not a Pipfile.lock object"))
        return
    for section in ("default", "develop"):
        packages = document.get(section, {})
        if isinstance(packages, dict):
            for name in packages:
                inventory.add(name, path, line_of(text, f'"{name}"'))
