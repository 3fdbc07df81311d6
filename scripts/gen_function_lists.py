"""Regenerate the built-in function lists in domain_lsp/analysis/sql/function_lists/ from the
real engines: DuckDB (the duckdb package), SQLite (the stdlib sqlite3) and PostgreSQL (a running
server, DSN from the PG_DSN environment variable, read with psql).

Run: .venv/bin/python scripts/gen_function_lists.py [duckdb|sqlite|postgres ...]
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "domain_lsp" / "analysis" / "sql" / "function_lists"


def duckdb_names() -> set[str]:
    import duckdb

    rows = duckdb.connect().execute("SELECT DISTINCT function_name FROM duckdb_functions()").fetchall()
    return {r[0] for r in rows}


def sqlite_names() -> set[str]:
    rows = sqlite3.connect(":memory:").execute("SELECT DISTINCT name FROM pragma_function_list").fetchall()
    return {r[0] for r in rows}


def postgres_names() -> set[str]:
    dsn = os.environ["PG_DSN"]
    query = "SELECT DISTINCT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'pg_catalog'"
    out = subprocess.run(["psql", dsn, "-Atc", query], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def write(dialect: str, names: set[str]) -> None:
    keep = sorted({n.lower() for n in names if n.replace("_", "").isalnum()})
    (OUT / f"{dialect}.txt").write_text("\n".join(keep) + "\n", encoding="utf-8")
    print(f"{dialect}: {len(keep)} names")


if __name__ == "__main__":
    sources = {"duckdb": duckdb_names, "sqlite": sqlite_names, "postgres": postgres_names}
    for dialect in sys.argv[1:] or ["duckdb", "sqlite"]:
        write(dialect, sources[dialect]())
