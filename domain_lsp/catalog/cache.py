"""A persistent copy of the merged catalog, so a restart on a large catalog is fast.

One file per config, in the user's cache folder. It is used only when its key still matches:
the format, domain-lsp's version, the SQL settings, every candidate source file's path, mtime
and size, and each live source's identity (never a secret: the DSN's host, port, database and
user, or the URL). Tables are stored as plain tuples, which pickle writes and reads several
times faster than the dataclasses themselves; equal strings (types, paths) are stored once.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

from domain_lsp import __version__
from domain_lsp.catalog.model import Catalog, Column, Function, Location, Table

FORMAT = 2
RACY_SECONDS = 2.0
ENV_DIR = "DOMAIN_LSP_CACHE_DIR"


def cache_dir() -> Path:
    """$DOMAIN_LSP_CACHE_DIR, else $XDG_CACHE_HOME/domain-lsp, else ~/.cache/domain-lsp."""
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    base = os.environ.get("XDG_CACHE_HOME") or (os.environ.get("LOCALAPPDATA") if sys.platform == "win32" else None)
    return Path(base) / "domain-lsp" if base else Path.home() / ".cache" / "domain-lsp"


def cache_file(config: Any) -> Path:
    where = str(config.path or config.root)
    return cache_dir() / "catalog" / f"{hashlib.sha256(where.encode()).hexdigest()[:32]}.pickle"


def cache_key(config: Any) -> tuple[Any, ...]:
    from domain_lsp.catalog.load import candidate_files, stamp
    from domain_lsp.catalog.sources.live import live_identity

    sql = config.sql
    return (
        FORMAT,
        __version__,
        sql.dialect,
        sql.search_path,
        sql.schemas,
        tuple(stamp(path) for path in candidate_files(config)),
        tuple(live_identity(source) for source in sql.sources),
    )


def read(config: Any) -> Any:
    """The cached LoadedCatalog for `config`, or None when there is none or it is out of date."""
    from domain_lsp.catalog.load import LoadedCatalog

    try:
        with cache_file(config).open("rb") as handle:
            key, payload = pickle.load(handle)
    except Exception:  # absent, truncated, or written by another version: load afresh
        return None
    if key != cache_key(config):
        return None
    try:
        catalog = _thaw(payload["catalog"])
        loaded = LoadedCatalog(catalog, payload["sources"], payload["seconds"], payload["dbt"], from_cache=True)
    except Exception:
        return None
    return loaded


def write(config: Any, loaded: Any) -> None:
    """Save `loaded` for the next start; a cache that cannot be written is only slower."""
    key = cache_key(config)
    if _racy(key[5], *(report.inputs for report in loaded.sources)):
        return
    path = cache_file(config)
    payload = {
        "catalog": _freeze(loaded.catalog),
        "sources": loaded.sources,
        "seconds": loaded.seconds,
        "dbt": loaded.dbt,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            pickle.dump((key, payload), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
    except OSError:
        pass


def _racy(*groups: tuple[tuple[str, int, int], ...]) -> bool:
    """True when an input changed within the last RACY_SECONDS: a change in the same clock tick
    with the same size would not change its stamp, so such a catalog is not cached (as git
    treats racily clean index entries).
    """
    recent = time.time_ns() - int(RACY_SECONDS * 1e9)
    return any(mtime >= recent for group in groups for _, mtime, _ in group)


# -- plain tuples ---------------------------------------------------------------------------------


def _freeze(catalog: Catalog) -> tuple[Any, ...]:
    strings: dict[str, str] = {}
    share = strings.setdefault  # one object per distinct string: pickle then writes it once
    spots: dict[Location, int] = {}

    def where(location: Location | None) -> int:
        """Locations by number: a column's is then one small int, and each is built once on read."""
        if location is None:
            return -1
        number = spots.get(location)
        if number is None:
            number = spots[location] = len(spots)
        return number

    tables = [
        (
            t.name,
            t.schema,
            t.database,
            t.kind,
            t.description,
            where(t.location),
            t.tags,
            t.deprecated,
            t.columns_known,
            tuple(k if k != c.name else c.name for k, c in t.columns.items()),  # one string when equal
            [
                (
                    c.name,
                    share(c.type, c.type) if c.type else c.type,
                    c.description,
                    where(c.location),
                    c.tags,
                    c.deprecated,
                )
                for c in t.columns.values()
            ],
        )
        for t in catalog.tables()
    ]
    locations = [(share(spot.path, spot.path), spot.line, spot.character) for spot in spots]
    functions = [(f.name, f.schema, f.signature, f.description, where(f.location)) for f in catalog.functions()]
    return tables, catalog.schema_entries(), functions, locations


def _thaw(frozen: tuple[Any, ...]) -> Catalog:
    tables, schemas, functions, spots = frozen
    locations: list[Location | None] = [Location(*spot) for spot in spots]
    locations.append(None)  # number -1
    catalog = Catalog()
    for i, (name, schema, database, kind, description, location, tags, deprecated, known, keys, columns) in enumerate(
        tables
    ):
        tables[i] = None  # freed as its objects are made: their memory is reused, the peak stays low
        table = Table(name, schema, database, kind, {}, description, locations[location], tags, deprecated, known)
        table.columns = dict(
            zip(keys, [Column(n, ty, d, locations[at], tg, dep) for n, ty, d, at, tg, dep in columns], strict=True)
        )
        catalog.add_table(table)
    for schema, database in schemas:
        catalog.add_schema(schema, database)
    for name, schema, signature, description, location in functions:
        catalog.add_function(Function(name, schema, signature, description, locations[location]))
    return catalog
