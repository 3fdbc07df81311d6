"""The wire: reading LSP messages from stdin so that one badly framed message costs only itself,
and the protocol subclass that keeps per-message bookkeeping bounded.

pygls 2.1.1 reads stdio (`pygls.io_.run_async`) one header line at a time and then exactly
`Content-Length` bytes. A length that is wrong by a few bytes makes it swallow the start of the
next message's header (too long) or leave the end of the body in front of it (too short); from
then on no line matches its header pattern and every later message is skipped: the server stays
alive but never answers again. `Content-Length: 18446744073709551616` reaches `stdin.read(n)`,
which raises OverflowError (n must fit a C ssize_t) out of the main loop and ends the process;
a length of 100 MB makes it wait for, and allocate, 100 MB.

`Framer` replaces that reader (sans-IO, fed chunks as they arrive; `serve_stdio` runs it):

- Headers are parsed strictly: `Name: value` lines, one `Content-Length` of ASCII digits. A
  header block that is not that (a negative or non-numeric length, no length at all, bytes left
  over from a body before it) is skipped up to the next `Content-Length:` line.
- A length over `MAX_BODY_BYTES` is refused with a clear error and its body skipped as it
  arrives, never buffered.
- Resynchronising rests on one fact: the bytes `Content-Length: <digits>\\r\\n`, with a real
  carriage return and line feed, cannot occur inside a JSON body — JSON strings may not hold raw
  control characters, and outside strings only whitespace, punctuation and literals may appear.
  So a header line found inside what a length declares proves the length too long, and the
  message ends where that header starts; a declared body that does not parse proves the length
  wrong (too short, usually), and the message again ends at the next header line.
- The hard case is a length that is too long when nothing follows: the client waits for an
  answer, and the bytes that would complete the declared body never come. When no byte has
  arrived for `STALL_SECONDS` and what has arrived of the body is already one complete JSON
  value, it is the message. A correct sender never stalls there: a complete JSON value that is a
  strict prefix of a longer correct body could only be followed by whitespace padding.
- A message recovered that way is handled as usual, with a warning in the log. One that cannot
  be recovered is answered with a JSON-RPC parse error (id null), as JSON-RPC prescribes for a
  message that cannot be read, and logged. End of input ends the loop; nothing raises out of it.
- Messages are handled one at a time, each once the loop has run what the one before made
  runnable (`_settle`), however many of them one read returned. Handled back to back, a request
  and the `$/cancelRequest` after it in the same read cancelled a request that would have been
  answered at once: Neovim's diagnostic refresh cancels every pending pull of a buffer in the
  tick it sends its own, an explicit `request_sync` pull too, and it drops the callback of a
  request answered "cancelled", so that pull never returned. pygls' reader, which awaits a
  thread for every header line, had given the request those turns by accident.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 2**20
"""The largest message read. A 20 MB SQL file (the largest `check` reads) is about 21 MB as a
JSON `didOpen`; anything far beyond is a broken length, not a document."""
MAX_HEADER_BYTES = 8 * 1024
"""Headers are two short lines; this many bytes without the blank line ending them is garbage."""
STALL_SECONDS = 0.5
"""Quiet time after which a body cut short of its declared length is taken if it is complete."""
CHUNK_BYTES = 64 * 1024
QUEUED_CHUNKS = 4
"""Chunks read ahead of the event loop: stdin is read no faster than messages are handled."""
SETTLE_TURNS = 64
"""Loop turns at most between two messages: a handler that keeps itself runnable (none here needs
more than a few turns to answer or to wait on a thread, a timer or the client) cannot keep the
next message from being read."""

HEADER_LINE_START = b"Content-Length:"
HEADER_LINE = re.compile(rb"Content-Length:[ \t]{0,8}[0-9]{1,32}\r\n")
"""A resynchronisation point: every client spells the header this way."""
TAIL_BYTES = 64
"""Longer than any `HEADER_LINE` match: kept when bytes are dropped, in case one is cut in two."""
FIELD = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([\x20-\x7e]*?)[ \t]*")
DIGITS = re.compile(rb"[0-9]+")
NOT_JSON = (ValueError, RecursionError)
"""What decoding raises for bytes that are not one JSON value (JSONDecodeError and
UnicodeDecodeError are ValueErrors; a 100,000-deep array raises RecursionError)."""

DEBUG_COUNTS = "domainLsp/debugCounts"
"""A request that exists only with DOMAIN_LSP_DEBUG_COUNTS=1 (a testing aid, docs/server.md)."""


@dataclass(frozen=True)
class Message:
    """A decoded message; `note` says how its framing was repaired, when it had to be."""

    value: Any
    note: str | None = None


@dataclass(frozen=True)
class Unreadable:
    """JSON that is not a message pygls can structure (handled as pygls' own reader does)."""

    error: Exception


@dataclass(frozen=True)
class Dropped:
    """Bytes skipped to get back in step; `reason` is safe to show (lengths, never content)."""

    reason: str


Event = Message | Unreadable | Dropped


def parse_header(block: bytes) -> tuple[int | None, str | None]:
    """The declared body length, or why the header block is not one."""
    length: int | None = None
    for line in block.split(b"\r\n"):
        field = FIELD.fullmatch(line)
        if field is None:
            return None, "a header line that is not `Name: value`"
        if field.group(1).lower() != b"content-length":
            continue  # Content-Type, or a header we have no use for
        if length is not None:
            return None, "two Content-Length headers"
        if DIGITS.fullmatch(field.group(2)) is None:
            return None, "a Content-Length that is not a non-negative integer"
        length = int(field.group(2))
    if length is None:
        return None, "no Content-Length header"
    return length, None


class Framer:
    """Splits a byte stream into LSP messages; every method returns the events it completed."""

    def __init__(self, decode: Callable[[bytes], Any]) -> None:
        self._decode = decode
        self._buf = bytearray()
        self._declared: int | None = None
        """The current message's declared body length, once its header has been read."""
        self._frameless = False
        """The declared length proved wrong: the message ends at the next header line."""
        self._discard = 0
        """Bytes of an oversize body still to skip."""
        self._skipping = False
        """Looking for the next header line after a header block that was not one."""
        self._scanned = 0
        """How far the buffer has been searched for a header line (searches resume there)."""
        self._stall_checked = False

    @property
    def wants_stall(self) -> bool:
        """Whether `stall()` could complete a message if no more bytes come."""
        return self._declared is not None and not self._stall_checked

    def feed(self, chunk: bytes) -> list[Event]:
        self._buf += chunk
        self._stall_checked = False
        events: list[Event] = []
        while self._step(events):
            pass
        return events

    def stall(self) -> list[Event]:
        """No bytes for a while: a waiting body that is already complete JSON is the message."""
        if self._declared is None or self._stall_checked:
            return []
        self._stall_checked = True
        declared, size = self._declared, len(self._buf)
        try:
            value = self._decode(bytes(self._buf))
        except NOT_JSON:
            return []  # still arriving, or garbage the next header line will end
        except Exception as error:
            self._consume(size)
            return [Unreadable(error)]
        self._consume(size)
        return [Message(value, f"Content-Length was {declared} but the message was {size} bytes")]

    # -- the state machine ------------------------------------------------------------------------
    def _step(self, events: list[Event]) -> bool:
        """Advance once; False when more bytes are needed."""
        if self._discard:
            return self._step_discard()
        if self._skipping:
            return self._step_skip()
        if self._declared is None:
            return self._step_header(events)
        if self._frameless:
            return self._step_frameless(events)
        return self._step_body(events)

    def _step_header(self, events: list[Event]) -> bool:
        blank = len(self._buf) - len(self._buf.lstrip(b"\r\n"))
        if blank:  # line breaks between messages: harmless, and pygls' reader allowed them
            del self._buf[:blank]
        end = self._buf.find(b"\r\n\r\n", 0, MAX_HEADER_BYTES + 4)
        if end < 0:
            if len(self._buf) <= MAX_HEADER_BYTES:
                return False
            return self._start_skip(events, f"no end of headers within {MAX_HEADER_BYTES} bytes", 1, 1)
        length, problem = parse_header(bytes(self._buf[:end]))
        if length is None:
            return self._start_skip(events, problem or "an invalid header", end, end + 4)
        del self._buf[: end + 4]
        if length > MAX_BODY_BYTES:
            events.append(
                Dropped(f"a message of {length} bytes is over the {MAX_BODY_BYTES // 2**20} MiB limit; skipped")
            )
            self._discard = length
            return True
        self._declared, self._frameless, self._scanned = length, False, 0
        return True

    def _step_body(self, events: list[Event]) -> bool:
        assert self._declared is not None
        declared = self._declared
        header = self._find_header_line(declared)
        if header >= 0:  # inside the declared body: the length is too long
            return self._end_frameless(events, header)
        if len(self._buf) < declared:
            return False
        try:
            value = self._decode(bytes(self._buf[:declared]))
        except NOT_JSON:
            self._frameless, self._scanned = True, 0
            return True
        except Exception as error:
            events.append(Unreadable(error))
        else:
            events.append(Message(value))
        self._consume(declared)
        return True

    def _step_frameless(self, events: list[Event]) -> bool:
        header = self._find_header_line(len(self._buf))
        if header >= 0:
            return self._end_frameless(events, header)
        if len(self._buf) > MAX_BODY_BYTES:
            events.append(Dropped(f"no message boundary within {MAX_BODY_BYTES // 2**20} MiB; skipped"))
            self._consume(len(self._buf) - TAIL_BYTES)
            self._skipping = True
        return False

    def _end_frameless(self, events: list[Event], end: int) -> bool:
        """The message is the bytes before the header line at `end`."""
        declared = self._declared
        try:
            value = self._decode(bytes(self._buf[:end]))
        except NOT_JSON:
            events.append(
                Dropped(f"Content-Length was {declared} and the {end} bytes up to the next header are not JSON")
            )
        except Exception as error:
            events.append(Unreadable(error))
        else:
            events.append(Message(value, f"Content-Length was {declared} but the message was {end} bytes"))
        self._consume(end)
        return True

    def _start_skip(self, events: list[Event], problem: str, text_end: int, block_end: int) -> bool:
        """Skip a header block that is not one: up to a header line inside it that does not start
        it (the end of a body cut short, glued to the next message's header), else all of it and
        then on to the next header line (past this block's body)."""
        events.append(Dropped(f"{problem}; skipped to the next Content-Length header"))
        inside = self._find_header_line(text_end, start=1)
        if inside >= 0:
            del self._buf[:inside]
            self._scanned = 0
            return True
        del self._buf[:block_end]
        self._skipping, self._scanned = True, 0
        return True

    def _step_skip(self) -> bool:
        self._declared = None
        self._scanned = 0
        header = self._find_header_line(len(self._buf))
        if header >= 0:
            del self._buf[:header]
            self._skipping = False
            return True
        self._drop_all_but_tail()
        return False

    def _step_discard(self) -> bool:
        # An oversize body is JSON too (or a wrong length): a header line inside it is the next
        # message, which would otherwise be skipped with it.
        self._scanned = 0
        header = self._find_header_line(self._discard)
        if header >= 0:
            del self._buf[:header]
            self._discard = 0
            return True
        if len(self._buf) >= self._discard:
            del self._buf[: self._discard]
            self._discard = 0
            return True
        dropped = self._drop_all_but_tail()
        self._discard -= dropped
        return False

    # -- buffer helpers ---------------------------------------------------------------------------
    def _find_header_line(self, before: int, start: int | None = None) -> int:
        """Where the first header line starting before `before` begins, or -1. Resumes where the
        last search stopped (less a tail, in case a header line was then cut in two)."""
        if start is None:
            start = max(0, self._scanned - TAIL_BYTES)
        limit = min(before, len(self._buf))
        while True:
            found = self._buf.find(HEADER_LINE_START, start, limit + len(HEADER_LINE_START) - 1)
            if found < 0:
                break
            if HEADER_LINE.match(self._buf, found):
                return found
            start = found + 1
        self._scanned = len(self._buf)
        return -1

    def _consume(self, count: int) -> None:
        """Drop a finished message's bytes and expect the next header."""
        del self._buf[:count]
        self._declared, self._frameless, self._scanned = None, False, 0

    def _drop_all_but_tail(self) -> int:
        dropped = max(0, len(self._buf) - TAIL_BYTES)
        del self._buf[:dropped]
        self._scanned = len(self._buf)
        return dropped


# -- the protocol -----------------------------------------------------------------------------------
class DomainProtocol(LanguageServerProtocol):
    """pygls' protocol with three changes:

    - every message read resets the idle collector's clock (server/memory.py);
    - finished handler futures are forgotten. pygls 2.1.1 stores a Future in `_request_futures`
      for every coroutine, thread or generator handler it runs, under the request's id or a
      fresh uuid, and only a request's response removes it: every notification (each `didOpen`,
      `didChange`, `didClose` runs a generator) left one behind, with the generator and its
      params — about 2 KB per edit, 41 MB after 21,000 edits;
    - `domainLsp/debugCounts` with DOMAIN_LSP_DEBUG_COUNTS=1, for the test that counts them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initialize_seen = False
        if os.environ.get("DOMAIN_LSP_DEBUG_COUNTS") == "1":
            self.fm.add_builtin_feature(DEBUG_COUNTS, self._debug_counts)

    def handle_message(self, message: Any) -> None:
        collector = getattr(self._server, "collector", None)
        if collector is not None:
            collector.touch()
        if getattr(message, "method", None) == types.INITIALIZE:
            self.initialize_seen = True
        self._forget_finished()
        super().handle_message(message)

    def _forget_finished(self) -> None:
        # Pruned here rather than in each future's done-callback: `shutdown` cancels the
        # pending ones while iterating over the dict, and a concurrent Future runs its
        # callbacks inside cancel(). What is left between messages is what is still running.
        futures = self._request_futures
        for msg_id, future in list(futures.items()):
            if future.done() and futures.get(msg_id) is future:
                futures.pop(msg_id, None)  # a worker thread may have removed it meanwhile

    def _debug_counts(self, params: Any) -> dict[str, int]:
        gc.collect()
        live = sum(1 for o in gc.get_objects() if isinstance(o, (asyncio.Future, concurrent.futures.Future)))
        state = getattr(self._server, "state", None)  # what the server did in the background
        background = state.debug_counts() if state is not None else {}
        return {"requestFutures": len(self._request_futures), "futures": live, **background}


# -- stdio ------------------------------------------------------------------------------------------
def serve_stdio(server: LanguageServer) -> None:
    """`server.start_io()` with `Framer` as the reader (pygls' own lifecycle otherwise)."""
    server._stop_event = stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    try:
        asyncio.run(_read_loop(server, stop_event, sys.stdin.fileno()))
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass  # `exit` ends the process this way, as in pygls
    finally:
        server.shutdown()


async def _read_loop(server: LanguageServer, stop_event: threading.Event, fd: int) -> None:
    protocol = server.protocol
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes] = asyncio.Queue()
    slots = threading.Semaphore(QUEUED_CHUNKS)
    # A daemon thread reading the raw descriptor: a pending read must neither keep the process
    # alive after `exit` nor hold the lock of sys.stdin's buffer at interpreter shutdown.
    reader = threading.Thread(target=_read_chunks, args=(fd, loop, chunks, slots), name="domain-lsp-stdin", daemon=True)
    reader.start()

    def decode(body: bytes) -> Any:
        return json.loads(body.decode("utf-8"), object_hook=protocol.structure_message)

    framer = Framer(decode)
    while not stop_event.is_set():
        chunk: bytes | None
        try:
            chunk = await asyncio.wait_for(chunks.get(), STALL_SECONDS if framer.wants_stall else None)
        except asyncio.TimeoutError:
            chunk = None  # quiet for STALL_SECONDS
        else:
            slots.release()
            if not chunk:
                break  # end of input
        try:
            events = framer.stall() if chunk is None else framer.feed(chunk)
        except Exception as error:  # a bug here must cost the bytes buffered, not the session
            log.error("cannot frame the input (%s); reading on from the next header", error)
            framer, events = Framer(decode), []
        for event in events:
            await _settle(loop)
            _dispatch(server, event)


async def _settle(loop: asyncio.AbstractEventLoop) -> None:
    """Run the loop until nothing is runnable: what the last message started has answered, or it
    waits on a thread, a timer or the client; a `$/cancelRequest` then cancels only what waits."""
    # asyncio.run's loop keeps its runnable callbacks in `_ready` (CPython's BaseEventLoop, every
    # version since 3.4); there is no public way to ask. Another loop gets one turn, as a bare
    # `await` would give it.
    ready = getattr(loop, "_ready", None)
    for _ in range(SETTLE_TURNS):
        await asyncio.sleep(0)
        if not ready:
            return


def _dispatch(server: LanguageServer, event: Event) -> None:
    protocol = server.protocol
    if isinstance(event, Message):
        if event.note:
            _tell(server, types.MessageType.Warning, f"domain-lsp: a message's framing was wrong: {event.note}")
        try:
            protocol.handle_message(event.value)
        except Exception as error:  # as pygls' reader: a handler's failure never ends the loop
            log.error("cannot handle a message: %s", error)
            server._report_server_error(error, JsonRpcException)
    elif isinstance(event, Unreadable):
        log.error("cannot read a message: %s", event.error)
        server._report_server_error(event.error, JsonRpcException)
    else:
        text = f"domain-lsp: unreadable input from the client: {event.reason}"
        protocol._send_data({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": text}})
        _tell(server, types.MessageType.Error, text)


def _tell(server: LanguageServer, kind: types.MessageType, text: str) -> None:
    """To stderr, and to the client's log once it has said `initialize` (the LSP allows nothing
    unasked before)."""
    log.log(logging.ERROR if kind == types.MessageType.Error else logging.WARNING, "%s", text)
    protocol = server.protocol
    if isinstance(protocol, DomainProtocol) and protocol.initialize_seen:
        server.window_log_message(types.LogMessageParams(type=kind, message=text))


def _read_chunks(
    fd: int, loop: asyncio.AbstractEventLoop, chunks: asyncio.Queue[bytes], slots: threading.Semaphore
) -> None:
    while True:
        slots.acquire()  # released as the loop takes a chunk: stdin is read as fast as it is handled
        try:
            chunk = os.read(fd, CHUNK_BYTES)
        except OSError:
            chunk = b""
        try:
            loop.call_soon_threadsafe(chunks.put_nowait, chunk)
        except RuntimeError:
            return  # the loop has ended
        if not chunk:
            return
