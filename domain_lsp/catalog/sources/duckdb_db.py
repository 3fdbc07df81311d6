"""Schema from a DuckDB database file, opened with read_only=True: tables, views, their columns
and comments, and the database's own macros (as functions).
"""

from __future__ import annotations

from pathlib import Path

from domain_lsp.catalog.model import Catalog, Column, Function, Table
from domain_lsp.catalog.sources import SourceProblem, SourceUnavailable
from domain_lsp.catalog.sources.live import missing_driver
from domain_lsp.config import SourceSettings

SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")


def load_duckdb(path: Path, settings: SourceSettings, catalog: Catalog) -> list[SourceProblem]:
    try:
        import duckdb
    except ImportError:
        raise missing_driver("duckdb", "duckdb") from None
    if not path.is_file():
        raise SourceUnavailable(f"no database file at {path}")
    try:
        connection = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:  # e.g. another process holds the write lock
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
            tables[(schema, name)] = Table(name, schema, kind=kind, description=comment or None)
        for schema, name, column, type_, comment in connection.execute(
            f"SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() WHERE {where} "
            "ORDER BY schema_name, table_name, column_index",
            [database[0] if database else ""],
        ).fetchall():
            table = tables.get((schema, name))
            if table is not None:
                table.add_column(Column(column, type_, comment or None))
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
