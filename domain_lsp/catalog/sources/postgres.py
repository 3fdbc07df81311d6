"""Schema from a live PostgreSQL database (psycopg 3): schemas from information_schema; tables,
views, materialized views, foreign and partitioned tables, their columns, comments and the
database's own functions from pg_catalog (one query each, fast on tens of thousands of tables),
and their keys: primary key, unique and foreign key constraints, unique indexes over plain
columns (not partial ones), NOT NULL.

The session is read-only with connect and statement timeouts. The DSN comes only from the
environment variable the config names; no message ever contains it or its password.
"""

from __future__ import annotations

import os
import re

from domain_lsp.catalog.model import Catalog, Column, ForeignKey, Function, Table
from domain_lsp.catalog.sources import LiveSource, SourceProblem, SourceUnavailable
from domain_lsp.catalog.sources.comments import comment_metadata
from domain_lsp.catalog.sources.live import missing_driver
from domain_lsp.config import Config, SourceSettings

KINDS = {"r": "table", "p": "table", "f": "table", "v": "view", "m": "view"}
FILTER = """n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%%'
    AND n.nspname NOT LIKE 'pg\\_temp\\_%%' AND (cardinality(%(schemas)s::text[]) = 0 OR n.nspname = ANY(%(schemas)s))"""
SCHEMAS = (
    """SELECT schema_name FROM information_schema.schemata n0
    JOIN pg_namespace n ON n.nspname = n0.schema_name WHERE """
    + FILTER
)
RELATIONS = f"""SELECT c.oid, n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND {FILTER}"""
COLUMNS = f"""SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), col_description(a.attrelid, a.attnum),
    a.attnotnull
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f', 'v', 'm') AND {FILTER}
    ORDER BY a.attrelid, a.attnum"""
_NAMES = """ARRAY(SELECT a.attname FROM unnest({keys}) WITH ORDINALITY k(attnum, i)
    JOIN pg_attribute a ON a.attrelid = {relation} AND a.attnum = k.attnum ORDER BY k.i)"""
# Constraints (p, u, f), then unique indexes no constraint owns, over columns only (indexprs
# NULL) and every row (indpred NULL): each with its columns in key order, and for a foreign key
# the referenced table and columns.
KEYS = f"""SELECT c.conrelid, c.contype, {_NAMES.format(keys="c.conkey", relation="c.conrelid")},
        fn.nspname, fc.relname, {_NAMES.format(keys="c.confkey", relation="c.confrelid")}
    FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
    LEFT JOIN pg_class fc ON fc.oid = c.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
    WHERE c.contype IN ('p', 'u', 'f') AND {FILTER}
    UNION ALL
    SELECT i.indrelid, 'u', {_NAMES.format(keys="i.indkey::int2[]", relation="i.indrelid")}, NULL, NULL, NULL
    FROM pg_index i JOIN pg_class r ON r.oid = i.indrelid JOIN pg_namespace n ON n.oid = r.relnamespace
    WHERE i.indisunique AND NOT i.indisprimary AND i.indexprs IS NULL AND i.indpred IS NULL
    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) AND {FILTER}
    ORDER BY 1, 2, 3"""
FUNCTIONS = f"""SELECT DISTINCT n.nspname, p.proname, obj_description(p.oid, 'pg_proc')
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {FILTER}"""


def load_postgres(settings: SourceSettings, catalog: Catalog) -> list[SourceProblem]:
    try:
        import psycopg
    except ImportError:
        raise missing_driver("psycopg", "postgres") from None
    name = settings.dsn_env or ""
    dsn = os.environ.get(name, "")
    if not dsn.strip():
        raise SourceUnavailable(f"the environment variable {name} is not set (it should hold the connection string)")
    try:
        from psycopg.conninfo import conninfo_to_dict

        conninfo_to_dict(dsn)
    except Exception:  # libpq quotes the part it could not parse: often half a password
        raise SourceUnavailable(
            f"the connection string in {name} does not parse; quote values that contain spaces (password='a b')"
        ) from None
    timeout_ms = max(1, int(settings.timeout * 1000))
    try:
        connection = psycopg.connect(
            dsn,
            autocommit=False,
            connect_timeout=max(1, round(settings.timeout)),
            options=f"-c statement_timeout={timeout_ms} -c default_transaction_read_only=on",
            application_name="domain-lsp",
        )
    except Exception as exc:  # psycopg.Error, or ProgrammingError for a malformed DSN
        raise SourceUnavailable(f"cannot connect: {redact(str(exc), dsn)}") from None
    try:
        with connection:
            connection.read_only = True
            arguments = {"schemas": list(settings.schemas)}
            with connection.cursor() as cursor:
                for (schema,) in cursor.execute(SCHEMAS, arguments).fetchall():
                    catalog.add_schema(schema)
                tables: dict[int, Table] = {}
                for oid, schema, relation, kind, comment in cursor.execute(RELATIONS, arguments).fetchall():
                    tags, deprecated = comment_metadata(comment)
                    tables[oid] = Table(
                        relation,
                        schema,
                        kind=KINDS.get(kind, "table"),
                        description=comment,
                        tags=tags,
                        deprecated=deprecated,
                    )
                for oid, column, type_, comment, not_null in cursor.execute(COLUMNS, arguments):
                    table = tables.get(oid)
                    if table is not None:
                        tags, deprecated = comment_metadata(comment)
                        table.add_column(Column(column, type_, comment, None, tags, deprecated, bool(not_null)))
                for oid, kind, columns, target_schema, target, target_columns in cursor.execute(KEYS, arguments):
                    table = tables.get(oid)
                    if table is not None and columns:
                        _add_key(table, kind, tuple(columns), target_schema, target, tuple(target_columns or ()))
                for table in tables.values():
                    catalog.add_table(table)
                for schema, function, comment in cursor.execute(FUNCTIONS, arguments).fetchall():
                    catalog.add_function(Function(function, schema, description=comment))
            connection.rollback()  # nothing was written; leave nothing open
    except psycopg.Error as exc:
        raise SourceUnavailable(f"cannot read the catalog: {redact(str(exc), dsn)}") from None
    finally:
        connection.close()
    return []


def _add_key(
    table: Table,
    kind: str,
    columns: tuple[str, ...],
    target_schema: str | None,
    target: str | None,
    to: tuple[str, ...],
) -> None:
    if kind == "p":
        table.primary_key = columns
    elif kind == "u":
        if columns != table.primary_key and columns not in table.unique_keys:
            table.unique_keys = (*table.unique_keys, columns)
    elif kind == "f" and target:
        table.foreign_keys = (*table.foreign_keys, ForeignKey(columns, f"{target_schema}.{target}", to))


def redact(message: str, dsn: str) -> str:
    """A driver message without the DSN, its password, or any `password=` / `user:pw@` part."""
    secrets = {dsn.strip()}
    try:
        from psycopg.conninfo import conninfo_to_dict

        password = conninfo_to_dict(dsn).get("password")
        if password:
            secrets.add(str(password))
    except Exception:  # a malformed DSN: the patterns below still find the usual places
        pass
    for match in re.finditer(r"://[^:/@\s]*:([^@\s]+)@|password\s*=\s*'?([^'\s]+)", dsn, re.IGNORECASE):
        secrets.add(match.group(1) or match.group(2) or "")
    # A password with spaces can come back in pieces (libpq quotes the word it stopped at).
    secrets |= {word for secret in list(secrets) for word in secret.split() if len(word) >= 3}
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        message = message.replace(secret, "***")
    message = re.sub(r"(password\s*=\s*)\S+", r"\1***", message, flags=re.IGNORECASE)
    return " ".join(message.split())


def _read(settings: SourceSettings, config: Config, catalog: Catalog) -> list[SourceProblem]:
    return load_postgres(settings, catalog)


def _where(settings: SourceSettings) -> tuple[object, ...]:
    """Where the DSN points (host, port, database, user): a DSN edited to another database is
    another catalog. Never a password."""
    from domain_lsp.catalog.sources.live import conninfo

    return tuple(sorted(conninfo(os.environ.get(settings.dsn_env or "", "")).items()))


SOURCE = LiveSource("postgres", _read, where=_where)
