"""Schema from a SQLite database file, opened read-only (URI mode=ro): tables, views and
their columns. SQLite keeps no comments, so nothing here has a description.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from domain_lsp.catalog.model import Catalog, Column, Table
from domain_lsp.catalog.sources import SourceProblem, SourceUnavailable
from domain_lsp.config import SourceSettings

SCHEMA = "main"


def load_sqlite(path: Path, settings: SourceSettings, catalog: Catalog) -> list[SourceProblem]:
    if not path.is_file():
        raise SourceUnavailable(f"no database file at {path}")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=settings.timeout, check_same_thread=False)
    except sqlite3.Error as exc:
        raise SourceUnavailable(f"cannot open {path}: {exc}") from None
    try:
        connection.execute("PRAGMA query_only = ON")
        rows = connection.execute(
            "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid"
        ).fetchall()
        catalog.add_schema(SCHEMA)
        for name, kind in rows:
            table = Table(name, SCHEMA, kind=kind)
            # table_xinfo lists generated columns too; `hidden` 1 marks a virtual table's hidden ones.
            for column, type_, hidden in connection.execute(
                "SELECT name, type, hidden FROM pragma_table_xinfo(?) ORDER BY cid", (name,)
            ):
                if hidden != 1:
                    table.add_column(Column(column, type_ or None))
            catalog.add_table(table)
    except sqlite3.DatabaseError as exc:
        raise SourceUnavailable(f"cannot read {path}: {exc}") from None
    finally:
        connection.close()
    return []
