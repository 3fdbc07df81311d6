"""The server's collector schedule: full collections are rare on their own and run once the
server has been idle, so cyclic garbage still goes away."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from domain_lsp.server import memory


class Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def restored_thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_full_collections_wait_for_many_middle_ones(restored_thresholds: None) -> None:
    memory.IdleCollector()
    assert gc.get_threshold()[2] == memory.FULL_AFTER


def test_cyclic_garbage_is_collected_once_the_server_is_idle(
    restored_thresholds: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory, "IDLE_SECONDS", 0.05)

    async def scenario() -> bool:
        collector = memory.IdleCollector()
        gc.disable()  # only the idle collector may collect here
        try:
            garbage = Cycle()
            alive = weakref.ref(garbage)
            del garbage
            collector.touch()
            for _ in range(200):
                if alive() is None:
                    return True
                await asyncio.sleep(0.01)
            return False
        finally:
            gc.enable()

    assert asyncio.run(scenario())
