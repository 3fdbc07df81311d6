"""Checking files in worker processes: each worker keeps one Checker, takes batches of files,
and the results come back in the order of the files.

Before the workers start, this process checks the first file of each kind of each project:
that loads the projects and warms their lazy parts (package inventory, caches), which forked
workers then share instead of each loading them again. Elsewhere (spawn) each worker loads a
project once, on its first file.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from domain_lsp.check import Checked, Checker, check_batch
from domain_lsp.config import ConfigError

FILES_PER_AUTO_WORKER = 32
"""With `jobs` unset, a worker is worth starting (it loads the catalog again) per this many files."""
MAX_BATCH = 32

_checker: Checker | None = None


class WorkerCrashed(Exception):
    """A worker process died (a crash in a native parser); one line for the command line."""


def worker_count(jobs: int | None, files: int) -> int:
    if jobs is None:
        return max(1, min(os.cpu_count() or 1, files // FILES_PER_AUTO_WORKER))
    return max(1, min(jobs, files))


def _start(
    config_path: Path | None, cwd: Path, select: tuple[str, ...] | None, ignore: tuple[str, ...], trusted: bool | None
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    global _checker
    if _checker is None:  # a forked worker has the parent's, warm
        _checker = Checker(config_path, cwd, select, ignore, trusted)


def _work(files: list[tuple[Path, Path]]) -> list[Checked] | tuple[Path, str, str, int | None]:
    assert _checker is not None, "the pool initializer sets the checker"
    try:
        return check_batch(_checker, files)
    except ConfigError as error:  # its constructor's arguments, as it does not pickle itself
        return (error.path, error.key, error.problem, error.line)


def _warm(checker: Checker, files: list[tuple[Path, Path]]) -> dict[int, Checked]:
    """Check the first file of each suffix in each folder's project, here; by index."""
    done: dict[int, Checked] = {}
    seen: set[tuple[Path, str]] = set()
    for index, (path, argument) in enumerate(files):
        kind = (checker.project_key(path, argument), path.suffix.lower())
        if kind not in seen:
            seen.add(kind)
            done[index] = check_batch(checker, [(path, argument)])[0]
    return done


def run_batches(checker: Checker, files: list[tuple[Path, Path]], jobs: int | None) -> list[Checked]:
    workers = worker_count(jobs, len(files))
    if workers == 1:
        return check_batch(checker, files)
    done = _warm(checker, files)
    rest = [i for i in range(len(files)) if i not in done]
    size = max(1, min(MAX_BATCH, math.ceil(len(rest) / (workers * 4))))
    batches = [rest[i : i + size] for i in range(0, len(rest), size)]
    # fork starts workers with the modules imported and the projects loaded; elsewhere fork is unsafe.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    config_path = checker.fixed_config.path if checker.fixed_config is not None else None
    global _checker
    _checker = checker
    pool = ProcessPoolExecutor(
        workers,
        context,
        initializer=_start,
        initargs=(config_path, checker.cwd, checker.select, checker.ignore, checker.trusted),
    )
    try:
        results = list(pool.map(_work, [[files[i] for i in batch] for batch in batches]))
    except BrokenProcessPool:
        raise WorkerCrashed("a worker process died while checking; rerun with --jobs 1 to see where") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _checker = None
    for batch, result in zip(batches, results, strict=True):
        if isinstance(result, tuple):
            raise ConfigError(*result)
        done.update(zip(batch, result, strict=True))
    return [done[i] for i in range(len(files))]
