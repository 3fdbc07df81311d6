"""When the server's cyclic garbage collector runs: fully only while the user is idle.

A full collection walks every tracked object that is not frozen: the trees and tokens of open
documents, about 230,000 objects for one 2,000-statement file, which takes 100-150 ms. CPython
runs one after every 10 middle-generation collections once enough objects have survived, so
every few completion requests or edits one of them stalled for that long (the p95 of
completion). Here full collections are rare on their own (FULL_AFTER) and are run instead once
the server has had no message for IDLE_SECONDS, when nobody waits for an answer. Young
generations are collected as usual: short-lived cycles still go at once.
"""

from __future__ import annotations

import asyncio
import gc
import time

IDLE_SECONDS = 2.0
FULL_AFTER = 1_000
"""Middle-generation collections before an automatic full one (CPython's default is 10): the
safety net for a server that is never idle."""


class IdleCollector:
    def __init__(self) -> None:
        self._last_message = time.monotonic()
        self._timer: asyncio.TimerHandle | None = None
        self._dirty = False
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_AFTER)

    def touch(self) -> None:
        """A message arrived (on the event loop): collect once it has been quiet for a while."""
        self._last_message = time.monotonic()
        self._dirty = True
        if self._timer is None:
            try:
                self._timer = asyncio.get_running_loop().call_later(IDLE_SECONDS, self._fire)
            except RuntimeError:  # no loop running: nothing to schedule on
                pass

    def _fire(self) -> None:
        quiet = time.monotonic() - self._last_message
        if quiet < IDLE_SECONDS:
            self._timer = asyncio.get_running_loop().call_later(IDLE_SECONDS - quiet, self._fire)
            return
        self._timer = None
        if self._dirty:
            self._dirty = False
            gc.collect()
