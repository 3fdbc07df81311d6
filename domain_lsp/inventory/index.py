"""Ask the team's package index whether a distribution exists: PEP 691 JSON, else PEP 503 HTML.

Answers are kept for ten minutes by every PackageIndex of the process (there is one per project
load); an unreachable index (offline, timeout, server error) answers "don't know" so the analysis
falls back to what the inventory and environment say, and is not asked again for a while.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from domain_lsp.inventory.model import normalize

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 3.0
UNKNOWN_RETRY_SECONDS = 60.0
"""After a failed request the index is not asked again for this long: offline, or behind a
firewall that drops packets, costs one timeout a minute, not one per import."""
JSON_TYPE = "application/vnd.pypi.simple.v1+json"

_down_since: dict[str, float] = {}
"""When each index URL last failed, shared by every PackageIndex: the server makes a new one on
each reload (live sources reload every few seconds), and each would otherwise wait again for an
index that does not answer, on the server's event loop."""
_down_lock = threading.Lock()


@dataclass(frozen=True)
class IndexAnswer:
    exists: bool
    url: str


ANSWER_SECONDS = 600.0
"""How long an answer is kept, by every PackageIndex of the process: a reload (every few
seconds with live sources) makes a new one, which would otherwise ask again, on the event loop."""
_answers: dict[tuple[str, str], tuple[IndexAnswer, float]] = {}
_answers_lock = threading.Lock()


class PackageIndex:
    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url.rstrip("/") + "/"
        self.timeout = timeout

    def lookup(self, distribution: str) -> IndexAnswer | None:
        """Whether the index has the project; None when it cannot be asked."""
        key = normalize(distribution)
        with _answers_lock:
            kept = _answers.get((self.url, key))
            if kept is not None and time.monotonic() - kept[1] < ANSWER_SECONDS:
                return kept[0]
        with _down_lock:
            down = _down_since.get(self.url)
            if down is not None and time.monotonic() - down < UNKNOWN_RETRY_SECONDS:
                return None
        answer = self._ask(key)
        with _down_lock:
            if answer is None:
                _down_since[self.url] = time.monotonic()
            else:
                _down_since.pop(self.url, None)
        if answer is not None:
            with _answers_lock:
                _answers[(self.url, key)] = (answer, time.monotonic())
        return answer

    def _ask(self, key: str) -> IndexAnswer | None:
        try:
            import httpx
        except ImportError:  # the index check is optional; without httpx it is off
            return None
        url = f"{self.url}{key}/"
        try:
            response = httpx.get(
                url,
                headers={"Accept": f"{JSON_TYPE}, text/html;q=0.1"},
                timeout=self.timeout,
                follow_redirects=True,
            )
        except httpx.HTTPError as exc:
            log.info("package index %s unreachable: %s", self.url, exc)
            return None
        if response.status_code == 404:
            return IndexAnswer(False, url)
        if response.status_code != 200:
            return None
        content_type = response.headers.get("content-type", "")
        if JSON_TYPE in content_type or content_type.startswith("application/json"):
            try:
                response.json()
            except ValueError:
                return None
        return IndexAnswer(True, url)  # PEP 691 or 503: a project page exists (even one listing no files)
