"""The stdio framer alone (domain_lsp/server/protocol.py): however the bytes are split into
chunks, it finds the same messages; the real server is tested in tests/robustness/test_framing.py."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from domain_lsp.server.protocol import MAX_BODY_BYTES, Dropped, Event, Framer, Message


def decode(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"))


def frame(n: int, delta: int = 0, length: int | None = None) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", "id": n, "method": "m", "params": {"text": "x" * n}}).encode()
    return f"Content-Length: {len(body) + delta if length is None else length}\r\n\r\n".encode() + body


def run(stream: bytes, split: str) -> list[Event]:
    framer = Framer(decode)
    if split == "whole":
        return framer.feed(stream)
    rng = random.Random(len(stream))
    events: list[Event] = []
    at = 0
    while at < len(stream):
        size = 1 if split == "bytes" else rng.randint(1, 40)
        events += framer.feed(stream[at : at + size])
        at += size
    return events


def summary(events: list[Event]) -> list[str]:
    out = []
    for event in events:
        if isinstance(event, Message):
            out.append(f"{event.value['id']}{'~' if event.note else ''}")
        else:
            out.append("dropped" if isinstance(event, Dropped) else "unreadable")
    return out


STREAMS = {
    "good": (frame(1) + frame(2) + frame(3), ["1", "2", "3"]),
    "too short": (frame(1) + frame(2, delta=-5) + frame(3), ["1", "2~", "3"]),
    "too long": (frame(1) + frame(2, delta=+5) + frame(3), ["1", "2~", "3"]),
    "zero": (frame(1, length=0) + frame(2), ["1~", "2"]),
    "2**64": (frame(1, length=2**64) + frame(2), ["dropped", "2"]),
    "negative": (b"Content-Length: -3\r\n\r\n{}" + frame(2), ["dropped", "2"]),
    "missing": (b"Content-Type: x\r\n\r\n{}" + frame(2) + frame(3), ["dropped", "2", "3"]),
    "garbage first": (b"}}" + frame(2), ["dropped", "2"]),
    "not json": (b"Content-Length: 4\r\n\r\n{{{{" + frame(2), ["dropped", "2"]),
    "line breaks between": (frame(1) + b"\r\n" + frame(2), ["1", "2"]),
}


@pytest.mark.parametrize("split", ["whole", "bytes", "random"])
@pytest.mark.parametrize("name", STREAMS)
def test_the_same_messages_however_the_bytes_arrive(name: str, split: str) -> None:
    stream, expected = STREAMS[name]
    assert summary(run(stream, split)) == expected


def test_a_too_long_length_with_nothing_after_it_is_taken_on_a_stall() -> None:
    framer = Framer(decode)
    assert framer.feed(frame(1, delta=+10)) == []
    assert framer.wants_stall
    assert summary(framer.stall()) == ["1~"]
    assert summary(framer.feed(frame(2))) == ["2"]


def test_a_body_still_arriving_is_not_taken_on_a_stall() -> None:
    framer = Framer(decode)
    whole = frame(1)
    assert framer.feed(whole[:-3]) == []
    assert framer.stall() == []
    assert summary(framer.feed(whole[-3:])) == ["1"]


def test_an_oversize_body_is_skipped_by_its_length_without_being_kept() -> None:
    framer = Framer(decode)
    body = b'{"x": "' + b"y" * (MAX_BODY_BYTES + 10) + b'"}'
    events = framer.feed(f"Content-Length: {len(body)}\r\n\r\n".encode())
    for at in range(0, len(body), 1 << 20):
        events += framer.feed(body[at : at + (1 << 20)])
        assert len(framer._buf) <= 1 << 20  # never the whole body
    events += framer.feed(frame(2))
    assert summary(events) == ["dropped", "2"]
