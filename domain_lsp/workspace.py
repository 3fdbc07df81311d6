"""Which files of a workspace to look at: walked once, .gitignore honoured, never followed
through symlink loops, vendored and virtual-environment folders skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pathspec

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".tox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
    }
)


def _gitignore(folder: Path) -> pathspec.PathSpec | None:
    path = folder / ".gitignore"
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.PathSpec.from_lines("gitwildmatch", lines)


def walk(root: Path, suffixes: Iterable[str]) -> Iterator[Path]:
    """Files under `root` with one of `suffixes`, in a stable order."""
    wanted = tuple(suffixes)
    root = root.resolve()
    specs: list[tuple[Path, pathspec.PathSpec]] = []
    seen_dirs: set[tuple[int, int]] = set()

    def ignored(path: Path, is_dir: bool) -> bool:
        for base, spec in specs:
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if spec.match_file(rel + ("/" if is_dir else "")):
                return True
        return False

    def visit(folder: Path) -> Iterator[Path]:
        try:
            stat = folder.stat()
        except OSError:
            return
        if (stat.st_dev, stat.st_ino) in seen_dirs:
            return  # a symlink loop or a second path to the same folder
        seen_dirs.add((stat.st_dev, stat.st_ino))
        spec = _gitignore(folder)
        if spec is not None:
            specs.append((folder, spec))
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if entry.name in SKIP_DIRS or ignored(path, True):
                    continue
                yield from visit(path)
            elif entry.name.endswith(wanted) and not ignored(path, False):
                yield path
        if spec is not None:
            specs.pop()

    yield from visit(root)


def expand(paths: Iterable[Path], suffixes: Iterable[str]) -> list[Path]:
    """Files named on a command line: folders walked, files kept whatever their suffix."""
    result: list[Path] = []
    wanted = tuple(suffixes)
    for path in paths:
        if path.is_dir():
            result.extend(walk(path, wanted))
        else:
            result.append(path)
    return result
