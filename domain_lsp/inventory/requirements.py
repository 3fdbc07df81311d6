"""requirements*.txt: pip's format with `-r`/`-c` includes, extras, markers, URLs and `-e` lines.

An include can name any file (`-r /home/runner/.netrc`, `-r ../../.git/config`), so an included
file is read only inside the workspace, and what is wrong in it is said on the `-r` line of
the file the workspace lists, by the included file's name and line number: its text is never
quoted, not even in the excerpt a report prints under a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from domain_lsp.inventory.model import Inventory, InventoryProblem, requirement_name
from domain_lsp.paths import OUTSIDE, Boundary
from domain_lsp.text import LineIndex

_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_INCLUDE = re.compile(r"^(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=\S))(?P<path>\S+)")
_EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s*=\s*|\s+)(?P<target>\S+)")
_URL = re.compile(r"^(?:[a-z+]+://|file:|\.{0,2}/)")
_COMMENT = re.compile(r"(^|\s)#.*$")
_MAX_DEPTH = 10


def logical_lines(lines: LineIndex) -> list[tuple[int, str]]:
    """(1-based first line, text) with comments dropped and `\\` continuations joined; lines end
    where an editor's do (LineIndex), so the numbers are those findings are shown at."""
    result: list[tuple[int, str]] = []
    pending, first = "", 0
    for number in range(1, lines.line_count + 1):
        line = _COMMENT.sub("", lines.line_text(number - 1))
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


@dataclass(frozen=True)
class _Include:
    """Where the file the workspace lists brings an included file in: problems inside the
    included file are reported here."""

    path: Path
    line: int
    column: int
    chain: str
    """The included files' names as written, outermost first: `dev.txt → more.txt`."""


def read_requirements(
    path: Path,
    inventory: Inventory,
    boundary: Boundary | None = None,
    seen: set[Path] | None = None,
    depth: int = 0,
    via: _Include | None = None,
) -> None:
    """Read a requirements file and, through `-r`/`-c`, the files it includes (inside
    `boundary`; None: the workspace around `path`)."""
    from domain_lsp.inventory.pyproject import read_inventory_text

    boundary = boundary or Boundary.of(path.parent)
    seen = set() if seen is None else seen
    resolved = path.resolve()
    if resolved in seen or depth > _MAX_DEPTH:
        return
    seen.add(resolved)
    inventory.note(path)

    def problem(message: str, number: int = 0, token: str = "") -> None:
        if via is None:
            column = _column(lines, number, token) if number and token else 0
            inventory.problems.append(InventoryProblem(path, message, number, column))
        else:  # inside an included file: said on the including line, never quoting the file
            where = f"line {number} of included file `{via.chain}`" if number else f"included file `{via.chain}`"
            inventory.problems.append(InventoryProblem(via.path, f"{where}: {message}", via.line, via.column))

    text = ""
    lines = LineIndex(text)
    into = inventory if via is None else Inventory()  # an included file's own problems go to its -r line
    read = read_inventory_text(path, into, boundary)
    for failed in into.problems if into is not inventory else ():
        problem(failed.message)
    if read is None:
        return
    text = read
    lines = LineIndex(text)  # once: a problem's column is found on its line, not by splitting the file again
    for number, line in logical_lines(lines):
        include = _INCLUDE.match(line)
        if include:
            written = include.group("path")
            target = path.parent / written
            what = f"included file `{written}`"  # a file's name, never its content
            if not boundary.contains(target):
                problem(f"{what} is {OUTSIDE}; not read", number, written)
                continue
            inventory.note(target)  # found or not: its appearing is a change
            if not target.exists():
                problem(f"{what} not found", number, written)
                continue
            if target.resolve() not in inventory.files:
                inventory.files.append(target.resolve())
            if via is None:
                inner = _Include(path, number, _column(lines, number, written), written)
            else:
                inner = _Include(via.path, via.line, via.column, f"{via.chain} → {written}")
            read_requirements(target, inventory, boundary, seen, depth + 1, inner)
            continue
        editable = _EDITABLE.match(line)
        if editable:
            where = editable.group("target")
            egg = _EGG.search(where)
            if egg:
                inventory.add(egg.group(1), path, number)
            elif not boundary.contains(path.parent / where):
                problem(f"local project `{where}` is {OUTSIDE}; its name is not read", number, where)
            else:
                _add_local_project(path.parent / where, path, number, inventory, boundary)
            continue
        if line.startswith("-"):
            continue  # other pip options: --index-url, --hash, -f, --pre ...
        if _URL.match(line):
            egg = _EGG.search(line)
            if egg:
                inventory.add(egg.group(1), path, number)
            elif not line.startswith(("http", "git+", "hg+", "svn+", "bzr+")):
                where = line.split()[0]
                if boundary.contains(path.parent / where):
                    _add_local_project(path.parent / where, path, number, inventory, boundary)
                else:
                    problem(f"local project `{where}` is {OUTSIDE}; its name is not read", number, where)
            continue
        name = requirement_name(line.split(" --", 1)[0])  # without its options: --hash, --config-settings
        if name is None:
            bad = line.split()[0]
            # The offending word at most: a line can be anything (`-r .env` makes a secret one).
            problem(f"not a requirement: `{bad}`" if via is None else "not a requirement", number, bad)
            continue
        inventory.add(name, path, number)


def _add_local_project(folder: Path, path: Path, number: int, inventory: Inventory, boundary: Boundary) -> None:
    """`-e .` or `./libs/tool`: the local project's own name, when its pyproject says it (and
    it is inside the workspace)."""
    from domain_lsp.inventory.pyproject import project_name

    inventory.note(folder / "pyproject.toml")
    name = project_name(folder / "pyproject.toml", boundary)
    if name:
        inventory.add(name, path, number)


def _column(lines: LineIndex, number: int, needle: str) -> int:
    if 0 < number <= lines.line_count:
        return max(lines.line_text(number - 1).find(needle), 0)
    return 0
