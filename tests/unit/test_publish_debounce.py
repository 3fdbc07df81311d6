"""The push debounce: an edit that finds the server quiet is analysed at once, edits in a burst
or queued behind an analysis wait for a pause (the clock is a stub: this is the policy; the
server tests cover the publishing)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from domain_lsp.server import diagnostics
from domain_lsp.server.diagnostics import DEBOUNCE_SECONDS, QUIET_SECONDS, Publisher


def test_quiet_edits_go_at_once_and_bursts_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    delays: list[float] = []
    monkeypatch.setattr(diagnostics.time, "monotonic", lambda: clock[0])

    async def publish(self: Publisher, uri: str, delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr(Publisher, "_publish", publish)
    server: Any = SimpleNamespace(client_capabilities=SimpleNamespace(text_document=None))

    async def scenario() -> None:
        publisher = Publisher(server)
        for step in (0.0, 0.005, 0.005, QUIET_SECONDS + 0.005, 0.005):
            clock[0] += step
            publisher.schedule("file:///a.sql")
            await asyncio.sleep(0)
        clock[0] += 1
        publisher.analysed_at = clock[0]  # an analysis just ended: edits queued behind it wait
        clock[0] += 0.001
        publisher.schedule("file:///a.sql")
        await asyncio.sleep(0)
        clock[0] += 1
        publisher.schedule("file:///b.sql")  # the server is quiet again
        await asyncio.sleep(0)

    asyncio.run(scenario())
    burst = DEBOUNCE_SECONDS
    assert delays == [0, burst, burst, 0, burst, burst, 0]
