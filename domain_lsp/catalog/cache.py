"""A persistent copy of the merged catalog, so a restart on a large catalog is fast.

One file per config, in the user's cache folder. It is used only when its key still matches:
the format, domain-lsp's version, the SQL settings, every candidate source file's path, mtime
and size, and each live source's identity (never a secret: the DSN's host, port, database and
user, or the URL without its user-info).

The file holds data, never code: whoever can write the cache folder (a CI cache restored from
another branch, a shared $DOMAIN_LSP_CACHE_DIR) can at worst make a start slower. It is a fixed
header (magic, format, a digest of the key, two lengths), compared before a byte of the rest is
decoded, then JSON, then each table's columns as a JSON blob of its own. A file that is foreign
(another user's, writable by others), truncated, of another key or undecodable is a miss, and
the next load replaces it; files are written whole (a temporary file, then a rename), readable
by the user only.

Tables are stored column-wise (a list of names, a list of schemas...): json decodes that in
0.06 s at 100,000 tables, against 0.14 s for the same tuples row by row (pickle took 0.05 s).
Each table's columns are decoded when the table is first used, from the memory-mapped file: a
warm start builds 100,000 tables instead of 3 million columns. Reading the cache takes 0.24 s
of CPU at 100,000 tables (0.23 s with pickle and marshal); docs/performance.md has the rest.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import stat
import struct
import sys
import tempfile
import time
from collections.abc import Iterable
from itertools import repeat
from pathlib import Path
from typing import Any

from domain_lsp import __version__
from domain_lsp.catalog.model import Catalog, Column, ForeignKey, Function, Location, Table, key

FORMAT = 8
"""8: keys, NOT NULL and required filters. A file of another format is a miss, never misread."""
RACY_SECONDS = 2.0
ENV_DIR = "DOMAIN_LSP_CACHE_DIR"
MAGIC = b"DLSPCAT\x00"
HEADER = struct.Struct("<8sI32sQQ")
"""MAGIC, FORMAT, the key's SHA-256, the JSON head's length, the column area's length."""
SUFFIX = ".catalog"


def cache_dir() -> Path:
    """$DOMAIN_LSP_CACHE_DIR, else $XDG_CACHE_HOME/domain-lsp, else ~/.cache/domain-lsp."""
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    base = os.environ.get("XDG_CACHE_HOME") or (os.environ.get("LOCALAPPDATA") if sys.platform == "win32" else None)
    return Path(base) / "domain-lsp" if base else Path.home() / ".cache" / "domain-lsp"


def cache_file(config: Any) -> Path:
    where = str(config.path or config.root)
    return cache_dir() / "catalog" / f"{hashlib.sha256(where.encode(errors='surrogatepass')).hexdigest()[:32]}{SUFFIX}"


def cache_key(config: Any) -> tuple[Any, ...]:
    from domain_lsp.catalog.load import candidate_files, stamp
    from domain_lsp.catalog.sources.live import live_identity

    sql = config.sql
    return (
        (FORMAT,),
        __version__,
        sql.dialect,
        sql.search_path,
        sql.schemas,
        tuple(stamp(path) for path in candidate_files(config)),
        tuple(live_identity(source) for source in sql.sources),
    )


def key_digest(key_fields: tuple[Any, ...]) -> bytes:
    """The key as the header stores it: a digest, so the file says nothing of the paths and
    sources it was built from, and a key is compared without decoding anything."""
    text = json.dumps(key_fields, separators=(",", ":"), default=str)  # ASCII: lone surrogates escaped
    return hashlib.sha256(text.encode()).digest()


# -- private files --------------------------------------------------------------------------------


def read_private(path: Path) -> mmap.mmap | None:
    """`path` mapped read-only, or None when it is absent, empty, not a regular file, or not
    ours alone (another user's, or writable by others): such a file may have been planted."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_size == 0 or not _ours(info):
            return None
        return mmap.mmap(handle, 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    finally:
        os.close(handle)


def _ours(info: os.stat_result) -> bool:
    if not hasattr(os, "getuid"):  # Windows: the user's profile folder is private already
        return True
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def write_private(path: Path, chunks: Iterable[bytes | bytearray]) -> None:
    """Write `path` whole or not at all (a reader never sees half a file), mode 0600, creating
    its folders 0700. Raises OSError."""
    _private_folder(path.parent)
    handle, partial = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _private_folder(folder: Path) -> None:
    """Create `folder` and any missing parents with mode 0700; folders that exist are left alone."""
    if folder.is_dir():
        return
    missing = [folder, *(p for p in folder.parents if not p.exists())]
    for part in reversed(missing):
        try:
            part.mkdir(mode=0o700)
        except FileExistsError:
            pass


# -- the catalog file -----------------------------------------------------------------------------


def read(config: Any) -> Any:
    """The cached LoadedCatalog for `config`, or None when there is none, it is out of date, or
    it cannot be trusted or decoded."""
    from domain_lsp.catalog.load import LoadedCatalog

    digest = key_digest(cache_key(config))
    data = read_private(cache_file(config))
    if data is None or len(data) < HEADER.size:
        return None
    view = memoryview(data)  # the columns of tables never used are never paged in
    magic, version, stored, head_size, area_size = HEADER.unpack_from(view)
    if (magic, version, stored) != (MAGIC, FORMAT, digest) or HEADER.size + head_size + area_size != len(view):
        return None
    try:
        head = json.loads(str(view[HEADER.size : HEADER.size + head_size], "utf-8"))
        catalog = _thaw(head["catalog"], view[HEADER.size + head_size :])
        sources = [_report(fields, config) for fields in head["sources"]]
        dbt = [_dbt_project(fields) for fields in head["dbt"]]
        return LoadedCatalog(catalog, sources, float(head["seconds"]), dbt, from_cache=True)
    except Exception:  # a well-keyed file with a body that is not ours to trust: a miss, rewritten
        return None


def write(config: Any, loaded: Any) -> None:
    """Save `loaded` for the next start; a cache that cannot be written is only slower."""
    current = cache_key(config)
    if _racy(current[5], *(report.inputs for report in loaded.sources)):
        return
    sources = [_report_fields(report, config) for report in loaded.sources]
    if any(fields is None for fields in sources):
        return  # a live source the config does not list: nothing to restore it from
    frozen, area = _freeze(loaded.catalog)
    head = {
        "catalog": frozen,
        "sources": sources,
        "dbt": [_dbt_fields(p) for p in loaded.dbt],
        "seconds": loaded.seconds,
    }
    body = _encode(head).encode()
    path = cache_file(config)
    try:
        write_private(path, (HEADER.pack(MAGIC, FORMAT, key_digest(current), len(body), len(area)), body, area))
        path.with_suffix(".pickle").unlink(missing_ok=True)  # format 6 and before: never read again
    except OSError:
        pass


def _racy(*groups: tuple[tuple[str, int, int], ...]) -> bool:
    """True when an input changed within the last RACY_SECONDS: a change in the same clock tick
    with the same size would not change its stamp, so such a catalog is not cached (as git
    treats racily clean index entries).
    """
    recent = time.time_ns() - int(RACY_SECONDS * 1e9)
    return any(mtime >= recent for group in groups for _, mtime, _ in group)


# -- tables, column-wise --------------------------------------------------------------------------


def _freeze(catalog: Catalog) -> tuple[dict[str, Any], bytearray]:
    """The catalog as JSON-ready lists, one per Table field, and an area holding each table's
    columns as one JSON blob (ending where the next begins): only the tables a file uses are
    ever unpacked. A field that is the default for every table is left out."""
    area = bytearray()
    strings = _Numbering()  # schemas, databases and kinds: a few distinct names, stored once
    paths = _Numbering()

    def where(location: Location | None) -> list[int] | None:
        return None if location is None else [paths[location.path], location.line, location.character]

    def blob(table: Table) -> int:
        """The table's columns as lists, one per Column field, like the tables themselves."""
        columns = list(table.columns.values())
        locations = [c.location for c in columns]
        fields: list[list[Any]] = [
            [c.name for c in columns],
            [c.type for c in columns],
            [-1 if at is None else paths[at.path] for at in locations],
            [0 if at is None else at.line for at in locations],
            [0 if at is None else at.character for at in locations],
            [c.description for c in columns],
            [c.tags for c in columns],
            [c.deprecated for c in columns],
            [c.not_null for c in columns],
        ]
        while len(fields) > 5 and fields[-1].count(_COLUMN_DEFAULTS[len(fields) - 1]) == len(columns):
            fields.pop()  # a default for every column: left out
        area.extend(_encode(fields).encode())
        return len(area)

    tables = list(catalog.tables())
    locations = [where(t.location) for t in tables]
    fields: dict[str, Any] = {
        "name": [t.name for t in tables],
        "schema": [strings[t.schema] for t in tables],
        "database": [strings[t.database] for t in tables],
        "kind": [strings[t.kind] for t in tables],
        "path": [-1 if at is None else at[0] for at in locations],
        "line": [0 if at is None else at[1] for at in locations],
        "character": [0 if at is None else at[2] for at in locations],
        "count": [t.column_count() for t in tables],
        "end": [blob(t) for t in tables],
    }
    optional: dict[str, list[Any]] = {
        "description": [t.description for t in tables],
        "tags": [t.tags for t in tables],
        "deprecated": [t.deprecated for t in tables],
    }
    fields.update({name: values for name, values in optional.items() if any(v not in (None, ()) for v in values)})
    fields["unknown"] = [i for i, t in enumerate(tables) if not t.columns_known]
    # Keys are declared on few tables, if any: one row per table that has some, so a catalog
    # without them costs nothing on a warm start.
    fields["keys"] = [
        [
            i,
            list(t.primary_key),
            [list(u) for u in t.unique_keys],
            [[list(fk.columns), fk.target, list(fk.target_columns)] for fk in t.foreign_keys],
            list(t.required_filters),
        ]
        for i, t in enumerate(tables)
        if t.primary_key or t.unique_keys or t.foreign_keys or t.required_filters
    ]
    return {
        "tables": fields,
        "strings": list(strings),
        "schemas": catalog.schema_entries(),
        "functions": [[f.name, f.schema, f.signature, f.description, where(f.location)] for f in catalog.functions()],
        "paths": list(paths),
    }, area


def _thaw(frozen: dict[str, Any], area: memoryview) -> Catalog:
    """The catalog `_freeze` wrote. Every list is checked for its length and element type first
    (in C, a few ms at 100,000 tables): a value of another type would only fail later,
    mid-analysis. Indexes into `strings` and `paths` need no check: anything but an int fails
    the indexing here."""
    fields, strings, paths = frozen["tables"], frozen["strings"], frozen["paths"]
    _all(strings, str)
    _all(paths, str)
    names = fields["name"]
    n = len(names)
    _all(names, str)
    for field in ("line", "character", "count", "end"):
        _all(fields[field], int, n)
    for field in ("schema", "database", "kind", "path"):
        if type(fields[field]) is not list or len(fields[field]) != n:
            raise TypeError(f"expected {n} {field} indexes")
    descriptions = _optional(fields.get("description"), n, str)
    deprecations = _optional(fields.get("deprecated"), n, str)
    tags: Iterable[tuple[str, ...]] = repeat(())
    if "tags" in fields:
        _all(fields["tags"], list, n)
        tags = [_strings(t) for t in fields["tags"]]
    folded = [key(s) for s in strings]
    unknown = fields["unknown"]
    _all(unknown, int)
    ends = fields["end"]
    if n and (ends[-1] != len(area) or min(ends) < 0):
        raise ValueError("the column area does not end where the last table's columns do")

    def at(where: list[int] | None) -> Location | None:
        if where is None:
            return None
        path, line, character = where
        return Location(paths[path], int(line), int(character))

    def unpack(span: tuple[int, int]) -> dict[str, Column]:
        """A table's columns; none when its blob does not decode (only a file tampered with
        after its key was written could hold one)."""
        start, end = span
        try:
            fields = json.loads(str(area[start:end], "utf-8"))
            names, types, where, lines, characters = fields[:5]
            n = len(names)
            _all(names, str)
            for values in (where, lines, characters):
                _all(values, int, n)
            _all(types, str, n, nullable=True)
            extra = fields[5:]
            descriptions = _optional(extra[0] if extra else None, n, str)
            tags = [_strings(t) for t in extra[1]] if len(extra) > 1 else repeat(())
            deprecations = _optional(extra[2] if len(extra) > 2 else None, n, str)
            not_null: Iterable[bool] = repeat(False)
            if len(extra) > 3:
                _all(extra[3], bool, n)
                not_null = extra[3]
            return {
                key(name): Column(
                    name,
                    type_,
                    description,
                    None if path < 0 else Location(paths[path], line, character),
                    tag,
                    why,
                    required,
                )
                for name, type_, path, line, character, description, tag, why, required in zip(
                    names, types, where, lines, characters, descriptions, tags, deprecations, not_null, strict=False
                )
            }
        except Exception:
            return {}

    keyed: list[tuple[tuple[str, str, str], Table]] = []
    add = keyed.append
    # One loop without calls of our own: it runs 100,000 times on a warm start.
    for name, schema, database, kind, path, line, character, count, start, end, description, tag, deprecated in zip(
        names,
        fields["schema"],
        fields["database"],
        fields["kind"],
        fields["path"],
        fields["line"],
        fields["character"],
        fields["count"],
        [0, *ends[:-1]],
        ends,
        descriptions,
        tags,
        deprecations,
        strict=False,
    ):
        location = None if path < 0 else Location(paths[path], line, character)
        made = Table(
            name, strings[schema], strings[database], strings[kind], None, description, location, tag, deprecated
        )
        made.pack_columns(unpack, (start, end), count)
        bare = key(name)
        add(((folded[database], folded[schema], name if bare == name else bare), made))  # one string when unchanged
    for i in unknown:
        keyed[i][1].columns_known = False
    for i, primary_key, unique_keys, foreign_keys, required_filters in fields["keys"]:
        made = keyed[i][1]
        made.primary_key = _strings(primary_key)
        made.unique_keys = tuple(_strings(u) for u in _list(unique_keys))
        made.foreign_keys = tuple(
            ForeignKey(_strings(columns), _str(target), _strings(target_columns))
            for columns, target, target_columns in _list(foreign_keys)
        )
        made.required_filters = _strings(required_filters)
    catalog = Catalog()
    catalog.add_distinct_tables(keyed)
    for schema, database in frozen["schemas"]:
        catalog.add_schema(_str(schema), _str(database))
    for name, schema, signature, description, location in frozen["functions"]:
        catalog.add_function(Function(_str(name), _str(schema), signature, description, at(location)))
    return catalog


_encode = json.JSONEncoder(separators=(",", ":")).encode  # ASCII, lone surrogates escaped; made once
_COLUMN_DEFAULTS = (None, None, None, None, None, None, (), None, False)
"""A column field's value when a blob leaves its list out (only the last four may be)."""


class _Numbering(dict[str, int]):
    """Numbers strings in the order first asked for: `numbers[s]` is a dict lookup in C."""

    def __missing__(self, text: str) -> int:
        number = self[text] = len(self)
        return number


def _all(values: Any, kind: type, length: int | None = None, nullable: bool = False) -> None:
    """Raise unless `values` is a list (of `length` items, if given) whose every item is exactly
    of type `kind` (or None, if `nullable`)."""
    if type(values) is not list or (length is not None and len(values) != length):
        raise TypeError(f"expected a list of {length if length is not None else 'any number of'} {kind.__name__}")
    if not set(map(type, values)) <= ({kind, type(None)} if nullable else {kind}):
        raise TypeError(f"expected a list of {kind.__name__}")


def _optional(values: Any, length: int, kind: type) -> Iterable[Any]:
    """A field that is left out when it is None for every item."""
    if values is None:
        return repeat(None)
    _all(values, kind, length, nullable=True)
    return values


def _strings(values: Any) -> tuple[str, ...]:
    if not values:
        return ()
    if type(values) is not list or not set(map(type, values)) <= {str}:
        raise TypeError("expected a list of strings")
    return tuple(values)


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise TypeError("expected a list")
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise TypeError("expected a string")
    return value


# -- sources and dbt projects ---------------------------------------------------------------------


def _report_fields(report: Any, config: Any) -> dict[str, Any] | None:
    """A SourceReport as JSON. A live source is stored as its position in `config.sql.sources`,
    never as its settings: its URL may hold a password, and the config has them anyway."""
    live = None
    if report.live is not None:
        if report.live not in config.sql.sources:
            return None
        live = config.sql.sources.index(report.live)
    return {
        "path": str(report.path),
        "kind": report.kind,
        "tables": report.tables,
        "problems": [[p.message, p.line, p.character, p.fallback] for p in report.problems],
        "seconds": report.seconds,
        "name": report.name,
        "inputs": [list(entry) for entry in report.inputs],
        "live": live,
        "loaded_at": report.loaded_at,
        "failed": report.failed,
    }


def _report(fields: dict[str, Any], config: Any) -> Any:
    from domain_lsp.catalog.load import SourceReport
    from domain_lsp.catalog.sources import SourceProblem

    live = fields["live"]
    settings = None
    if live is not None:
        if type(live) is not int or not 0 <= live < len(config.sql.sources):
            raise ValueError("a live source the config does not list")
        settings = config.sql.sources[live]
    problems = [
        SourceProblem(_str(message), int(line), int(character), bool(fallback))
        for message, line, character, fallback in fields["problems"]
    ]
    inputs = tuple((_str(path), int(mtime), int(size)) for path, mtime, size in fields["inputs"])
    return SourceReport(
        Path(_str(fields["path"])),
        _str(fields["kind"]),
        int(fields["tables"]),
        problems,
        float(fields["seconds"]),
        _str(fields["name"]),
        inputs,
        settings,
        float(fields["loaded_at"]),
        bool(fields["failed"]),
    )


def _dbt_fields(project: Any) -> dict[str, Any]:
    return {
        "name": project.name,
        "root": str(project.root),
        "model_paths": [str(p) for p in project.model_paths],
        "refs": {name: [r.database, r.schema, r.identifier] for name, r in project.refs.items()},
        "sources": [[*names, r.database, r.schema, r.identifier] for names, r in project.sources.items()],
    }


def _dbt_project(fields: dict[str, Any]) -> Any:
    from domain_lsp.catalog.sources.dbt import DbtProject, Relation

    def relation(parts: list[Any]) -> Relation:
        database, schema, identifier = parts
        return Relation(_str(database), _str(schema), _str(identifier))

    return DbtProject(
        _str(fields["name"]),
        Path(_str(fields["root"])),
        tuple(Path(_str(p)) for p in fields["model_paths"]),
        {_str(name): relation(parts) for name, parts in fields["refs"].items()},
        {(_str(source), _str(table)): relation(rest) for source, table, *rest in fields["sources"]},
    )
