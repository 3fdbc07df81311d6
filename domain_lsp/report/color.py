"""Colour for the text format: whether to use it, and the escape codes around our own words.

Only text domain-lsp wrote itself is wrapped (a severity, a code, the `^` marker, a path that
escape.py has already made printable); a colour code never sits inside workspace text, so the
escaping stays what it is without colour, and stripping the codes gives the plain output back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TextIO

from domain_lsp.findings import Severity

ColorChoice = Literal["auto", "always", "never"]
CHOICES: tuple[ColorChoice, ...] = ("auto", "always", "never")

_RESET = "\x1b[0m"
_SEVERITY = {
    Severity.ERROR: "\x1b[1;31m",  # bold red
    Severity.WARNING: "\x1b[1;33m",  # bold yellow
    Severity.INFORMATION: "\x1b[1;34m",  # bold blue
    Severity.HINT: "\x1b[1;36m",  # bold cyan
}
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"


def wanted(choice: ColorChoice, stream: TextIO | None, environ: Mapping[str, str] | None = None) -> bool:
    """`always`/`never` decide; `auto` colours a terminal only: no when `NO_COLOR` is set (and
    not empty), else yes when `FORCE_COLOR` is (and not empty or `0`), else when `stream` is a
    terminal that is not `TERM=dumb`. A file (`--output-file`, a pipe) is never a terminal.
    """
    if choice != "auto":
        return choice == "always"
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    if stream is None or env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


@dataclass(frozen=True)
class Palette:
    """Wraps our own words in colour codes, or (`enabled` False) returns them unchanged."""

    enabled: bool = False

    def _wrap(self, start: str, text: str) -> str:
        return f"{start}{text}{_RESET}" if self.enabled and text else text

    def path(self, text: str) -> str:
        return self._wrap(_BOLD, text)

    def severity(self, severity: Severity, text: str) -> str:
        return self._wrap(_SEVERITY[severity], text)

    def dim(self, text: str) -> str:
        return self._wrap(_DIM, text)

    def bold(self, text: str) -> str:
        return self._wrap(_BOLD, text)


PLAIN = Palette(False)
