"""Checking files in worker processes: each worker keeps one Checker (so loads each project
once), takes batches of files, and the batches come back in the order of the files.
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

from domain_lsp.check import Batch, Checker, check_batch
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


def _start(config_path: Path | None, cwd: Path, select: tuple[str, ...] | None, ignore: tuple[str, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    global _checker
    _checker = Checker(config_path, cwd, select, ignore)


def _work(files: list[tuple[Path, Path]]) -> Batch | tuple[Path, str, str, int | None]:
    assert _checker is not None, "the pool initializer sets the checker"
    try:
        return check_batch(_checker, files)
    except ConfigError as error:  # its constructor's arguments, as it does not pickle itself
        return (error.path, error.key, error.problem, error.line)


def run_batches(checker: Checker, files: list[tuple[Path, Path]], jobs: int | None) -> list[Batch]:
    workers = worker_count(jobs, len(files))
    if workers == 1:
        return [check_batch(checker, files)]
    size = max(1, min(MAX_BATCH, math.ceil(len(files) / (workers * 4))))
    batches = [files[i : i + size] for i in range(0, len(files), size)]
    # fork starts workers with the modules already imported; elsewhere fork is unsafe.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    config_path = checker.fixed_config.path if checker.fixed_config is not None else None
    pool = ProcessPoolExecutor(
        workers, context, initializer=_start, initargs=(config_path, checker.cwd, checker.select, checker.ignore)
    )
    try:
        results = list(pool.map(_work, batches))
    except BrokenProcessPool:
        raise WorkerCrashed("a worker process died while checking; rerun with --jobs 1 to see where") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    out: list[Batch] = []
    for result in results:
        if isinstance(result, tuple):
            raise ConfigError(*result)
        out.append(result)
    return out
