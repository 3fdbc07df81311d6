"""Server figures per catalog size, all over stdio: start (cold and warm catalog cache),
completion latency in three contexts (SQL file and SQL in a Python file), one-character
edit -> published diagnostics, the server's peak resident memory, and whether its resident
memory grows with the number of edits.
"""

from __future__ import annotations

import asyncio
import gc
import random
import shutil
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types

from bench.lsp_client import BenchClient
from bench.stats import summary

WARM_STARTS = 3
"""Warm starts per catalog size, of which the median is reported: one sample is at the mercy of
whatever else the machine does in those 1.5 seconds."""

PY_PREFIX = '    cur.execute("'
"""Each embedded query in the generated Python file starts after this on its own line."""
PY_FIRST_LINE = 3
RSS_EDITS = 20_000
"""Edits of a small document between the two resident-memory readings (issue 21: pygls kept
about 2 KB per `didChange`, +41 MB per 21,000 edits)."""
IDLE_GC_SECONDS = 3.0
"""Longer than the server's idle collector waits (server/memory.py) before a full collection."""


@dataclass(frozen=True)
class Inputs:
    workspace: Path
    """Holds domain-lsp.toml, big.sql and big.py."""
    sql_file: Path
    py_file: Path


def completion_points(lines: list[str], offset: int, count: int, seed: int) -> dict[str, list[tuple[int, int]]]:
    """(line, character) for each context, on lines of the `SELECT o.id, ... FROM a AS o JOIN`
    shape, spread over the file. `offset` is where the SQL starts on a line (Python prefix)."""
    rng = random.Random(seed)
    candidates = [i for i, line in enumerate(lines) if line[offset:].startswith("SELECT o.id,")]
    chosen = [rng.choice(candidates) for _ in range(count)]
    points: dict[str, list[tuple[int, int]]] = {"after FROM": [], "after alias.": [], "SELECT list": []}
    for i in chosen:
        line = lines[i]
        points["after FROM"].append((i, line.index(" FROM ", offset) + len(" FROM ")))
        points["after alias."].append((i, offset + len("SELECT o.")))
        points["SELECT list"].append((i, offset + len("SELECT ")))
    return points


@contextmanager
def client_gc_paused() -> Iterator[None]:
    """The client's own collector paused while sampling: its full collections (up to 120 ms,
    seen as completion p99) are this Python harness's pauses, not the server's."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def _completions(
    client: BenchClient, uri: str, points: dict[str, list[tuple[int, int]]]
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for context, where in points.items():
        first, items = await client.complete(uri, *where[0])  # builds any per-catalog index
        samples = []
        with client_gc_paused():
            for line, character in where:
                elapsed, items = await client.complete(uri, line, character)
                samples.append(elapsed)
        out[context] = {**summary(samples), "first_ms": round(first * 1000, 2), "items": items}
    return out


async def _edits(
    client: BenchClient, uri: str, lines: list[str], count: int, seed: int, version: int
) -> tuple[dict[str, dict[str, float]], int]:
    """Edits of one character, each followed by waiting for the diagnostics of its version:
    replacing a digit of a literal (nothing moves), then typing a space and deleting it again
    (everything after the edit moves by one character); then bursts of typing, four characters
    20 ms apart inside a string literal, timed from the last keystroke (the debounce's case)."""
    rng = random.Random(seed)
    targets = [i for i, line in enumerate(lines) if "o.amount > " in line]
    results: dict[str, dict[str, float]] = {}
    last_insert = 0
    with client_gc_paused():
        for mode in ("replace", "insert"):
            samples = []
            for n in range(count):
                i = rng.choice(targets)
                column = lines[i].index("o.amount > ") + len("o.amount > ")
                if mode == "replace":
                    new = "7" if lines[i][column] != "7" else "8"
                    change = (column, column + 1, new)
                elif n % 2 == 0:
                    change = (column, column, " ")  # `> 123` becomes `>  123`
                else:
                    i = last_insert
                    change = (column, column + 1, "")
                start, end, new = change
                lines[i] = lines[i][:start] + new + lines[i][end:]
                if mode == "insert" and n % 2 == 0:
                    last_insert = i
                version += 1
                sent = time.perf_counter()
                client.change(uri, version, i, start, end, new)
                arrived = await client.diagnostics_for(uri, version)
                samples.append(arrived - sent)
                await asyncio.sleep(0.02)
            results[mode] = summary(samples)
        samples = []
        literals = [i for i, line in enumerate(lines) if "o.status = 'open'" in line]
        for _ in range(count // 2):
            i = rng.choice(literals)
            column = lines[i].index("o.status = 'open'") + len("o.status = 'o")
            for typed in range(4):
                version += 1
                sent = time.perf_counter()
                client.change(uri, version, i, column + typed, column + typed, "x")
                await asyncio.sleep(0.02)
            arrived = await client.diagnostics_for(uri, version)
            samples.append(arrived - sent)  # from the last keystroke
            version += 1
            client.change(uri, version, i, column, column + 4, "")  # undo the burst, untimed
            await client.diagnostics_for(uri, version)
            await asyncio.sleep(0.1)
        results["burst"] = summary(samples)
    return results, version


def _rss_mb(client: BenchClient) -> float:
    """The server's resident memory now (VmRSS)."""
    server = client.client._server
    assert server is not None
    for line in Path(f"/proc/{server.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/<pid>/status")


async def _rss_after_edits(client: BenchClient, inputs: Inputs, count: int) -> dict[str, float]:
    """Resident memory after an idle collection, before and after `count` one-character edits
    of a small document, sent in batches of 1,000, each batch waiting for its diagnostics."""
    lines = inputs.sql_file.read_text(encoding="utf-8").splitlines()[:5]
    uri = (inputs.workspace / "rss_probe.sql").resolve().as_uri()
    client.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="sql", version=1, text="\n".join(lines) + "\n")
        )
    )
    await client.diagnostics_for(uri, 1)
    column = lines[0].index(" FROM ")  # replace the space before FROM with itself: the text never grows
    version = 1

    async def edit(times: int) -> None:
        nonlocal version
        for _ in range(times):
            version += 1
            client.change(uri, version, 0, column, column + 1, " ")
            if version % 1_000 == 0:
                await client.diagnostics_for(uri, version)
        await client.diagnostics_for(uri, version)

    await edit(1_000)  # warm up: caches and the allocator's arenas reach their working size
    await asyncio.sleep(IDLE_GC_SECONDS)
    before = _rss_mb(client)
    await edit(count)
    await asyncio.sleep(IDLE_GC_SECONDS)
    after = _rss_mb(client)
    return {
        "edits": count,
        "before_mb": round(before, 1),
        "after_mb": round(after, 1),
        "growth_mb": round(after - before, 1),
    }


async def _start(inputs: Inputs, cache: Path) -> tuple[BenchClient, str, dict[str, float]]:
    client = BenchClient(inputs.workspace, cache)
    initialized = await client.start()
    uri = client.open(inputs.sql_file, "sql")
    first = await client.diagnostics_for(uri, 1)
    return (
        client,
        uri,
        {"initialize_s": round(initialized, 3), "first_diagnostics_s": round(first - client.spawned_at, 3)},
    )


async def measure(inputs: Inputs, cache: Path, requests: int, edits: int) -> dict[str, Any]:
    shutil.rmtree(cache, ignore_errors=True)
    result: dict[str, Any] = {}
    client, uri, result["start_cold"] = await _start(inputs, cache)
    try:
        sql_lines = inputs.sql_file.read_text(encoding="utf-8").splitlines()
        result["completion_sql"] = await _completions(client, uri, completion_points(sql_lines, 0, requests, 1))
        py_lines = inputs.py_file.read_text(encoding="utf-8").splitlines()
        py_uri = client.open(inputs.py_file, "python")
        await client.diagnostics_for(py_uri, 1)
        py_points = completion_points(py_lines, len(PY_PREFIX), requests, 2)
        result["completion_python"] = await _completions(client, py_uri, py_points)
        result["edit_to_diagnostics"], _ = await _edits(client, uri, sql_lines, edits, 3, 1)
        result["peak_rss_mb"] = round(client.peak_rss_mb() or float("nan"), 1)
        result["rss_after_edits"] = await _rss_after_edits(client, inputs, RSS_EDITS)
    finally:
        await client.stop()
    cached = any(cache.rglob("*"))
    if cached:
        starts = []
        for _ in range(WARM_STARTS):
            client, uri, start = await _start(inputs, cache)
            starts.append(start)
            result["peak_rss_warm_mb"] = round(client.peak_rss_mb() or float("nan"), 1)
            await client.stop()
        result["start_warm"] = {
            what: statistics.median(s[what] for s in starts) for what in ("initialize_s", "first_diagnostics_s")
        }
        result["start_warm_runs"] = [s["first_diagnostics_s"] for s in starts]
    else:
        result["start_warm"] = None
        result["start_warm_note"] = "no persistent catalog cache was written"
    return result
