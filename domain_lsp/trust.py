"""What only the user can decide: trust, the interpreter to run, which secrets may be read and
where they may go, which folders outside a workspace may be read.

A workspace's own config (domain-lsp.toml, pyproject.toml) is written by whoever wrote the
repository, so it can never grant itself any of this. These settings come from the user: the
user-level config file (`~/.config/domain-lsp/config.toml`, or `$DOMAIN_LSP_USER_CONFIG`),
environment variables, CLI flags and the editor. docs/security.md states the model.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

USER_CONFIG_ENV = "DOMAIN_LSP_USER_CONFIG"
TRUST_ENV = "DOMAIN_LSP_TRUST"
PYTHON_ENV = "DOMAIN_LSP_PYTHON"
SECRET_ENV_ENV = "DOMAIN_LSP_SECRET_ENV"
HOSTS_ENV = "DOMAIN_LSP_ALLOWED_HOSTS"
READ_PATHS_ENV = "DOMAIN_LSP_READ_PATHS"

USER_CONFIG_LIMIT = 256 * 1024
"""Bytes: a user config larger than this is not read (it is a few lines in practice)."""

_TRUE_WORDS = ("1", "true", "yes", "on")


class UserConfigError(Exception):
    """The user-level config cannot be read or is invalid; one line naming file and key."""


@dataclass(frozen=True)
class UserSettings:
    """The user's own settings; every field defaults to "nothing allowed"."""

    path: Path | None = None
    """The user config file these came from, if any."""
    trusted_workspaces: tuple[Path, ...] = ()
    """Folders (resolved) whose workspaces are trusted: their interpreter may run."""
    trust_env: bool = False
    """`DOMAIN_LSP_TRUST=1`: every workspace is trusted in this process."""
    python: Path | None = None
    """The interpreter to use when a workspace is not trusted (default: domain-lsp's own)."""
    secret_env: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Environment variable -> the hosts it may be sent to. A DSN variable has no hosts: the
    database it names is the one the user wrote into it."""
    hosts: tuple[str, ...] = ()
    """Hosts (lower-case, optionally `host:port`) an untrusted workspace may make us contact."""
    read_paths: tuple[Path, ...] = ()
    """Folders (resolved) outside a workspace that its config may read."""

    def is_trusted(self, root: Path | None) -> bool:
        if self.trust_env:
            return True
        if root is None:
            return False
        root = root.resolve()
        return any(root == folder or folder in root.parents for folder in self.trusted_workspaces)

    def may_read_env(self, name: str) -> bool:
        return name in self.secret_env

    def may_send_secret(self, name: str, host: str) -> bool:
        """Whether the token in variable `name` may be sent to `host` (`host` or `host:port`)."""
        return _host_matches(host, self.secret_env.get(name, ()))

    def may_contact(self, host: str) -> bool:
        return _host_matches(host, self.hosts)

    def may_read(self, path: Path) -> bool:
        """Whether a path outside every workspace was allowed by the user."""
        resolved = path.resolve()
        return any(resolved == folder or folder in resolved.parents for folder in self.read_paths)


def _host_matches(host: str, allowed: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    bare = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return any(entry in (host, bare) for entry in allowed)


def public_url(url: str) -> str:
    """The URL without its `user:password@` part and fragment: the only form of a URL that may
    appear in a message, a log line, a cache key or a cache file."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
    except ValueError:  # a port that is not a number: keep only what precedes any `@`
        return re.sub(r"//[^/]*@", "//", url.split("#", 1)[0])
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def host_of(url: str) -> str:
    """`host` or `host:port` (lower-case) of a URL, as the allow lists name hosts."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return ""


def source_refusal(kind: str, url: str | None, token_env: str | None, dsn_env: str | None, trusted: bool) -> str | None:
    """Why a live source may not be read in this workspace, or None. A trusted workspace may
    name any variable and host (it could run its own code anyway); an untrusted one only
    those the user allowed, so a stranger's config cannot send `AWS_SECRET_ACCESS_KEY` to its
    own server, or make us contact any server at all."""
    if trusted:
        return None
    settings = user_settings()
    fix = f"trust the workspace, or allow it in the user config ({user_config_path()})"
    if kind == "postgres" and dsn_env and not settings.may_read_env(dsn_env):
        return f"untrusted workspace: the environment variable {dsn_env} is not read; {fix}: [secrets] {dsn_env} = []"
    if kind == "http" and url:
        host = host_of(url)
        if token_env and not settings.may_send_secret(token_env, host):
            return (
                f"untrusted workspace: the token in {token_env} is not sent to {host}; "
                f'{fix}: [secrets] {token_env} = ["{host}"]'
            )
        if not token_env and not settings.may_contact(host):
            return f'untrusted workspace: {host} is not contacted; {fix}: [network] hosts = ["{host}"]'
    return None


def user_config_path() -> Path:
    explicit = os.environ.get(USER_CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "domain-lsp" / "config.toml"


_lock = threading.Lock()
_cached: tuple[tuple[str, float, tuple[str | None, ...]], UserSettings] | None = None


def user_settings() -> UserSettings:
    """The user's settings: the user config file, then the environment variables on top. Read
    again only when the file or the variables change. Raises UserConfigError."""
    global _cached
    path = user_config_path()
    try:
        stamp = path.stat().st_mtime
    except OSError:
        stamp = -1.0
    names = (TRUST_ENV, PYTHON_ENV, SECRET_ENV_ENV, HOSTS_ENV, READ_PATHS_ENV)
    key = (str(path), stamp, tuple(os.environ.get(name) for name in names))
    with _lock:
        if _cached is not None and _cached[0] == key:
            return _cached[1]
    try:
        settings = _with_environment(_read_file(path) if stamp >= 0 else UserSettings())
    except UserConfigError as error:
        if _on_error is None:
            raise
        _on_error(error)
        settings = _with_environment(UserSettings())  # fail closed: the file grants nothing
    with _lock:
        _cached = (key, settings)
    return settings


_on_error: Callable[[UserConfigError], object] | None = None


def report_errors_to(callback: Callable[[UserConfigError], object]) -> None:
    """A long-running front-end (the language server) keeps serving with a broken user config:
    `callback` is told once per change of the file, and the file grants nothing meanwhile.
    Without it (the CLI) `user_settings()` raises, and the run stops with exit 2."""
    global _on_error
    _on_error = callback


def _read_file(path: Path) -> UserSettings:
    try:
        if path.stat().st_size > USER_CONFIG_LIMIT:
            raise UserConfigError(f"{path}: larger than {USER_CONFIG_LIMIT // 1024} KB; not read")
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except UserConfigError:
        raise
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
        raise UserConfigError(f"{path}: cannot read the user config: {' '.join(str(exc).split())}") from None
    return _parse(path, document)


def _parse(path: Path, document: dict[str, Any]) -> UserSettings:
    def fail(key: str, problem: str) -> UserConfigError:
        return UserConfigError(f"{path}: {key}: {problem}")

    def table(value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise fail(key, "expected a table")
        return value

    def strings(value: Any, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise fail(key, "expected a list of non-empty strings")
        return tuple(item.strip() for item in value)

    known = {"trust": ("workspaces", "python"), "secrets": None, "network": ("hosts",), "read": ("paths",)}
    for name in document:
        if name not in known:
            raise fail(name, f"unknown table; known: {', '.join(known)}")
    trust = table(document.get("trust", {}), "trust")
    network = table(document.get("network", {}), "network")
    read = table(document.get("read", {}), "read")
    for name, section in (("trust", trust), ("network", network), ("read", read)):
        for key in section:
            if key not in (known[name] or ()):
                raise fail(f"{name}.{key}", f"unknown key; known: {', '.join(known[name] or ())}")
    secrets: dict[str, tuple[str, ...]] = {}
    for name, hosts in table(document.get("secrets", {}), "secrets").items():
        if not name.isidentifier():
            raise fail(f"secrets.{name}", "expected the name of an environment variable")
        secrets[name] = tuple(host.lower() for host in strings(hosts, f"secrets.{name}")) if hosts != [] else ()
    python = trust.get("python")
    if python is not None and (not isinstance(python, str) or not python.strip()):
        raise fail("trust.python", "expected the path of an interpreter")
    return UserSettings(
        path=path,
        trusted_workspaces=tuple(_folder(item) for item in strings(trust.get("workspaces", []), "trust.workspaces")),
        python=Path(python).expanduser() if python else None,
        secret_env=secrets,
        hosts=tuple(host.lower() for host in strings(network.get("hosts", []), "network.hosts")),
        read_paths=tuple(_folder(item) for item in strings(read.get("paths", []), "read.paths")),
    )


def _folder(text: str) -> Path:
    return Path(text).expanduser().resolve()


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _with_environment(settings: UserSettings) -> UserSettings:
    """`DOMAIN_LSP_TRUST`, `DOMAIN_LSP_PYTHON`, `DOMAIN_LSP_SECRET_ENV=NAME[=host;host],...`,
    `DOMAIN_LSP_ALLOWED_HOSTS=host,...`, `DOMAIN_LSP_READ_PATHS=dir:dir`: the same choices as
    the file, for CI jobs and editors that set the environment."""
    secrets = dict(settings.secret_env)
    for item in _split(os.environ.get(SECRET_ENV_ENV)):
        name, _, hosts = item.partition("=")
        secrets[name.strip()] = tuple(h.strip().lower() for h in hosts.split(";") if h.strip())
    python = os.environ.get(PYTHON_ENV)
    reads = [_folder(p) for p in (os.environ.get(READ_PATHS_ENV) or "").split(os.pathsep) if p.strip()]
    return replace(
        settings,
        trust_env=(os.environ.get(TRUST_ENV) or "").strip().lower() in _TRUE_WORDS,
        python=Path(python).expanduser() if python else settings.python,
        secret_env=secrets,
        hosts=settings.hosts + tuple(h.lower() for h in _split(os.environ.get(HOSTS_ENV))),
        read_paths=settings.read_paths + tuple(reads),
    )


def workspace_trusted(root: Path | None, explicit: bool | None = None) -> bool:
    """Whether the workspace at `root` is trusted: what the user said this time (`--trust`,
    `--no-trust`, the editor's workspace trust) wins; else `DOMAIN_LSP_TRUST`; else, outside CI,
    the user config's trusted folders. In CI (`CI` set) a workspace is trusted only when the
    job says so itself: the runner's home folder is not the job author's choice."""
    if explicit is not None:
        return explicit
    settings = user_settings()
    if settings.trust_env:
        return True
    if in_ci():
        return False
    return settings.is_trusted(root)


def in_ci() -> bool:
    """Whether `CI` is set, as CI services set it (`true`, `1`); empty, `0` and `false` are not."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def explicit_trust(options: object) -> bool | None:
    """The editor's word on trust (`initializationOptions.trusted`): True only for the boolean
    true; any other value, "false", 0 or null included, is untrusted; absent is None."""
    if not isinstance(options, dict) or "trusted" not in options:
        return None
    return options["trusted"] is True
