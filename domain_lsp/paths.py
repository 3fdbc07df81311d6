"""Reading workspace files without being led out of the workspace or into a device.

A repository can hold anything: a symlink to `~/.netrc`, to `/proc/self/fd/1`, a FIFO named
`x.sql`, a config whose glob says `../..`. Every read of workspace content goes through
`read_file`: the path is resolved once, must land inside the folders the workspace may read
(its repository, plus those the user allowed), must be a regular file, and is opened so that a
link swapped in after the check is not followed. Why a file was not read is said in words that
never quote the file.
"""

from __future__ import annotations

import functools
import glob as _glob
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain_lsp.config import Config

VCS_MARKERS = (".git", ".hg", ".svn")
SPECIAL_TREES = ("/proc", "/sys", "/dev") if sys.platform.startswith("linux") else ()
"""Where "regular" files are not files: /proc/self/environ stats as a regular file of size 0."""
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in after the check must not block the open
    | getattr(os, "O_NOFOLLOW", 0)  # nor a symlink swapped in after resolving
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_CHUNK = 1024 * 1024
OUTSIDE = "outside the workspace (the user may allow its folder: `[read] paths` in the user config)"


class Unreadable(OSError):
    """Why a file was not read. An OSError, so the callers' `except OSError` name it as they
    name any unreadable file; its message never quotes the file."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class TooLarge(Unreadable):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than {_size(limit)}")
        self.limit = limit


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def vcs_root(start: Path) -> Path | None:
    """The top folder of the repository enclosing `start` (one holding .git, .hg or .svn).

    A file's folder is the one it is written in: a link named `x.sql` belongs to the folder that
    holds the link, wherever the link points."""
    start = Path(os.path.abspath(start))
    folder = (start if start.is_dir() else start.parent).resolve()
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in VCS_MARKERS):
            return candidate
    return None


def inside(resolved: Path, folder: Path) -> bool:
    return resolved == folder or folder in resolved.parents


@dataclass(frozen=True)
class Boundary:
    """The folders whose files the workspace may have read: its own, and those the user allowed."""

    roots: tuple[Path, ...]
    """Resolved folders."""

    @classmethod
    def of(cls, folder: Path, also: tuple[Path, ...] = ()) -> Boundary:
        """The workspace around `folder` (its repository's top folder, else `folder` itself),
        the folders `also`, and the user's `[read] paths`. Raises trust.UserConfigError for a
        broken user config."""
        from domain_lsp.trust import user_settings

        folder = Path(os.path.abspath(folder)).resolve()
        extra = tuple(Path(os.path.abspath(path)).resolve() for path in also)
        return cls((vcs_root(folder) or folder, *extra, *user_settings().read_paths))

    @classmethod
    def of_config(cls, config: Config) -> Boundary:
        """Where what `config` names may be read: its workspace, the folders the user's choice
        added (`config.read_roots`) and the user's `[read] paths`."""
        return cls.of(config.root, config.read_roots)

    def contains(self, path: Path) -> bool:
        """Whether `path`, once every link in it is followed, is inside one of the roots."""
        try:
            resolved = Path(os.path.realpath(path))
        except (OSError, ValueError):
            return False
        return any(inside(resolved, root) for root in self.roots)


def resolve_regular(path: Path, boundary: Boundary | None = None) -> Path:
    """`path` with every link followed, once; raises Unreadable unless that is a regular file
    (inside `boundary`, when given)."""
    try:
        resolved = Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        if boundary is not None and not boundary.contains(path):
            raise Unreadable(OUTSIDE) from None  # a dangling link out: say where, not what is missing
        raise Unreadable("cannot read: no such file (a dangling link?)") from None
    except ValueError:
        raise Unreadable("cannot read: the path holds a NUL character") from None
    except OSError as exc:  # a link loop, a folder we may not enter
        raise Unreadable(f"cannot read: {exc.strerror or type(exc).__name__}") from None
    if boundary is not None and not any(inside(resolved, root) for root in boundary.roots):
        raise Unreadable(OUTSIDE)
    if any(inside(resolved, Path(tree)) for tree in SPECIAL_TREES):
        raise Unreadable("not a regular file")
    try:
        mode = os.stat(resolved).st_mode
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or type(exc).__name__}") from None
    if not stat.S_ISREG(mode):  # a FIFO, device or socket: opening or reading it could block
        raise Unreadable("a folder, not a file" if stat.S_ISDIR(mode) else "not a regular file")
    return resolved


def read_file(path: Path, limit: int | None, boundary: Boundary | None = None, *, head: bool = False) -> bytes:
    """The bytes of a regular file, resolved once and inside `boundary` (None: wherever it is,
    for a path the user named). Over `limit` bytes raises TooLarge, or with `head` returns the
    first `limit` bytes. Raises Unreadable (an OSError) for every file it will not read."""
    resolved = resolve_regular(path, boundary)
    try:
        fd = os.open(resolved, _OPEN_FLAGS)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or type(exc).__name__}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # replaced between the check and the open
            raise Unreadable("not a regular file")
        if limit is not None and not head and info.st_size > limit:
            raise TooLarge(limit)
        want = None if limit is None else limit if head else limit + 1
        chunks: list[bytes] = []
        got = 0
        while want is None or got < want:
            chunk = os.read(fd, _CHUNK if want is None else min(_CHUNK, want - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except BlockingIOError:
        raise Unreadable("not a regular file") from None
    except Unreadable:
        raise
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or type(exc).__name__}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if limit is not None and not head and len(data) > limit:  # grew after the fstat
        raise TooLarge(limit)
    return data


def is_regular(path: Path) -> bool:
    """Whether `path` (links followed) is a regular file outside /proc, /sys and /dev."""
    try:
        resolve_regular(path)
    except Unreadable:
        return False
    return True


def glob_base(root: Path, pattern: str) -> Path:
    """The folder a glob starts in: `root` joined with the pattern's parts before the first
    wildcard (an absolute pattern ignores `root`)."""
    fixed: list[str] = []
    for part in Path(pattern).parts[:-1]:
        if _glob.has_magic(part):
            break
        fixed.append(part)
    return root.joinpath(*fixed)


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """`pattern` as Path.glob reads it, as a regex over a `/`-separated relative path: `**` is
    zero or more folders, `*`, `?` and `[...]` stay within one name."""
    parts: list[str] = []
    for segment in pattern.replace("\\", "/").split("/"):
        if segment in ("", "."):
            continue
        if segment == "**":
            parts.append("(?:[^/]+/)*")
            continue
        parts.append(_segment_regex(segment) + "/")
    return re.compile("".join(parts).removesuffix("/") + r"\Z", re.DOTALL)


def _segment_regex(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif (
            char == "[" and (close := segment.find("]", i + 2 if segment[i + 1 : i + 2] in ("!", "]") else i + 1)) != -1
        ):
            inner = segment[i + 1 : close]
            negate = inner.startswith("!")
            body = re.escape(inner[1:] if negate else inner).replace("\\-", "-")
            out.append(f"[{'^/' if negate else ''}{body}]")
            i = close
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def glob_matches(root: Path, pattern: str, path: Path) -> bool:
    """Whether `glob(root, pattern)` would list `path` (were it there): the same semantics for a
    file the server hears of as for the files a load lists, so `**/*.sql` takes top-level files
    and `schema/*.sql` no file in `schema/sub/`."""
    base = Path(pattern)
    if base.is_absolute():
        root, pattern = Path(base.anchor), str(base.relative_to(base.anchor))
    try:
        relative = Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(root)))
    except ValueError:
        return False
    return _glob_regex(pattern).match(relative.as_posix()) is not None


def glob(root: Path, pattern: str, boundary: Boundary | None = None) -> list[Path] | None:
    """A glob's matches that are not folders, sorted, relative to `root` unless absolute; None
    when the folder it starts in is outside `boundary` (nothing there is listed, let alone
    read: `/**/*.sql` must not walk the whole disk). Matches are as written: a link is listed
    under its own name and its target judged when read."""
    if boundary is not None and not boundary.contains(glob_base(root, pattern)):
        return None
    base = Path(pattern)
    if base.is_absolute():  # Path.glob takes only relative patterns
        root, pattern = Path(base.anchor), str(base.relative_to(base.anchor))
    try:
        matches = sorted(root.glob(pattern))
    except (ValueError, OSError, NotImplementedError, IndexError):  # what pathlib raises for odd patterns
        return []
    result = []
    for match in matches:
        try:
            if match.is_dir():
                continue
        except (OSError, ValueError):
            pass
        result.append(match)
    return result
