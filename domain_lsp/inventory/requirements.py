"""requirements*.txt: pip's format with `-r`/`-c` includes, extras, markers, URLs and `-e` lines."""

from __future__ import annotations

import re
from pathlib import Path

from domain_lsp.inventory.model import Inventory, InventoryProblem

# A PEP 508 requirement's head: name, optional [extras], then what may follow a name.
_REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(?P<rest>.*)$")
_FOLLOWS_NAME = re.compile(r"^(?:$|[<>=!~;@(])")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_INCLUDE = re.compile(r"^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=\S))(?P<path>\S+)")
_EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s*=\s*|\s+)(?P<target>\S+)")
_URL = re.compile(r"^(?:[a-z+]+://|file:|\.{0,2}/)")
_COMMENT = re.compile(r"(^|\s)#.*$")
_MAX_DEPTH = 10


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(1-based first line, text) with comments dropped and `\\` continuations joined."""
    result: list[tuple[int, str]] = []
    pending, first = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = _COMMENT.sub("", raw)
        if not pending:
            first = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined = (pending + line).strip()
        pending = ""
        if joined:
            result.append((first, joined))
    if pending.strip():
        result.append((first, pending.strip()))
    return result


def read_requirements(path: Path, inventory: Inventory, seen: set[Path] | None = None, depth: int = 0) -> None:
    seen = set() if seen is None else seen
    resolved = path.resolve()
    if resolved in seen or depth > _MAX_DEPTH:
        return
    seen.add(resolved)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        inventory.problems.append(InventoryProblem(path, f"cannot read: {exc}"))
        return
    for number, line in logical_lines(text):
        include = _INCLUDE.match(line)
        if include:
            target = (path.parent / include.group("path")).resolve()
            if not target.is_file():
                column = _column(text, number, include.group("path"))
                inventory.problems.append(
                    InventoryProblem(path, f"included file `{include.group('path')}` not found", number, column)
                )
                continue
            if target not in inventory.files:
                inventory.files.append(target)
            read_requirements(target, inventory, seen, depth + 1)
            continue
        editable = _EDITABLE.match(line)
        if editable:
            where = editable.group("target")
            egg = _EGG.search(where)
            if egg:
                inventory.add(egg.group(1), path, number)
            else:
                _add_local_project(path.parent / where, path, number, inventory)
            continue
        if line.startswith("-"):
            continue  # other pip options: --index-url, --hash, -f, --pre ...
        if _URL.match(line):
            egg = _EGG.search(line)
            if egg:
                inventory.add(egg.group(1), path, number)
            elif not line.startswith(("http", "git+", "hg+", "svn+", "bzr+")):
                _add_local_project(path.parent / line.split()[0], path, number, inventory)
            continue
        match = _REQUIREMENT.match(line)
        if match is None or not _FOLLOWS_NAME.match(match.group("rest").split(" --", 1)[0].strip()):
            bad = line.split()[0]
            inventory.problems.append(
                InventoryProblem(path, f"not a requirement: `{line}`", number, _column(text, number, bad))
            )
            continue
        inventory.add(match.group("name"), path, number)


def _add_local_project(folder: Path, path: Path, number: int, inventory: Inventory) -> None:
    """`-e .` or `./libs/tool`: the local project's own name, when its pyproject says it."""
    from domain_lsp.inventory.pyproject import project_name

    name = project_name(folder / "pyproject.toml")
    if name:
        inventory.add(name, path, number)


def _column(text: str, number: int, needle: str) -> int:
    lines = text.splitlines()
    if 0 < number <= len(lines):
        found = lines[number - 1].find(needle)
        return max(found, 0)
    return 0
