"""The Python environment whose installed packages count: found from the config, `.venv`/`venv`,
`VIRTUAL_ENV`, else the server's own interpreter; read by running that interpreter on the
stdlib-only probe (never importing workspace or installed code here), cached in memory until
one of its site-packages folders changes.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import sysconfig
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain_lsp.inventory.model import normalize
from domain_lsp.trust import user_settings

log = logging.getLogger(__name__)

PROBE = Path(__file__).with_name("probe.py")
PROBE_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Distribution:
    name: str
    version: str
    modules: tuple[str, ...]
    requires: tuple[str, ...] = ()
    """Names of the distributions it always requires (extras left out)."""


@dataclass
class Environment:
    executable: str
    version: tuple[int, ...]
    stdlib: frozenset[str]
    site_dirs: tuple[str, ...]
    modules: frozenset[str]
    """Every top-level name importable from site-packages (and .pth-added folders)."""
    distributions: dict[str, Distribution]
    """Normalized name -> distribution."""
    error: str = ""
    """Why the environment could not be read ("" when it was)."""
    stdlib_dir: str = ""
    """The folder of the interpreter's standard library sources ("" when unknown)."""
    providers: dict[str, list[Distribution]] = field(init=False, default_factory=dict)
    """Top-level module -> the distributions that install it."""

    def __post_init__(self) -> None:
        self.providers = {}
        for dist in self.distributions.values():
            for module in dist.modules:
                self.providers.setdefault(module, []).append(dist)

    @property
    def python(self) -> str:
        return ".".join(str(part) for part in self.version[:2])

    def distribution(self, name: str) -> Distribution | None:
        return self.distributions.get(normalize(name))

    def required_by(self, roots: list[str]) -> dict[str, str]:
        """Every installed distribution that `roots` require, directly or not: normalized
        name -> the root it comes through."""
        through: dict[str, str] = {}
        stack = [(normalize(root), root) for root in roots]
        while stack:
            key, root = stack.pop()
            dist = self.distributions.get(key)
            if dist is None:
                continue
            for requirement in dist.requires:
                child = normalize(requirement)
                if child not in through:
                    through[child] = root
                    stack.append((child, root))
        return through

    @classmethod
    def from_probe(cls, data: dict[str, Any]) -> Environment:
        dists: dict[str, Distribution] = {}
        for raw in data.get("distributions", []):
            dist = Distribution(
                str(raw["name"]), str(raw["version"]), tuple(raw["modules"]), tuple(raw.get("requires", ()))
            )
            dists.setdefault(normalize(dist.name), dist)
        return cls(
            executable=str(data["executable"]),
            version=tuple(data["version"]),
            stdlib=frozenset(data["stdlib"]),
            site_dirs=tuple(data["site_dirs"]),
            modules=frozenset(data["modules"]),
            distributions=dists,
            stdlib_dir=str(data.get("stdlib_dir", "")),
        )

    @classmethod
    def unreadable(cls, executable: str, error: str) -> Environment:
        """An environment that could not be probed: the server's own stdlib list, nothing installed."""
        return cls(
            executable,
            tuple(sys.version_info[:3]),
            frozenset(sys.stdlib_module_names) | frozenset(sys.builtin_module_names),
            (),
            frozenset(),
            {},
            error=error,
            stdlib_dir=sysconfig.get_paths()["stdlib"],
        )


def find_interpreter(root: Path, configured: str | None, trusted: bool = False) -> tuple[Path, bool]:
    """The interpreter to probe, and whether it was configured or discovered (not a fallback).

    Untrusted, nothing the workspace chose may run: not `python.environment`, not a committed
    `.venv`, not `VIRTUAL_ENV` (a CI job may have activated a committed venv). Only the
    interpreter the user named (`DOMAIN_LSP_PYTHON`, `trust.python` in the user config) or the
    one domain-lsp itself runs in, whose site-packages already ran when domain-lsp started.
    """
    if not trusted:
        named = user_settings().python
        if named is not None:
            return Path(os.path.abspath(named)), True
        if configured or _interpreter_in(root / ".venv") or _interpreter_in(root / "venv"):
            _note_untrusted(root, configured or ".venv")
        return Path(sys.executable), False
    candidates: list[Path] = []
    if configured:
        # abspath, not resolve(): a venv's python is a symlink that must stay inside the venv
        candidates.append(Path(os.path.abspath(root / os.path.expanduser(configured))))
    else:
        candidates.extend([root / ".venv", root / "venv"])
        if os.environ.get("VIRTUAL_ENV"):
            candidates.append(Path(os.environ["VIRTUAL_ENV"]))
    for candidate in candidates:
        interpreter = _interpreter_in(candidate)
        if interpreter is not None:
            return interpreter, True
    if configured:
        return candidates[0], True  # the probe will fail and say so
    return Path(sys.executable), False


_noted: set[Path] = set()


def _note_untrusted(root: Path, chosen: str) -> None:
    """Once per workspace: say why its own environment is not read."""
    if root not in _noted:
        _noted.add(root)
        log.warning(
            "untrusted workspace %s: its Python environment (%s) is not run, so packages installed only there "
            "are unknown; trust it with --trust, DOMAIN_LSP_TRUST=1 or [trust] workspaces in the user config",
            root,
            chosen,
        )


def _interpreter_in(path: Path) -> Path | None:
    if path.is_file():
        return path
    for relative in ("bin/python3", "bin/python", "Scripts/python.exe"):
        if (path / relative).is_file():
            return path / relative
    return None


_cache: dict[str, tuple[tuple[float, ...], Environment]] = {}
_lock = threading.Lock()


def _stamp(site_dirs: tuple[str, ...]) -> tuple[float, ...]:
    """Installing or removing a package touches its site-packages folder's mtime."""
    stamps = []
    for folder in site_dirs:
        try:
            stamps.append(os.stat(folder).st_mtime)
        except OSError:
            stamps.append(-1.0)
    return tuple(stamps)


def probe(interpreter: Path) -> Environment:
    interpreter = Path(os.path.abspath(interpreter))
    key = str(interpreter)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == _stamp(cached[1].site_dirs):
            return cached[1]
    try:
        completed = subprocess.run(
            [str(interpreter), "-I", "-c", PROBE.read_text(encoding="utf-8")],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_SECONDS,
            cwd=interpreter.parent,  # never the workspace: nothing of it may be importable
            stdin=subprocess.DEVNULL,
        )
        if completed.returncode != 0:
            tail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"exit status {completed.returncode}: {tail}")
        environment = Environment.from_probe(json.loads(completed.stdout))
    except (OSError, RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError, TypeError) as exc:
        log.warning("cannot read the Python environment %s: %s", interpreter, exc)
        return Environment.unreadable(key, f"cannot read the Python environment {interpreter}: {exc}")
    with _lock:
        _cache[key] = (_stamp(environment.site_dirs), environment)
    return environment
