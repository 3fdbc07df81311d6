"""A `[[sql.sources]]` entry read by the module of its kind (sources/registry.py): refused first
when the workspace is not trusted to name it; each reader adds what it finds to the catalog,
raises SourceUnavailable when it cannot read at all, and never puts a secret in a message.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from domain_lsp.catalog.model import Catalog
from domain_lsp.catalog.sources import LiveSource, SourceProblem, SourceUnavailable
from domain_lsp.config import Config, SourceSettings
from domain_lsp.trust import public_url, source_refusal


def source_path(settings: SourceSettings, config: Config) -> Path:
    """A file source's path: relative to the config file's folder, like `sql.schemas`."""
    path = Path(settings.path or "").expanduser()
    return path if path.is_absolute() else config.root / path


def live_inputs(settings: SourceSettings, config: Config) -> list[Path]:
    """Files whose change makes the source stale (a database file and its write-ahead log)."""
    source = _kind_of(settings)
    return source.inputs(settings, config) if source is not None else []


def load_live(settings: SourceSettings, config: Config, catalog: Catalog) -> list[SourceProblem]:
    refused = source_refusal(settings.kind, settings.url, settings.token_env, settings.dsn_env, config.trusted)
    if refused is not None:
        raise SourceUnavailable(refused)
    source = _kind_of(settings)
    if source is None:
        raise SourceUnavailable(f"unknown source kind `{settings.kind}`")
    return source.read(settings, config, catalog)


def live_identity(settings: SourceSettings) -> tuple[object, ...]:
    """What the cache key holds of a live source: its settings (a URL without its user-info)
    and where its kind says it points (for PostgreSQL, the DSN's host, port, database and
    user); never a password.
    """
    source = _kind_of(settings)
    where = source.where(settings) if source is not None else ()
    url = public_url(settings.url) if settings.url else settings.url
    return (settings.kind, settings.dsn_env, settings.path, url, settings.token_env, settings.schemas, where)


def _kind_of(settings: SourceSettings) -> LiveSource | None:
    from domain_lsp.catalog.sources.registry import LIVE_SOURCES  # it imports the modules that import this one

    return LIVE_SOURCES.get(settings.kind)


def conninfo(dsn: str) -> dict[str, str]:
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = {k: str(v) for k, v in conninfo_to_dict(dsn).items()}
    except Exception:  # driver missing or a malformed DSN: the connection will say so
        if not dsn:
            return {}
        # Not even a hash of a password goes into the key: `user:pw@` and `password=` go first.
        bare = re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1", re.sub(r"//[^/@\s]*@", "//", dsn), flags=re.IGNORECASE)
        return {"unparsed": hashlib.sha256(bare.encode(errors="surrogatepass")).hexdigest()[:8]}
    return {k: v for k, v in parts.items() if k in ("host", "hostaddr", "port", "dbname", "user", "service")}


def missing_driver(package: str, extra: str) -> SourceUnavailable:
    return SourceUnavailable(
        f"the Python package `{package}` is not installed; install it with `pip install 'domain-lsp[{extra}]'`"
    )
