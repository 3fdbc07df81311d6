"""The lines a branch added or changed, from `git diff --unified=0`, for `check --diff REF`.

The base is the merge base of REF and HEAD, as a pull request sees it, and the comparison is
with the working tree, so commits on the branch, staged and unstaged edits all count; files git
does not track yet (and does not ignore) count as wholly new. Deleted lines mark nothing.
Only git itself runs: external diff drivers and text conversion filters are switched off, so
checking a branch never executes code from it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {b"a": 7, b"b": 8, b"t": 9, b"n": 10, b"v": 11, b"f": 12, b"r": 13, b'"': 34, b"\\": 92}
ALL_LINES = None
"""A file whose every line is new."""


class DiffError(Exception):
    """Why the changed lines cannot be known; one line, for the command line."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    # No pager, no fsmonitor hook, no user diff settings that change the output's shape.
    command = [
        "git",
        "-c",
        "core.fsmonitor=false",
        "-c",
        "core.quotePath=true",
        "-c",
        "diff.noprefix=false",
        "-c",
        "diff.mnemonicPrefix=false",
        *args,
    ]
    try:
        return subprocess.run(command, cwd=root, capture_output=True, check=False, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise DiffError("--diff needs git, which is not installed") from None


def repository_top(folder: Path) -> Path:
    result = _git(folder, "rev-parse", "--show-toplevel")
    if result.returncode != 0:
        raise DiffError(f"--diff: not a git repository: {folder}")
    return Path(result.stdout.decode("utf-8", "surrogateescape").strip()).resolve()


def _unquote(raw: bytes) -> bytes:
    """git's C-style quoting of a path with unusual bytes: "a\\tb\\303\\251"."""
    if not raw.startswith(b'"'):
        return raw
    body, out, i = raw[1:-1], bytearray(), 0
    while i < len(body):
        if body[i : i + 1] == b"\\" and i + 1 < len(body):
            octal = re.match(rb"[0-7]{3}", body[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(), 8))
                i += 4
                continue
            out.append(_ESCAPES.get(body[i + 1 : i + 2], body[i + 1]))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return bytes(out)


def parse_diff(output: bytes, top: Path) -> dict[Path, set[int] | None]:
    """Added lines (1-based) per file of a `git diff --unified=0` patch."""
    changed: dict[Path, set[int] | None] = {}
    current: set[int] | None = None
    header = False  # between `diff --git` and the first hunk: `+++ ` there names the file
    for line in output.split(b"\n"):
        if line.startswith(b"diff --git "):
            header, current = True, None
        elif header and line.startswith(b"+++ "):
            target = line[4:].removesuffix(b"\t")  # git adds a tab after a name with a space
            if target == b"/dev/null":  # a deleted file
                current = None
                continue
            name = _unquote(target)
            name = name.removeprefix(b"b/")
            path = top / name.decode("utf-8", "surrogateescape")
            current = set()
            changed[path] = current
        elif line.startswith(b"@@"):
            header = False
            hunk = _HUNK.match(line)
            if hunk and current is not None:
                first, count = int(hunk.group(1)), int(hunk.group(2) or b"1")
                current.update(range(first, first + count))
    return changed


def changed_lines(ref: str, folder: Path) -> dict[Path, set[int] | None]:
    """Per file (resolved path), the 1-based lines added or changed since `ref`; None for all.

    Raises DiffError when `folder` is not in a git repository or `ref` names no commit.
    """
    top = repository_top(folder)
    if not ref or ref.startswith("-"):  # never let a revision be read as an option
        raise DiffError(f"--diff: unknown git revision `{ref}`")
    verified = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if verified.returncode != 0:
        raise DiffError(f"--diff: unknown git revision `{ref}` (fetch it first, e.g. `git fetch origin main`)")
    base = _git(top, "merge-base", verified.stdout.decode().strip(), "HEAD")
    if base.returncode != 0:
        raise DiffError(f"--diff: `{ref}` and HEAD have no common commit (in a shallow clone, fetch the full history)")
    diff = _git(
        top,
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--find-renames",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        base.stdout.decode().strip(),
        "--",
    )
    if diff.returncode != 0:
        raise DiffError(f"--diff: git diff failed: {' '.join(diff.stderr.decode(errors='replace').split())}")
    changed = parse_diff(diff.stdout, top)
    untracked = _git(top, "ls-files", "-z", "--others", "--exclude-standard")
    for name in untracked.stdout.split(b"\0"):
        if name:
            changed[(top / name.decode("utf-8", "surrogateescape")).resolve()] = ALL_LINES
    return {path.resolve(): lines for path, lines in changed.items()}


def touches(lines: set[int] | None, first: int, last: int) -> bool:
    """Whether a finding on 1-based lines first..last is on a changed line."""
    return lines is None or any(line in lines for line in range(first, last + 1))
