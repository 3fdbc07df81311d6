"""Benchmark inputs, generated (nothing large is committed): catalogs as JSON mapping files,
one big SQL file, one Python file with embedded SQL, and corpora of small files for `check`.

Everything is deterministic (seeded) so two runs measure the same inputs. Catalog N holds
tables 0..N-1, so SQL written against the first tables is valid against every catalog size.
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMAS = ("sales", "core", "marketing", "finance", "ops")
WORDS = (
    "orders customers invoices payments shipments products events sessions accounts ledger "
    "refunds campaigns clicks inventory suppliers returns subscriptions tickets users devices"
).split()
COLUMNS = (
    ("id", "bigint"),
    ("customer_id", "bigint"),
    ("account_id", "bigint"),
    ("created_at", "timestamp"),
    ("updated_at", "timestamp"),
    ("status", "text"),
    ("amount", "numeric"),
    ("currency", "text"),
    ("quantity", "integer"),
    ("region", "text"),
    *((f"attr_{i:02d}", "text") for i in range(20)),
)
"""30 columns per table."""
VALID_TABLES = 800
"""The SQL corpora reference only tables below this index: present in every catalog size."""


@dataclass(frozen=True)
class TableName:
    schema: str
    name: str

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def table_name(i: int) -> TableName:
    return TableName(SCHEMAS[i % len(SCHEMAS)], f"{WORDS[i % len(WORDS)]}_{i:06d}")


def write_catalog(folder: Path, tables: int) -> str:
    """`{schema: {table: {column: type}}}` with `tables` tables of 30 columns each, one file per
    schema (a single 100,000-table file passes the loader's size limit). Returns the glob."""
    mapping: dict[str, dict[str, dict[str, str]]] = {schema: {} for schema in SCHEMAS}
    columns = dict(COLUMNS)
    for i in range(tables):
        t = table_name(i)
        mapping[t.schema][t.name] = columns
    folder.mkdir(parents=True, exist_ok=True)
    old = time.time() - 3600  # an input written this second is not cached (racy stamp): age it
    for schema, body in mapping.items():
        path = folder / f"{schema}.json"
        path.write_text(json.dumps({schema: body}, indent=1), encoding="utf-8")
        os.utime(path, (old, old))
    return f"{folder.resolve().as_posix()}/*.json"


def write_config(folder: Path, catalog: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "domain-lsp.toml"
    search_path = ", ".join(f'"{s}"' for s in SCHEMAS)
    config.write_text(
        f'[sql]\ndialect = "postgres"\nschemas = ["{catalog}"]\nsearch_path = [{search_path}]\n',
        encoding="utf-8",
    )
    return config


def write_ddl(path: Path, tables: int) -> Path:
    """The same catalog as CREATE TABLE statements (for a live PostgreSQL)."""
    lines = [f"CREATE SCHEMA IF NOT EXISTS {s};" for s in SCHEMAS]
    body = ", ".join(f"{c} {t}" for c, t in COLUMNS)
    lines += [f"CREATE TABLE {table_name(i).qualified} ({body});" for i in range(tables)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _col(rng: random.Random, besides: str = "") -> str:
    return rng.choice([name for name, _ in COLUMNS if name != besides])


def statement(rng: random.Random, n: int) -> str:
    """One statement of a varied, valid shape (single line so edits are easy to place)."""
    a, b = table_name(rng.randrange(VALID_TABLES)), table_name(rng.randrange(VALID_TABLES))
    kind = n % 6
    if kind == 0:
        return (
            f"SELECT o.id, o.{_col(rng)}, c.{_col(rng)} FROM {a.qualified} AS o "
            f"JOIN {b.qualified} AS c ON c.id = o.customer_id WHERE o.status = 'open' AND o.amount > {n}"
        )
    if kind == 1:
        return f"SELECT {_col(rng)}, count(*) AS n FROM {a.name} GROUP BY 1 ORDER BY n DESC LIMIT 10"
    if kind == 2:
        return (
            f"WITH recent AS (SELECT id, customer_id, amount FROM {a.qualified} WHERE created_at > now()) "
            f"SELECT r.customer_id, sum(r.amount) FROM recent AS r GROUP BY r.customer_id"
        )
    if kind == 3:
        # PostgreSQL rejects a column assigned twice: the second target is never `status`.
        return f"UPDATE {a.qualified} SET status = 'closed', {_col(rng, 'status')} = NULL WHERE id = {n}"
    if kind == 4:
        return (
            f"INSERT INTO {a.qualified} (id, customer_id, status) "
            f"SELECT id, customer_id, status FROM {b.qualified} WHERE region = 'eu'"
        )
    return (
        f"SELECT x.id, y.{_col(rng)} FROM {a.qualified} x LEFT JOIN {b.qualified} y USING (id) "
        f"WHERE x.{_col(rng)} IS NOT NULL"
    )


def sql_text(statements: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    return "".join(statement(rng, n) + ";\n" for n in range(statements))


def python_text(queries: int, seed: int = 11) -> str:
    """A module running SQL through a DB-API cursor: the shape the analyser looks for."""
    rng = random.Random(seed)
    out = ["import sqlite3\n\n", "def run(conn: sqlite3.Connection) -> None:\n", "    cur = conn.cursor()\n"]
    for n in range(queries):
        out.append(f'    cur.execute("{statement(rng, n)}")\n')
    return "".join(out)


def write_corpus(folder: Path, files: int, suffix: str, statements_per_file: int = 5) -> Path:
    """`files` small files (SQL, or Python with embedded SQL) in subfolders of 500."""
    for i in range(files):
        sub = folder / f"part{i // 500:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        if suffix == ".sql":
            text = sql_text(statements_per_file, seed=i)
        else:
            text = python_text(statements_per_file, seed=i)
        (sub / f"q{i:05d}{suffix}").write_text(text, encoding="utf-8")
    return folder
