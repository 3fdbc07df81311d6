"""A live source that could not be read, tried again on its own, less and less often.

A database that is down, or an HTTP catalog behind a VPN that is off, can stay so for hours.
Reloading the whole project for each try re-read every schema file, the package inventory and
the environment, and re-checked every open document, every 30 seconds, for nothing (31
CPU-seconds in 2 minutes with a 1,000-package lock). Here only the failed source is read, into
a catalog of its own that is thrown away: while it still fails, its tables are its last good
copy's, as they were, so the project and the documents' diagnostics stay as they are and only
the source's report (when it failed, how) is replaced. Once it reads again, the caller reloads
the catalog (and nothing else) to take its tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain_lsp.catalog.load import RETRY_SECONDS, LoadedCatalog, SourceReport
from domain_lsp.catalog.model import Catalog
from domain_lsp.config import Config, SourceSettings
from domain_lsp.paths import Boundary

BACKOFF_CAP_SECONDS = 300.0
"""The longest wait between two tries of a failed source (unless its refresh interval is longer):
a source back up is seen within five minutes; the reload command reads it at once."""


def retry_delay(report: SourceReport, failures: int) -> float:
    """Seconds after a failed read before the next: its refresh interval (at most RETRY_SECONDS),
    doubled for each failure in a row after the first, up to BACKOFF_CAP_SECONDS."""
    interval = report.live.refresh_interval if report.live is not None else 0.0
    base = min(interval, RETRY_SECONDS) if interval > 0 else RETRY_SECONDS
    return min(base * 2 ** max(failures - 1, 0), max(base, BACKOFF_CAP_SECONDS))


@dataclass
class Backoff:
    """How many times in a row each live source of one project failed, by its safe name."""

    failures: dict[str, int] = field(default_factory=dict)

    def record(self, reports: list[SourceReport]) -> None:
        """Count what a load or a retry read: a failure adds one, a good read starts again."""
        for report in reports:
            if report.live is None:
                continue
            if report.failed:
                self.failures[report.name] = self.failures.get(report.name, 0) + 1
            else:
                self.failures.pop(report.name, None)

    def due(self, loaded: LoadedCatalog, now: float) -> list[SourceReport]:
        """The failed live sources whose wait is over."""
        return [
            report
            for report in loaded.sources
            if report.live is not None
            and report.failed
            and now - report.loaded_at >= retry_delay(report, self.failures.get(report.name, 1))
        ]


def healthy_live_due(loaded: LoadedCatalog, now: float) -> bool:
    """Whether a live source that reads fine is older than its refresh interval (the catalog is
    read again for it, as before: its tables may have changed)."""
    return any(
        report.live is not None
        and not report.failed
        and report.live.refresh_interval > 0
        and now - report.loaded_at >= report.live.refresh_interval
        for report in loaded.sources
    )


def read_alone(sources: list[SourceSettings], config: Config) -> list[SourceReport]:
    """Read each source into a catalog of its own (what it reads is kept as its last good copy
    when it reads, as a catalog load keeps it). Off the event loop: a read waits for the network.
    """
    from domain_lsp.catalog.load import _load_live  # the loader's own reading of one live source

    boundary = Boundary.of_config(config)
    return [_load_live(settings, config, Catalog(), boundary) for settings in sources]


def replace_reports(loaded: LoadedCatalog, reports: list[SourceReport]) -> None:
    """Put the retried sources' reports in place of the ones they were read again for; their
    tables stay those of the catalog (each still fails: its last good copy, unchanged)."""
    by_name = {report.name: report for report in reports}
    for number, report in enumerate(loaded.sources):
        again = by_name.get(report.name)
        if report.live is not None and again is not None:
            again.tables = report.tables
            loaded.sources[number] = again
