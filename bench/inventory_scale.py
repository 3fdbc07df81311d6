"""Package inventories at monorepo scale (issue 20): `domain-lsp check` on one Python file next to a
uv.lock of thousands of packages.

The lock is written as uv writes one: `[[package]]` tables with a registry source, dependencies,
an sdist and about 22 wheel lines (one per platform tag), the workspace's own project last with
its `[package.metadata]`: about 7.9 KB per package (long file URLs), more than the issue's 4.6 KB.

    python -m bench.inventory_scale                      # at the bench's sizes
    python -m bench.inventory_scale check 1000 5000      # check only, at these sizes
    python -m bench.inventory_scale idle 5000 120        # the idle server: packages, seconds
    python -m bench.inventory_scale write 5000 DIR       # a workspace to try by hand
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SIZES = (1_000, 5_000, 20_000)
DIRECT = 150
"""Packages the pyproject names; the lock holds them and what they need."""
CHECK_RUNS = 3
"""`check` runs per size; the median is reported (the first also fills the catalog cache)."""

_PLATFORMS = (
    "cp310-cp310-macosx_10_9_x86_64",
    "cp310-cp310-macosx_11_0_arm64",
    "cp310-cp310-manylinux_2_17_aarch64.manylinux2014_aarch64",
    "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp310-cp310-musllinux_1_2_x86_64",
    "cp310-cp310-win_amd64",
    "cp311-cp311-macosx_10_9_x86_64",
    "cp311-cp311-macosx_11_0_arm64",
    "cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64",
    "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp311-cp311-musllinux_1_2_x86_64",
    "cp311-cp311-win_amd64",
    "cp312-cp312-macosx_10_13_x86_64",
    "cp312-cp312-macosx_11_0_arm64",
    "cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64",
    "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp312-cp312-musllinux_1_2_x86_64",
    "cp312-cp312-win_amd64",
    "cp313-cp313-macosx_10_13_x86_64",
    "cp313-cp313-macosx_11_0_arm64",
    "cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp313-cp313-win_amd64",
)
_WORDS = (
    "async", "auth", "cache", "cloud", "core", "data", "flow", "graph", "http", "io", "json", "kit", "lib",
    "log", "net", "orm", "parse", "py", "queue", "rpc", "schema", "sql", "stream", "task", "test", "util",
)  # fmt: skip


def package_name(number: int) -> str:
    """A distribution name as teams' packages look (`acme-cloud-sql-0042`); unique per number."""
    rng = random.Random(number)
    return f"acme-{rng.choice(_WORDS)}-{rng.choice(_WORDS)}-{number:05d}"


def _digest(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def _file_url(name: str, filename: str) -> str:
    digest = _digest(name, filename)
    return f"https://files.pythonhosted.org/packages/{digest[:2]}/{digest[2:4]}/{digest[4:64]}/{filename}"


def uv_lock_text(packages: int, project: str = "app") -> str:
    """A uv.lock of `packages` registry packages plus the virtual project `project` depending on
    the first DIRECT; byte-identical for the same arguments."""
    rng = random.Random(packages)
    out = ['version = 1\nrevision = 3\nrequires-python = ">=3.10"\n']
    names = [package_name(i) for i in range(packages)]
    for i, name in enumerate(names):
        version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
        stem = f"{name.replace('-', '_')}-{version}"
        uploaded = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:14:03.512Z"
        out.append(f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n')
        out.append('source = { registry = "https://pypi.org/simple" }\n')
        depends = sorted({names[j] for j in rng.sample(range(packages), min(3, packages)) if j != i})
        if depends:
            out.append("dependencies = [\n" + "".join(f'    {{ name = "{d}" }},\n' for d in depends) + "]\n")
        sdist = f"{stem}.tar.gz"
        out.append(
            f'sdist = {{ url = "{_file_url(name, sdist)}", hash = "sha256:{_digest(sdist)}", '
            f'size = {rng.randint(10_000, 900_000)}, upload-time = "{uploaded}" }}\n'
        )
        out.append("wheels = [\n")
        for platform in _PLATFORMS:
            wheel = f"{stem}-{platform}.whl"
            out.append(
                f'    {{ url = "{_file_url(name, wheel)}", hash = "sha256:{_digest(wheel)}", '
                f'size = {rng.randint(10_000, 900_000)}, upload-time = "{uploaded}" }},\n'
            )
        out.append("]\n")
    out.append(f'\n[[package]]\nname = "{project}"\nversion = "0.1.0"\nsource = {{ virtual = "." }}\n')
    out.append("dependencies = [\n" + "".join(f'    {{ name = "{n}" }},\n' for n in names[:DIRECT]) + "]\n")
    out.append("\n[package.metadata]\nrequires-dist = [\n")
    out.append("".join(f'    {{ name = "{n}", specifier = ">=0" }},\n' for n in names[:DIRECT]) + "]\n")
    return "".join(out)


def write_workspace(folder: Path, packages: int, extra_config: str = "") -> Path:
    """A workspace of one pyproject (its dependencies, a config), its uv.lock and `one.py`, which
    imports a locked package and one that is nowhere (the finding `check` must report)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".git").mkdir(exist_ok=True)  # the workspace's top: reads stay inside it
    names = [package_name(i) for i in range(packages)]
    dependencies = "".join(f'    "{n}>=0",\n' for n in names[:DIRECT])
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "app"\nversion = "0.1.0"\ndependencies = [\n{dependencies}]\n', encoding="utf-8"
    )
    (folder / "domain-lsp.toml").write_text(
        '[sql]\nschemas = []\n\n[packages]\ninventory = ["pyproject.toml", "uv.lock"]\n' + extra_config,
        encoding="utf-8",
    )
    (folder / "uv.lock").write_text(uv_lock_text(packages), encoding="utf-8")
    module = names[0].replace("-", "_")
    (folder / "one.py").write_text(f"import {module}\nimport zzz_nowhere_pkg\n", encoding="utf-8")
    return folder


def _env(cache: Path) -> dict[str, str]:
    """The bench's cache, and bytecode cached as an installed package has it (outside the
    repository): compiling every module again would add 0.1 s to each run."""
    env = {**os.environ, "DOMAIN_LSP_CACHE_DIR": str(cache), "PYTHONPYCACHEPREFIX": str(cache.parent / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def check_one_file(work: Path, sizes: tuple[int, ...] = SIZES, runs: int = CHECK_RUNS) -> dict[str, Any]:
    """`domain-lsp check one.py` as a process, wall-clock seconds per lock size (median of `runs`)."""
    results: dict[str, Any] = {}
    for size in sizes:
        folder = write_workspace(work / f"inventory{size}", size)
        lock_mb = (folder / "uv.lock").stat().st_size / 1e6
        seconds: list[float] = []
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "domain_lsp", "check", "one.py"],
                cwd=folder,
                env=_env(work / "cache-inventory"),
                capture_output=True,
                text=True,
                timeout=1800,
            )
            seconds.append(time.perf_counter() - started)
            if done.returncode not in (0, 1) or "zzz_nowhere_pkg" not in done.stdout:
                return {**results, str(size): {"skipped": f"exit {done.returncode}: {done.stdout[-300:]}"}}
        results[str(size)] = {"seconds": round(sorted(seconds)[len(seconds) // 2], 3), "lock_mb": round(lock_mb, 1)}
        print(f"  check, {size:,} packages: {results[str(size)]}", flush=True)
    return results


IDLE_PACKAGES = 5_000
IDLE_SECONDS = 120.0
"""How long the idle server is watched: four tries of its failing source at least."""


def _closed_port() -> int:
    """A loopback port nothing listens on (an HTTP catalog that is down: connections refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and the children it waited for (its interpreter probe)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[index]) for index in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def idle_server_cpu(work: Path, packages: int = IDLE_PACKAGES, seconds: float = IDLE_SECONDS) -> dict[str, Any]:
    """CPU seconds per minute of a language server left alone with one open Python file, a
    `packages`-package uv.lock and an HTTP catalog that is down (retried in the background)."""
    from bench.lsp_client import BenchClient

    source = f'\n[[sql.sources]]\nkind = "http"\nurl = "http://127.0.0.1:{_closed_port()}/catalog.json"\n'
    folder = write_workspace(work / f"idle{packages}", packages, source)
    cache = work / "cache-idle"

    async def watch() -> dict[str, Any]:
        client = BenchClient(folder, cache)
        await client.start()
        uri = client.open(folder / "one.py", "python")
        await client.diagnostics_for(uri, 1)
        await asyncio.sleep(5.0)  # what the start left running (the probe, the first retry's wait) ends
        server = client.client._server
        assert server is not None
        before, started = _cpu_seconds(server.pid), time.perf_counter()
        await asyncio.sleep(seconds)
        used, elapsed = _cpu_seconds(server.pid) - before, time.perf_counter() - started
        await client.stop()
        return {"cpu_s_per_min": round(used / (elapsed / 60), 3), "seconds": round(elapsed), "packages": packages}

    trusted = os.environ.get("DOMAIN_LSP_TRUST")
    os.environ["DOMAIN_LSP_TRUST"] = "1"  # the workspace's source is read (and retried) only when trusted
    try:
        result = asyncio.run(watch())
    finally:
        if trusted is None:
            os.environ.pop("DOMAIN_LSP_TRUST", None)
        else:
            os.environ["DOMAIN_LSP_TRUST"] = trusted
    print(f"  idle server, {packages:,} packages, a source down: {result}", flush=True)
    return result


def bench(work: Path, quick: bool = False) -> dict[str, Any]:
    """What bench/run.py reports: `check` per lock size and the idle server's CPU."""
    sizes = (200, 1_000) if quick else SIZES
    return {
        "check": check_one_file(work, sizes, 1 if quick else CHECK_RUNS),
        "idle": idle_server_cpu(work, 1_000 if quick else IDLE_PACKAGES, 20.0 if quick else IDLE_SECONDS),
    }


def main(argv: list[str]) -> None:
    work = Path(os.environ.get("DOMAIN_LSP_BENCH_DIR") or Path(tempfile.gettempdir()) / "domain-lsp-bench")
    if argv[:1] == ["write"]:
        print(write_workspace(Path(argv[2]), int(argv[1])))
        return
    if argv[:1] == ["idle"]:
        numbers = [float(a) for a in argv[1:3]]
        print(idle_server_cpu(work, int(numbers[0]) if numbers else IDLE_PACKAGES, *numbers[1:2]))
        return
    if argv[:1] == ["check"]:
        print(check_one_file(work, tuple(int(a) for a in argv[1:]) or SIZES))
        return
    print(check_one_file(work))


if __name__ == "__main__":
    main(sys.argv[1:])
