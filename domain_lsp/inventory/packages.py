"""Everything a Python file's imports are judged against, loaded once per project: the
inventory, the environment, the module -> distribution map, allow/deny lists, the index and
the workspace's own modules.
"""

from __future__ import annotations

import logging
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from domain_lsp.config import Config
from domain_lsp.inventory.environment import Environment, find_interpreter, probe
from domain_lsp.inventory.index import PackageIndex
from domain_lsp.inventory.load import config_value_problem, load_inventory
from domain_lsp.inventory.model import Inventory, InventoryProblem, normalize
from domain_lsp.inventory.names import ModuleNames
from domain_lsp.trust import host_of, public_url, user_settings
from domain_lsp.workspace import walk

log = logging.getLogger(__name__)

RESCAN_SECONDS = 5.0
"""A module found nowhere rescans the workspace at most this often (a file may have been added)."""

_REPLACEMENT = re.compile(r"\b(?:use|prefer|replace(?:d)? (?:it )?with|switch to)\s+`?([A-Za-z_][\w.-]*)`?", re.I)


def replacement_in(reason: str) -> str | None:
    """The package a deny reason recommends: "use httpx (team standard)" -> httpx."""
    match = _REPLACEMENT.search(reason)
    return match.group(1).rstrip(".") if match else None


@dataclass
class PackageContext:
    root: Path
    inventory: Inventory
    environment: Environment
    interpreter: Path
    names: ModuleNames
    allow: tuple[str, ...] = ()
    deny: dict[str, str] = field(default_factory=dict)
    """Normalized package or module name -> reason."""
    index: PackageIndex | None = None
    grounded: bool = False
    """Whether there is anything to ground imports in (an inventory or a configured
    environment); without it only `denied-package` applies."""
    transitive: dict[str, str] = field(default_factory=dict)
    """Installed distributions that declared ones require (normalized name -> declared one)."""
    config: Config | None = None
    """What it was loaded for."""
    _folder_modules: dict[Path, tuple[float, frozenset[str]]] = field(default_factory=dict)
    _all_modules: tuple[float, frozenset[str]] | None = None

    @classmethod
    def load(cls, config: Config, previous: PackageContext | None = None) -> PackageContext:
        """Untrusted (`config.trusted` False), only an interpreter the user chose is run (see
        find_interpreter), and the package index is asked only when the user allowed its host.

        `previous` is returned when nothing it was made of changed: the same config, the same
        environment (as the probe keeps it, by its site folders' stamps) and the same inventory
        (as load_inventory keeps it, by its files' stamps). A catalog reload then recomputes
        nothing of the packages."""
        interpreter, _ = find_interpreter(config.root, config.python.environment, config.trusted)
        # The probe waits for a subprocess; a monorepo's lock takes about as long to read.
        with ThreadPoolExecutor(1, thread_name_prefix="domain-lsp-probe") as pool:
            probed = pool.submit(probe, interpreter)
            inventory = load_inventory(config)
            environment = probed.result()
        if (
            previous is not None
            and previous.config == config
            and previous.interpreter == interpreter
            and previous.environment is environment
            and previous.inventory.generation == inventory.generation
        ):
            return previous
        settings = config.packages
        grounded = bool(inventory.declared) or settings.inventory is not None or config.python.environment is not None
        configured = config.python.environment
        if configured and not os.path.lexists(config.root / os.path.expanduser(configured)):
            # Fail closed, trusted or not (a stat runs nothing): the checks that need it are off.
            inventory.problems.append(
                config_value_problem(
                    config,
                    configured,
                    f"python.environment `{configured}` does not exist; fix the path, or remove the key "
                    "to use the interpreter domain-lsp runs in",
                )
            )
        if environment.error:
            # Without the installed packages every undeclared import would look unknown: say why
            # on the config file instead, and judge nothing but the deny list.
            grounded = False
            if not (configured and inventory.problems and inventory.problems[-1].code == "missing-input"):
                inventory.problems.append(
                    InventoryProblem(config.path or config.root / "domain-lsp.toml", environment.error)
                )
        return cls(
            root=config.root,
            inventory=inventory,
            environment=environment,
            interpreter=interpreter,
            names=ModuleNames(environment, [d.name for d in inventory.declared.values()]),
            allow=settings.allow,
            deny={normalize(name): reason for name, reason in settings.deny},
            index=_index(settings.index, config.trusted),
            grounded=grounded,
            transitive=environment.required_by([d.name for d in inventory.declared.values()]),
            config=config,
        )

    def inventory_changed(self) -> bool:
        """Whether a file the inventory was read from changed since: a stat each, for a timer."""
        return self.inventory.changed()

    # -- the workspace's own modules -----------------------------------------------------
    def modules_in(self, folder: Path) -> frozenset[str]:
        try:
            stamp = folder.stat().st_mtime  # a file added or removed changes its folder's mtime
        except OSError:
            return frozenset()
        cached = self._folder_modules.get(folder)
        if cached is None or cached[0] != stamp:
            names: set[str] = set()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                entries = []
            for entry in entries:
                name = entry.name
                if name.endswith((".py", ".pyi")) and entry.is_file():
                    names.add(name.rsplit(".", 1)[0])
                elif name.endswith((".so", ".pyd")):
                    names.add(name.split(".", 1)[0])
                elif entry.is_dir() and name.isidentifier():
                    names.add(name)  # a package, or an implicit namespace package
            cached = self._folder_modules[folder] = (stamp, frozenset(names))
        return cached[1]

    def is_workspace_module(self, top: str, path: str) -> bool:
        """Top-level modules of the workspace root, its src/ layout, and of the analysed file's
        folder and each folder up to the root (scripts import their neighbours)."""
        folders = [self.root, self.root / "src"]
        if path:
            folder = Path(path).resolve().parent
            while True:
                folders.append(folder)
                if folder == self.root or folder == folder.parent or self.root not in folder.parents:
                    break
                folder = folder.parent
        if any(top in self.modules_in(folder) for folder in folders):
            return True
        return top in self._workspace_modules()

    def _workspace_modules(self) -> frozenset[str]:
        """Every module and package name anywhere in the workspace: tests and scripts put their
        own folders on sys.path (`sys.path.insert(0, .../robustness)`), so any of them counts."""
        now = time.monotonic()
        if self._all_modules is None or now - self._all_modules[0] > RESCAN_SECONDS:
            names: set[str] = set()
            for file in walk(self.root, (".py", ".pyi")):
                names.add(file.name.rsplit(".", 1)[0])
                folder = file.parent
                while folder != self.root and self.root in folder.parents:
                    names.add(folder.name)
                    folder = folder.parent
            self._all_modules = (now, frozenset(n for n in names if n.isidentifier()))
        return self._all_modules[1]

    def is_allowed(self, module: str) -> bool:
        return any(module == name or module.startswith(name + ".") for name in self.allow)

    def denial(self, module: str, top: str) -> tuple[str, str] | None:
        """(denied name, reason) when the module or a distribution providing it is denied."""
        if not self.deny:
            return None
        parts = module.split(".")
        candidates = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
        candidates += self.names.installed_by(top) + self.names.declared_by(top)
        for candidate in candidates:
            reason = self.deny.get(normalize(candidate))
            if reason is not None:
                return candidate, reason
        return None


def _index(url: str | None, trusted: bool) -> PackageIndex | None:
    """The configured package index, unless it is a host the workspace chose and the user did
    not allow: asking it would tell a stranger's server every private name the code imports."""
    if not url:
        return None
    host = host_of(url)
    if not trusted and not user_settings().may_contact(host):
        log.warning(
            "untrusted workspace: packages.index %s is not asked; allow %s under [network] hosts in the user config",
            public_url(url),
            host,
        )
        return None
    return PackageIndex(url)
