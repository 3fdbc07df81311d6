"""Schema from a SQLite database file, opened read-only (URI mode=ro): tables, views and
their columns, primary keys, foreign keys, unique indexes (UNIQUE constraints are indexes too)
and NOT NULL. SQLite keeps no comments, so nothing here has a description.

The file is the workspace's: it is never written (not even the -wal and -shm files SQLite adds
beside a WAL-mode database), no extension can be loaded, and the schema's views and triggers are
not trusted to call functions with side effects.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from domain_lsp.catalog.model import Catalog, Column, ForeignKey, Table
from domain_lsp.catalog.sources import LiveSource, SourceProblem, SourceUnavailable
from domain_lsp.config import Config, SourceSettings

SCHEMA = "main"


def load_sqlite(path: Path, settings: SourceSettings, catalog: Catalog) -> list[SourceProblem]:
    if not path.is_file():
        raise SourceUnavailable(f"no database file at {path}")
    try:
        connection = sqlite3.connect(_uri(path), uri=True, timeout=settings.timeout, check_same_thread=False)
    except sqlite3.Error as exc:
        raise SourceUnavailable(f"cannot open {path}: {exc}") from None
    try:
        # Off already by default; said here so it stays off. Python built without extension
        # loading has no such method, and then nothing can be loaded anyway.
        disable = getattr(connection, "enable_load_extension", None)
        if disable is not None:
            disable(False)
        connection.execute("PRAGMA trusted_schema = OFF")
        connection.execute("PRAGMA query_only = ON")
        rows = connection.execute(
            "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid"
        ).fetchall()
        catalog.add_schema(SCHEMA)
        for name, kind in rows:
            table = Table(name, SCHEMA, kind=kind)
            # table_xinfo lists generated columns too; `hidden` 1 marks a virtual table's hidden ones.
            key_columns: list[tuple[int, str]] = []
            for column, type_, hidden, not_null, pk in connection.execute(
                'SELECT name, type, hidden, "notnull", pk FROM pragma_table_xinfo(?) ORDER BY cid', (name,)
            ):
                if hidden != 1:
                    table.add_column(Column(column, type_ or None, not_null=bool(not_null)))
                if pk:
                    key_columns.append((pk, column))
            if kind == "table":
                _add_keys(connection, table, tuple(column for _, column in sorted(key_columns)))
            catalog.add_table(table)
    except sqlite3.DatabaseError as exc:
        raise SourceUnavailable(f"cannot read {path}: {exc}") from None
    finally:
        connection.close()
    return []


def _add_keys(connection: sqlite3.Connection, table: Table, primary_key: tuple[str, ...]) -> None:
    """Keys from the pragmas. A primary key column may hold NULL in SQLite (a historical quirk),
    except a rowid alias (a single INTEGER PRIMARY KEY): only that one is NOT NULL by its key."""
    table.primary_key = primary_key
    if len(primary_key) == 1:
        column = table.column(primary_key[0])
        if column is not None and (column.type or "").upper() == "INTEGER":
            column.not_null = True
    unique: list[tuple[str, ...]] = []
    for index, is_unique, origin, partial in connection.execute(
        'SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY seq DESC', (table.name,)
    ):
        if not is_unique or partial or origin == "pk":
            continue  # a partial index is unique among some rows only
        names = [
            name for (name,) in connection.execute("SELECT name FROM pragma_index_info(?) ORDER BY seqno", (index,))
        ]
        if names and all(names) and tuple(names) not in unique:  # a name is NULL for an expression
            unique.append(tuple(names))
    table.unique_keys = tuple(unique)
    references: dict[int, tuple[str, list[str], list[str | None]]] = {}
    for number, target, column, target_column in connection.execute(
        'SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id DESC, seq', (table.name,)
    ):
        _, columns, target_columns = references.setdefault(number, (target, [], []))
        columns.append(column)
        target_columns.append(target_column)
    table.foreign_keys = tuple(
        ForeignKey(tuple(columns), target, tuple(c for c in target_columns if c) if all(target_columns) else ())
        for target, columns, target_columns in references.values()
    )


def _uri(path: Path) -> str:
    """mode=ro. A WAL-mode file whose -wal file is absent is also opened immutable: a read-only
    connection would otherwise create -wal and -shm files beside it and leave them there. With no
    -wal file there is nothing in flight to read; when there is one, SQLite must read it."""
    query = "mode=ro"
    if _in_wal_mode(path) and not path.with_name(path.name + "-wal").exists():
        query += "&immutable=1"
    # A name that is not UTF-8 holds surrogates; its own bytes are what SQLite must open.
    return f"file:{quote(str(path.resolve()), errors='surrogateescape')}?{query}"


def _in_wal_mode(path: Path) -> bool:
    """The header's bytes 18 and 19 are the file format's write and read versions, 2 in WAL mode."""
    try:
        with path.open("rb") as file:
            header = file.read(20)
    except OSError:
        return False
    return header.startswith(b"SQLite format 3\x00") and 2 in header[18:20]


def _read(settings: SourceSettings, config: Config, catalog: Catalog) -> list[SourceProblem]:
    from domain_lsp.catalog.sources.live import source_path

    return load_sqlite(source_path(settings, config), settings, catalog)


def _inputs(settings: SourceSettings, config: Config) -> list[Path]:
    """The database file and its write-ahead log: a write to either changes the schema."""
    from domain_lsp.catalog.sources.live import source_path

    path = source_path(settings, config)
    return [path, path.with_name(path.name + "-wal")]


SOURCE = LiveSource("sqlite", _read, _inputs, is_file=True)
