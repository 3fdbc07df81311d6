"""Ask the team's package index whether a distribution exists: PEP 691 JSON, else PEP 503 HTML.

Answers are kept for ten minutes by every PackageIndex of the process (there is one per project
load); an unreachable index (offline, timeout, server error) answers "don't know" so the analysis
falls back to what the inventory and environment say, and is not asked again for a while.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from domain_lsp.inventory.model import normalize
from domain_lsp.trust import public_url

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


_background: ThreadPoolExecutor | None = None
_asking: set[tuple[str, str]] = set()
"""Names being asked in the background, by index URL: each is asked once at a time."""


class PackageIndex:
    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url.rstrip("/") + "/"
        self.timeout = timeout
        self.wait = True
        """False in the language server: a name not yet known is asked in the background and
        answered "don't know" meanwhile, so no request waits for the index (up to `timeout`
        when it does not answer) on the server's event loop."""
        self.on_answer: Callable[[], object] | None = None
        """Called, from a worker thread, when a background question got an answer."""

    def lookup(self, distribution: str) -> IndexAnswer | None:
        """Whether the index has the project; None when it cannot be asked (or, without
        `wait`, has not answered yet)."""
        key = normalize(distribution)
        with _answers_lock:
            kept = _answers.get((self.url, key))
            if kept is not None and time.monotonic() - kept[1] < ANSWER_SECONDS:
                return kept[0]
        with _down_lock:
            down = _down_since.get(self.url)
            if down is not None and time.monotonic() - down < UNKNOWN_RETRY_SECONDS:
                return None
        if not self.wait:
            self._ask_in_background(key)
            return None
        return self._record(key, self._ask(key))

    def _record(self, key: str, answer: IndexAnswer | None) -> IndexAnswer | None:
        with _down_lock:
            if answer is None:
                _down_since[self.url] = time.monotonic()
            else:
                _down_since.pop(self.url, None)
        if answer is not None:
            with _answers_lock:
                _answers[(self.url, key)] = (answer, time.monotonic())
        return answer

    def _ask_in_background(self, key: str) -> None:
        global _background
        with _answers_lock:
            if (self.url, key) in _asking:
                return
            _asking.add((self.url, key))
            if _background is None:
                _background = ThreadPoolExecutor(2, thread_name_prefix="domain-lsp-index")
        _background.submit(self._answer_later, key)

    def _answer_later(self, key: str) -> None:
        try:
            answer = self._record(key, self._ask(key))
        finally:
            with _answers_lock:
                _asking.discard((self.url, key))
        if answer is not None and self.on_answer is not None:
            self.on_answer()

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
            log.info("package index %s unreachable: %s", public_url(self.url), type(exc).__name__)
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
