"""Where the command line's report goes: stdout, or a file replaced in one step.

A file is written beside itself and renamed over the old one, so a CI step that uploads it, an
editor that watches it, or a run killed halfway never sees half a report (or half a fixed
source file, for `--fix`).
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
import tempfile
from pathlib import Path


def _umask() -> int:
    current = os.umask(0)  # the only way to read it; set straight back
    os.umask(current)
    return current


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: a new file keeps the mode a plain write would give it, an
    existing one keeps its own mode. A link is followed, as `>` would, so its target changes.
    Raises OSError (no folder, not writable) with `path`'s file left as it was."""
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(partial, mode)
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise


def encode(text: str) -> bytes:
    # Escaping leaves no lone surrogate in a report; backslashreplace keeps a write from failing anyway.
    return text.encode("utf-8", errors="backslashreplace")


def emit_bytes(data: bytes, output_file: Path | None = None) -> None:
    """`data` as it is (a fixed source text) on stdout or in `output_file`."""
    if output_file is not None:
        write_atomic(output_file, data)
        return
    sys.stdout.flush()
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def emit(text: str, output_file: Path | None = None) -> None:
    """Print `text` on stdout, or write it to `output_file` (then stdout stays empty). Raises
    OSError when the file cannot be written."""
    if output_file is not None:
        write_atomic(output_file, encode(text))
        return
    if isinstance(sys.stdout, io.TextIOWrapper):
        # A terminal that cannot show a character of a source line must not crash the run.
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `domain-lsp check | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
