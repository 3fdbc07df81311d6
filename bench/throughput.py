"""Headless throughput: `domain-lsp check` as a process on generated corpora, and on the same SQL
files the tools a user would pick instead (sqlfluff, postgrestools) plus sqlglot's bare parse as
the floor. Each figure is files per second of wall-clock time, start-up included.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlglot

from bench.corpus import SCHEMAS
from bench.postgres import Postgres

TOOL_TIMEOUT = 600


def files_in(folder: Path, suffix: str) -> list[Path]:
    return sorted(folder.rglob(f"*{suffix}"))


def _timed(args: list[str], cwd: Path, timeout: float = TOOL_TIMEOUT) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return time.perf_counter() - started, done


def figure(files: int, seconds: float, **extra: Any) -> dict[str, Any]:
    return {"files": files, "seconds": round(seconds, 2), "files_per_s": round(files / seconds, 1), **extra}


def domain_lsp_check(workspace: Path, folder: Path, suffix: str, jobs: int, cache: Path) -> dict[str, Any]:
    count = len(files_in(folder, suffix))
    args = [sys.executable, "-m", "domain_lsp", "check", str(folder)]
    if _has_jobs():
        args[4:4] = ["--jobs", str(jobs)]
    elif jobs != 1:
        return {"skipped": "`domain-lsp check` has no --jobs option"}
    env_args = ["env", f"DOMAIN_LSP_CACHE_DIR={cache}"]
    seconds, done = _timed(env_args + args, workspace)
    if done.returncode not in (0, 1):
        return {"skipped": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
    # The summary line says how many files were checked: a walk that skipped them is no figure.
    summary = re.search(r"(\d[\d,]*) errors?, (\d[\d,]*) warnings? in (\d[\d,]*) files? checked", done.stdout)
    checked = int(summary.group(3).replace(",", "")) if summary else None
    if checked != count:
        return {"skipped": f"checked {checked} of {count} files: {done.stdout.strip()[-200:]}"}
    errors = int(summary.group(1).replace(",", "")) if summary else None
    return figure(count, seconds, errors=errors)


def _has_jobs() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", "--help"], capture_output=True, text=True, check=False
    )
    return "--jobs" in done.stdout


def sqlglot_floor(folder: Path, dialect: str = "postgres") -> dict[str, Any]:
    """Read and parse every file in this process: no catalog, no checks, no start-up."""
    paths = files_in(folder, ".sql")
    started = time.perf_counter()
    for path in paths:
        sqlglot.parse(path.read_text(encoding="utf-8"), read=dialect)
    return figure(len(paths), time.perf_counter() - started)


def subset(folder: Path, target: Path, count: int) -> Path:
    """The first `count` files of `folder` copied to `target` (for a tool too slow for all)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in files_in(folder, ".sql")[:count]:
        shutil.copy(path, target / path.name)
    return target


def sqlfluff(folder: Path, processes: int) -> dict[str, Any]:
    exe = Path(sys.executable).parent / "sqlfluff"
    if not exe.exists():
        return {"skipped": "sqlfluff is not installed in this environment (make bench installs it)"}
    count = len(files_in(folder, ".sql"))
    args = [str(exe), "lint", "--dialect", "postgres", "--processes", str(processes), "--disable-progress-bar", "."]
    seconds, done = _timed(args, folder)
    if done.returncode not in (0, 1):
        return {"skipped": f"sqlfluff exit {done.returncode}: {done.stderr.strip()[-300:]}"}
    return figure(count, seconds)


def postgrestools_exe(tools: Path) -> Path | None:
    exe = tools / "node_modules" / ".bin" / "postgrestools"
    if exe.exists():
        return exe
    if shutil.which("npm") is None:
        return None
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(tools), "@postgrestools/postgrestools@0.25.7"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return exe if exe.exists() else None


def postgrestools(folder: Path, ddl: Path, tools: Path) -> dict[str, Any]:
    exe = postgrestools_exe(tools)
    if exe is None:
        return {"skipped": "npm could not install @postgrestools/postgrestools"}
    database = Postgres()
    reason = database.start(ddl)
    try:
        if reason is not None:
            return {"skipped": f"no live PostgreSQL: {reason}"}
        count = len(files_in(folder, ".sql"))
        config = {
            "db": {"connectionString": database.url},
            "typecheck": {"searchPath": list(SCHEMAS)},
            "vcs": {"enabled": False},
        }
        (folder / "postgres-language-server.jsonc").write_text(json.dumps(config), encoding="utf-8")
        seconds, done = _timed([str(exe), "check", "--max-diagnostics=none", "."], folder)
        if done.returncode not in (0, 1):
            return {"skipped": f"postgrestools exit {done.returncode}: {(done.stderr or done.stdout).strip()[-300:]}"}
        return figure(count, seconds, summary=(done.stdout + done.stderr).strip().splitlines()[-3:])
    finally:
        database.stop()
