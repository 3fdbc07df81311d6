"""A throwaway PostgreSQL for `postgrestools check`, which reads the schema from a live database:
initdb into a temp folder as the `postgres` user, listen on loopback only, load the DDL, and
stop it afterwards. Every failure is returned as a reason to print, never raised.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

PORT = 54329
CANDIDATE_BINS = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14)]


def find_bin() -> Path | None:
    return next((b for b in CANDIDATE_BINS if (b / "initdb").exists()), None)


def _as_postgres(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:
        args = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(_quote(a) for a in args)]
    return subprocess.run(args, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


class Postgres:
    def __init__(self) -> None:
        self.folder: Path | None = None
        self.bin: Path | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{PORT}/postgres"

    def start(self, ddl: Path) -> str | None:
        """Start and load `ddl`; None on success, else why it cannot run here."""
        self.bin = find_bin()
        if self.bin is None:
            return "no PostgreSQL server binaries (initdb) found"
        if os.geteuid() == 0 and shutil.which("su") is None:
            return "running as root without `su` to start PostgreSQL as another user"
        self.folder = Path(tempfile.mkdtemp(prefix="domain-lsp-bench-pg-"))
        os.chmod(self.folder, 0o777)
        data = self.folder / "data"
        done = _as_postgres([str(self.bin / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres"])
        if done.returncode != 0:
            return f"initdb failed: {done.stderr.strip()[-300:]}"
        options = f"-p {PORT} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "log")
        done = _as_postgres([str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start"])
        if done.returncode != 0:
            return f"pg_ctl start failed: {done.stderr.strip()[-300:]}"
        psql = shutil.which("psql") or str(self.bin / "psql")
        os.chmod(ddl, 0o644)
        started = time.perf_counter()
        done = subprocess.run(
            [psql, "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url, "-f", str(ddl)], capture_output=True, text=True
        )
        if done.returncode != 0:
            return f"loading the schema failed: {done.stderr.strip()[-300:]}"
        print(f"  PostgreSQL up on 127.0.0.1:{PORT}, schema loaded in {time.perf_counter() - started:.1f}s")
        return None

    def stop(self) -> None:
        if self.folder is None or self.bin is None:
            return
        _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"])
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
