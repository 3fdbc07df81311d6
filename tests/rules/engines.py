"""What the real databases answer to a fixture case: PostgreSQL prepares it (parse analysis
only, nothing runs) against temporary tables made from cases.SCHEMA, inside a transaction that
is rolled back; DuckDB prepares it against an in-memory database made from the same DDL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from tests.rules.cases import SCHEMA

TEMPORARY_SCHEMA = SCHEMA.replace("CREATE TABLE", "CREATE TEMPORARY TABLE")


class PostgresPreparer:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def sqlstate(self, sql: str) -> str | None:
        """The SQLSTATE PostgreSQL raises on preparing `sql`, None when it prepares."""
        import psycopg

        try:
            self.connection.execute(TEMPORARY_SCHEMA)
            self.connection.execute("PREPARE case_under_test AS " + sql)
        except psycopg.Error as error:
            return error.sqlstate or "unknown"
        finally:
            self.connection.rollback()
            self.connection.execute("DEALLOCATE ALL")
            self.connection.rollback()
        return None


@contextmanager
def postgres_preparer(dsn: str) -> Iterator[PostgresPreparer]:
    import psycopg

    with psycopg.connect(dsn) as connection:
        yield PostgresPreparer(connection)


def duckdb_error(sql: str) -> str | None:
    """The class of the error DuckDB raises on preparing `sql`, None when it prepares."""
    connection = duckdb.connect(":memory:")
    try:
        connection.execute(SCHEMA)
        connection.execute("PREPARE case_under_test AS " + sql)
    except duckdb.Error as error:
        return type(error).__name__
    finally:
        connection.close()
    return None
