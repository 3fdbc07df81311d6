"""Module names after `import` / `from`: only what the team may import — the inventory's
packages, the standard library of the target Python, the workspace's own modules and the
allow list (never a denied package, never something merely installed)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from domain_lsp.inventory.packages import PackageContext

# The current line up to the cursor (matched from the line start, so no `^`): `import a, b.c` or
# `from a.b`, the name being typed last.
_IMPORTING = re.compile(r"\s*(?:import\s+(?:[\w.]+(?:\s+as\s+\w+)?\s*,\s*)*|from\s+)(?P<name>[\w.]*)$")


@dataclass(frozen=True)
class ModuleCompletion:
    label: str
    detail: str
    start: int
    """Offsets of the text the completion replaces (the part after the last dot)."""
    end: int


def complete_import(text: str, offset: int, context: PackageContext, path: str = "") -> list[ModuleCompletion] | None:
    """Module names for the cursor, or None when the cursor is not on an imported module name."""
    line_start = text.rfind("\n", 0, offset) + 1
    match = _IMPORTING.match(text, line_start, offset)
    if match is None:
        return None
    typed = match.group("name")
    parent, _, partial = typed.rpartition(".")
    start = offset - len(partial)
    if parent:
        names = dict.fromkeys(_submodules(parent, context, path), "module")
    else:
        names = _top_level(context, path)
    return [
        ModuleCompletion(name, detail, start, offset)
        for name, detail in sorted(names.items(), key=lambda item: (item[0].startswith("_"), item[0].lower()))
        if name.startswith(partial) and (partial.startswith("_") or not name.startswith("_"))
    ]


def _top_level(context: PackageContext, path: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for module in context.environment.stdlib:
        names[module] = f"standard library (Python {context.environment.python})"
    for declared in context.inventory.declared.values():
        dist = context.environment.distribution(declared.name)
        where = f"{declared.name} ({declared.path.name})"
        modules = dist.modules if dist is not None and dist.modules else ()
        if not modules:  # not installed: the names it most likely provides
            modules = tuple(m for m in context.names.declared_by_distribution(declared.name))
        for module in modules:
            names.setdefault(module, where)
    folders = [context.root, context.root / "src"]
    if path:
        folders.append(Path(path).resolve().parent)
    for folder in folders:
        for module in context.modules_in(folder):
            names.setdefault(module, "workspace")
    for allowed in context.allow:
        names.setdefault(allowed.split(".", 1)[0], "allowed (packages.allow)")
    return {name: detail for name, detail in names.items() if context.denial(name, name) is None}


def _submodules(parent: str, context: PackageContext, path: str) -> list[str]:
    """Modules inside package `parent`, from the workspace or the environment's site-packages."""
    parts = parent.split(".")
    roots = [context.root, context.root / "src"]
    if path:
        roots.append(Path(path).resolve().parent)
    roots.extend(Path(site) for site in context.environment.site_dirs)
    found: set[str] = set()
    for root in roots:
        folder = root.joinpath(*parts)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.endswith(".py") and name != "__init__.py":
                found.add(name[:-3])
            elif entry.is_dir() and name.isidentifier() and name != "__pycache__":
                found.add(name)
    return sorted(found)
