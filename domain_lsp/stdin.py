"""`domain-lsp check -`: one text from stdin, checked as if it were the file it names.

An editor plugin, a formatter chain or a pre-commit wrapper hands over a buffer that is not on
disk (yet). `--stdin-filename` says which file it is: its suffix decides SQL or Python, its
folder which config applies, and it is the path printed. Nothing is written or read in its
place: a file of that name on disk, if any, is not looked at.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import BinaryIO

from domain_lsp.check import MAX_FILE_BYTES, Checker, decode_text
from domain_lsp.config import vcs_root
from domain_lsp.findings import Finding
from domain_lsp.report.model import CheckedFile, CheckRun
from domain_lsp.text import LineIndex

DEFAULT_NAME = "stdin.sql"


def decode(raw: bytes) -> tuple[str, list[Finding]]:
    """The text, and a file-error as a file of the same bytes would get (binary, too large,
    invalid UTF-8, which is then checked with replacement characters)."""
    if len(raw) > MAX_FILE_BYTES:
        return "", [Finding("file-error", f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, not checked", 0, 0)]
    return decode_text(raw)


def read_stdin(stream: BinaryIO | None = None) -> bytes:
    if stream is None:
        if sys.stdin is None:  # started with stdin closed: an empty text
            return b""
        stream = sys.stdin.buffer
    return stream.read(MAX_FILE_BYTES + 1)  # one byte over says "too large" without reading it all


def stdin_path(name: str | None, cwd: Path) -> Path:
    """Where the text counts as lying: `--stdin-filename` relative to the current folder."""
    return Path(os.path.abspath(cwd / (name or DEFAULT_NAME)))


def check_text(checker: Checker, path: Path, raw: bytes) -> CheckRun:
    """The findings of `raw` as the file `path`, with the problems of the schema sources and
    config it was checked with (those of `path` itself on disk left out: they are not this text)."""
    text, problems = decode(raw)
    project = checker.project_for(path, path)
    key = checker.project_key(path, path)
    policy = checker.policies[key]
    findings: list[Finding] = []
    if text or not problems:
        try:
            findings = project.analyze(path, text)
        except Exception as exc:  # as for a file: say so on the text, never a traceback
            message = f"internal error, file not checked ({type(exc).__name__}: {exc}); please report it"
            findings = [Finding("internal-error", " ".join(message.split()), 0, 0)]
    checked = CheckedFile(path, LineIndex(text), policy.apply(problems + findings))
    checked.findings.sort(key=lambda f: (f.start, f.end, f.code))
    real = path.resolve()
    extras = [extra for extra in checker.source_problems(key) if extra.path.resolve() != real]
    for extra in extras:
        extra.findings.sort(key=lambda f: (f.start, f.end, f.code))
    return CheckRun([checked, *extras], 1, vcs_root(checker.cwd) or checker.cwd)
