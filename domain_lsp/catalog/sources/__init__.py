"""One module per kind of schema source. Each adds what it reads to a Catalog and returns the
problems it met, so one bad source never stops the others from loading.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceProblem:
    message: str
    line: int = 0
    """0-based, like `character`; 0 when the problem is about the whole file."""
    character: int = 0
    fallback: bool = False
    """A live source could not be read and its last good copy was used instead (see
    SourceReport.failed)."""


class SourceUnavailable(Exception):
    """A live source could not be read at all (driver missing, unreachable, refused). The
    message is shown to the user, so it never contains a DSN, password or token.
    """
