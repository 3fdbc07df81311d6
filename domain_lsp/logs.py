"""What the command line prints on stderr besides its own error lines.

Libraries log freely: sqlglot warns for every statement it parses as a bare command
(`'CREATE ROLE analyst LOGIN' contains unsupported syntax...`), jedi and httpx say what they
did. None of it is addressed to the user of `check`, and in a CI log it reads like a failure.
So by default only domain-lsp's own warnings reach stderr; `-v` lets everything through at
info level, ours and theirs, for a bug report. Each line is escaped like the text output: a
library's message may quote workspace SQL, and stderr lands in CI logs too.
"""

from __future__ import annotations

import logging
import sys

from domain_lsp.report.escape import printable

OWN_LOGGER = "domain_lsp"


def _own(record: logging.LogRecord) -> bool:
    return record.name == OWN_LOGGER or record.name.startswith(OWN_LOGGER + ".")


class _OneLine(logging.Formatter):
    """`domain-lsp: warning: ...` for ours, `sqlglot: warning: ...` for a library's; never a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        who = "domain-lsp" if _own(record) else record.name
        try:
            message = record.getMessage()
        except Exception:  # a library's bad format string must not crash the run
            message = str(record.msg)
        return printable(f"{who}: {record.levelname.lower()}: {message}")  # one line: a newline shows as \n


def configure(verbose: bool) -> None:
    """Route every logger to one stderr handler: ours at warning and above, or (verbose)
    everything at info and above. Python warnings (`warnings.warn`) go through logging too, so
    a library's DeprecationWarning is quiet as well.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    handler.setLevel(logging.INFO if verbose else logging.WARNING)  # also for a logger set to DEBUG
    if not verbose:
        handler.addFilter(_own)
    root = logging.getLogger()
    for previous in list(root.handlers):
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    logging.captureWarnings(True)
