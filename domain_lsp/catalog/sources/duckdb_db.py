"""Schema from a DuckDB database file, opened with read_only=True: tables, views, their columns
and comments (`#pii` and `DEPRECATED` in them as in PostgreSQL's), keys and NOT NULL
(duckdb_constraints()), and the database's own macros (as functions).

The file is the workspace's, so the database may do nothing beyond reading it: DuckDB would
otherwise download and load an extension a file asks for (a SQLite file opened as DuckDB wants
`sqlite_scanner`, a view over an `http://` URL wants `httpfs`), and read other files or URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domain_lsp.catalog.model import Catalog, Column, ForeignKey, Function, Table
from domain_lsp.catalog.sources import LiveSource, SourceProblem, SourceUnavailable
from domain_lsp.catalog.sources.comments import comment_metadata
from domain_lsp.catalog.sources.live import missing_driver
from domain_lsp.config import Config, SourceSettings

SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")
NO_SIDE_EFFECTS: Mapping[str, bool] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "enable_external_access": False,  # no other file, URL, COPY or LOAD
    "allow_persistent_secrets": False,  # never reads ~/.duckdb/stored_secrets
    "lock_configuration": True,  # and nothing can SET them back
}
"""DuckDB settings for every connection domain-lsp opens (analysis/sql/native.py's parser too)."""


def load_duckdb(path: Path, settings: SourceSettings, catalog: Catalog) -> list[SourceProblem]:
    try:
        import duckdb
    except ImportError:
        raise missing_driver("duckdb", "duckdb") from None
    if not path.is_file():
        raise SourceUnavailable(f"no database file at {path}")
    try:
        connection = duckdb.connect(str(path), read_only=True, config={**NO_SIDE_EFFECTS})
    except duckdb.Error as exc:  # e.g. another process holds the write lock
        if _is_sqlite(path):  # DuckDB reads these only through an extension, which is not loaded
            raise SourceUnavailable(f'{path} is a SQLite database: give it kind = "sqlite"') from None
        raise SourceUnavailable(f"cannot open {path}: {' '.join(str(exc).split())}") from None
    try:
        # The file's own database only (not temp or system); "" so `main.t` and `t` both resolve.
        database = connection.execute("SELECT current_database()").fetchone()
        wanted = [s.casefold() for s in settings.schemas]
        where = "database_name = ? AND schema_name NOT IN ('information_schema', 'pg_catalog')"
        tables: dict[tuple[str, str], Table] = {}
        for schema, name, comment, kind in connection.execute(
            f"SELECT schema_name, table_name, comment, 'table' FROM duckdb_tables() WHERE {where} "
            f"UNION ALL SELECT schema_name, view_name, comment, 'view' FROM duckdb_views() WHERE {where} AND NOT internal",
            [database[0] if database else "", database[0] if database else ""],
        ).fetchall():
            if wanted and schema.casefold() not in wanted:
                continue
            tags, deprecated = comment_metadata(comment)
            tables[(schema, name)] = Table(
                name, schema, kind=kind, description=comment or None, tags=tags, deprecated=deprecated
            )
        for schema, name, column, type_, comment, nullable in connection.execute(
            "SELECT schema_name, table_name, column_name, data_type, comment, is_nullable FROM duckdb_columns() "
            f"WHERE {where} ORDER BY schema_name, table_name, column_index",
            [database[0] if database else ""],
        ).fetchall():
            table = tables.get((schema, name))
            if table is not None:
                tags, deprecated = comment_metadata(comment)
                table.add_column(Column(column, type_, comment or None, None, tags, deprecated, nullable is False))
        try:
            _add_keys(connection, where, database[0] if database else "", tables)
        except duckdb.Error:  # a DuckDB without duckdb_constraints()'s reference columns: no keys, never no tables
            pass
        for table in tables.values():
            catalog.add_table(table)
        for schema, name in connection.execute(
            f"SELECT DISTINCT schema_name, function_name FROM duckdb_functions() WHERE {where} AND NOT internal",
            [database[0] if database else ""],
        ).fetchall():
            catalog.add_function(Function(name, schema))
    except duckdb.Error as exc:
        raise SourceUnavailable(f"cannot read {path}: {' '.join(str(exc).split())}") from None
    finally:
        connection.close()
    return []


def _add_keys(connection: Any, where: str, database: str, tables: dict[tuple[str, str], Table]) -> None:
    """PRIMARY KEY, UNIQUE and FOREIGN KEY constraints (NOT NULL comes with the columns). A
    foreign key's target is in the referencing table's schema: DuckDB allows no other."""
    for schema, name, kind, columns, target, target_columns in connection.execute(
        "SELECT schema_name, table_name, constraint_type, constraint_column_names, referenced_table, "
        f"referenced_column_names FROM duckdb_constraints() WHERE {where} "
        "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') ORDER BY constraint_index",
        [database],
    ).fetchall():
        table = tables.get((schema, name))
        if table is None or not columns:
            continue
        names = tuple(columns)
        if kind == "PRIMARY KEY":
            table.primary_key = names
        elif kind == "UNIQUE":
            if names != table.primary_key and names not in table.unique_keys:
                table.unique_keys = (*table.unique_keys, names)
        elif target:
            fk = ForeignKey(names, f"{schema}.{target}", tuple(target_columns or ()))
            table.foreign_keys = (*table.foreign_keys, fk)


def _is_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _read(settings: SourceSettings, config: Config, catalog: Catalog) -> list[SourceProblem]:
    from domain_lsp.catalog.sources.live import source_path

    return load_duckdb(source_path(settings, config), settings, catalog)


def _inputs(settings: SourceSettings, config: Config) -> list[Path]:
    """The database file and its write-ahead log: a write to either changes the schema."""
    from domain_lsp.catalog.sources.live import source_path

    path = source_path(settings, config)
    return [path, path.with_name(path.name + ".wal")]


SOURCE = LiveSource("duckdb", _read, _inputs, is_file=True)
