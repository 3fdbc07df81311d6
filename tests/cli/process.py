"""`domain-lsp` as a real process, in an environment of its own: not in CI, no user config,
a catalog cache of its own, and a hang guard."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

TIMEOUT = 120
"""A hang guard, not a speed target."""
COLOR_CODE = re.compile("\x1b\\[[0-9;]*m")


def cli_env(cwd: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "NO_COLOR", "FORCE_COLOR", "TERM")}
    env.update(
        PYTHONIOENCODING="utf-8",
        # Beside the workspace, not in it: nothing of the test's own should be walked or fixed.
        DOMAIN_LSP_USER_CONFIG=str(cwd.parent / f"{cwd.name}.no-user-config.toml"),
        DOMAIN_LSP_CACHE_DIR=str(cwd.parent / f"{cwd.name}.cache"),
    )
    env.update(extra)
    return env


def run_cli(
    cwd: Path,
    *args: str,
    stdin: str | None = None,
    stdin_bytes: bytes | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The process's stdout and stderr as text; stdin is empty unless given."""
    data = stdin_bytes if stdin_bytes is not None else (stdin or "").encode("utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "domain_lsp", *args],
        cwd=cwd,
        input=data,
        capture_output=True,
        timeout=TIMEOUT,
        env=env if env is not None else cli_env(cwd),
    )
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path
