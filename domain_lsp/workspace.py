"""Which files of a workspace to look at: walked once, .gitignore honoured (nested ones too, and
those of enclosing folders up to the repository's top), never followed through symlink loops,
vendored and virtual-environment folders skipped, never led outside the folder walked.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pathspec

from domain_lsp.config import CONFIG_FILE
from domain_lsp.paths import Boundary, inside, read_file, vcs_root

GITIGNORE_LIMIT = 1024 * 1024
log = logging.getLogger(__name__)
_told: set[Path] = set()
"""Folders whose links out were already mentioned (at info level, seen with `-v`): once each."""
_told_lock = threading.Lock()

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
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
    }
)


def _gitignore(folder: Path, top: Path) -> pathspec.GitIgnoreSpec | None:
    try:
        raw = read_file(folder / ".gitignore", GITIGNORE_LIMIT, Boundary((top,)))
    except OSError:  # none, or a link out of the repository, a FIFO, a huge file: no patterns
        return None
    return pathspec.GitIgnoreSpec.from_lines(raw.decode("utf-8", errors="replace").splitlines())


def _is_virtualenv(folder: Path) -> bool:
    # A virtual environment under any name (env/, .env3/...) has this marker file.
    return (folder / "pyvenv.cfg").is_file()


def _enclosing_specs(root: Path, top: Path | None) -> list[tuple[Path, pathspec.GitIgnoreSpec]]:
    """The .gitignore files of the folders between the repository's top and `root`."""
    if top is None or top == root:
        return []
    specs = []
    for folder in reversed(root.parents):
        if folder == top or top in folder.parents:
            spec = _gitignore(folder, top)
            if spec is not None:
                specs.append((folder, spec))
    return specs


DISCOVERY_LIMIT = 50_000
"""Files a project's discovery (schema files, workspace modules) looks at before it stops and
says so: a config-less run from a home folder must end, and a real project names its globs."""


def is_other_project(folder: Path) -> bool:
    """A folder that is a project of its own: a nested repository (`.git`, a folder or a
    submodule's file) or one with its own config. Discovery for the project above stops there."""
    if (folder / ".git").exists() or (folder / CONFIG_FILE).is_file():
        return True
    try:
        head = read_file(folder / "pyproject.toml", GITIGNORE_LIMIT, Boundary((folder,)), head=True)
    except OSError:
        return False
    return b"[tool.domain-lsp]" in head


def walk(root: Path, suffixes: Iterable[str], within_project: bool = False, limit: int | None = None) -> Iterator[Path]:
    """Files under `root` with one of `suffixes`, in a stable order, each real file once, named
    as written (a link by its own name).

    `within_project` (discovery for the project at `root`): folders that are projects of their
    own are not entered, and after `limit` files (DISCOVERY_LIMIT by default) the walk stops
    with a warning.

    A link whose target lies outside `root` is skipped, silently: a committed
    `x.sql -> /proc/self/fd/1` or `-> ~/.netrc` is nobody's source file. A link within `root`
    is followed once (its target is then not listed again). Whatever else the walk finds with a
    wanted suffix is listed, FIFOs and dangling links too, so that the reader names them."""
    wanted = tuple(suffixes)
    root = root.resolve()
    top = vcs_root(root)
    specs = _enclosing_specs(root, top)
    seen: set[tuple[int, int]] = set()

    def stays_inside(entry: os.DirEntry[str]) -> bool:
        if not entry.is_symlink():
            return True
        try:
            if inside(Path(os.path.realpath(entry.path)), root):
                return True
        except (OSError, ValueError):
            pass
        with _told_lock:
            first = root not in _told
            _told.add(root)
        if first:
            log.info("skipped %s and any other link under %s that points outside it", entry.path, root)
        return False

    def ignored(path: Path, is_dir: bool) -> bool:
        # The deepest .gitignore with a matching pattern decides, as in git (so `!x` re-includes).
        for base, spec in reversed(specs):
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            verdict = spec.check_file(rel + ("/" if is_dir else "")).include
            if verdict is not None:
                return verdict
        return False

    def first_visit(path: Path) -> bool:
        try:
            stat = path.stat()
        except OSError:
            return True  # a dangling or looping link: let the reader name it, never skip silently
        identity = (stat.st_dev, stat.st_ino)
        if identity in seen:
            return False  # a symlink loop, or a second path to the same folder or file
        seen.add(identity)
        return True

    def visit(folder: Path) -> Iterator[Path]:
        if not first_visit(folder):
            return
        spec = _gitignore(folder, top or root)
        if spec is not None:
            specs.append((folder, spec))
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            entries = []
        for entry in entries:
            if not stays_inside(entry):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if entry.name in SKIP_DIRS or ignored(path, True) or _is_virtualenv(path):
                    continue
                if within_project and is_other_project(path):
                    log.info("discovery under %s does not enter %s: a project of its own", root, path)
                    continue
                yield from visit(path)
            elif entry.name.endswith(wanted) and not ignored(path, False) and first_visit(path):
                yield path
        if spec is not None:
            specs.pop()

    if not within_project:
        yield from visit(root)
        return
    bound = DISCOVERY_LIMIT if limit is None else limit
    for count, path in enumerate(visit(root)):
        if count == bound:
            log.warning(
                "stopped looking for files under %s after %s of them; name the files in the config "
                "(sql.schemas) or run from the project's folder",
                root,
                f"{bound:,}",
            )
            return
        yield path


def expand(paths: Iterable[Path], suffixes: Iterable[str]) -> list[tuple[Path, Path]]:
    """Files named on a command line, each with the argument that named it: folders walked,
    files kept whatever their suffix; a file named twice is listed once.
    """
    result: list[tuple[Path, Path]] = []
    seen: set[Path] = set()
    wanted = tuple(suffixes)
    for argument in paths:
        found = walk(argument, wanted) if argument.is_dir() else iter([argument])
        for path in found:
            real = path.resolve()
            if real not in seen:
                seen.add(real)
                result.append((path, argument))
    return result
