"""The workspace the tools answer from: the last good Project, swapped whole after a reload.

A tool never waits for a reload: it reads the project in place when it starts; a reload (an
input file changed, a live source due) builds the next one on a thread and swaps it in only
when it loaded, so a source that became unreachable leaves the last good catalog answering.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from domain_lsp.catalog.load import catalog_is_stale
from domain_lsp.config import config_for
from domain_lsp.policy import Policy
from domain_lsp.project import Project
from domain_lsp.trust import workspace_trusted

log = logging.getLogger(__name__)

STALE_CHECK_SECONDS = 1.0
"""How often a call may stat the catalog's inputs (one stat per file) to see whether to reload."""


@dataclass(frozen=True)
class Loaded:
    project: Project
    policy: Policy
    generation: int


class Workspace:
    def __init__(self, root: Path, trusted: bool | None) -> None:
        self.root = root.resolve()
        self.explicit_trust = trusted
        """`--trust` True, `--no-trust`/`--no-probe` False, None: the user's settings decide (as `check`)."""
        self._lock = threading.Lock()
        self._current = self._load(None, allow_stale=True, generation=1)
        self._reloading: threading.Thread | None = None
        self._checked_at = time.monotonic()
        self.reload_errors = 0

    def _load(self, previous: Project | None, allow_stale: bool, generation: int) -> Loaded:
        config = config_for(self.root)  # ConfigError: the caller says so and stops
        trusted = workspace_trusted(config.root, self.explicit_trust)
        project = Project.load(config, allow_stale=allow_stale, trusted=trusted, previous=previous)
        return Loaded(project, Policy.build(config.diagnostics), generation)

    @property
    def current(self) -> Loaded:
        """The last good project; starts a reload in the background when its inputs changed."""
        loaded = self._current
        now = time.monotonic()
        if now - self._checked_at >= STALE_CHECK_SECONDS:
            self._checked_at = now
            if catalog_is_stale(loaded.project.loaded):
                self.reload_in_background()
        return loaded

    def reload_in_background(self) -> None:
        with self._lock:
            if self._reloading is not None and self._reloading.is_alive():
                return
            self._reloading = threading.Thread(target=self._reload, name="domain-lsp-mcp-reload", daemon=True)
            self._reloading.start()

    def _reload(self) -> None:
        previous = self._current
        try:
            loaded = self._load(previous.project, allow_stale=False, generation=previous.generation + 1)
        except Exception as exc:  # a broken config or source mid-session: keep answering from the last good one
            self.reload_errors += 1
            log.warning("reload failed, still answering from the last good catalog: %s", type(exc).__name__)
            return
        self._current = loaded
