"""Catalog load at warehouse scale: 10,000 tables and 300,000 columns written as DDL, as a JSON
mapping and as a dbt project's manifest.json + catalog.json; for each, the cold load (every
source read, the cache written), the warm load (from the on-disk cache) and the peak resident
memory of the process, each measured in a fresh process.

    .venv/bin/python bench/catalog_load.py [--tables 10000] [--columns 30] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

WORK = Path(__file__).resolve().parent / ".work" / "catalog_load"
FORMATS = ("ddl", "mapping", "dbt")
TYPES = ("bigint", "integer", "text", "numeric(12,2)", "timestamp", "boolean", "date", "jsonb")


def column_names(table: int, columns: int) -> list[str]:
    return [f"col_{table % 97}_{c}" if c else "id" for c in range(columns)]


def generate(root: Path, fmt: str, tables: int, columns: int) -> None:
    """One workspace with a domain-lsp.toml naming the sources."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    schemas = [f"schema_{s}" for s in range(20)]
    if fmt == "ddl":
        per_file = 1000
        for start in range(0, tables, per_file):
            lines = []
            for t in range(start, min(tables, start + per_file)):
                cols = ",\n".join(
                    f"    {name} {TYPES[(t + i) % len(TYPES)]}" for i, name in enumerate(column_names(t, columns))
                )
                lines.append(f"CREATE TABLE {schemas[t % 20]}.table_{t} (\n{cols}\n);")
                lines.append(f"COMMENT ON TABLE {schemas[t % 20]}.table_{t} IS 'Table number {t}';")
            (root / f"schema_{start // per_file:03}.sql").write_text("\n".join(lines) + "\n", encoding="utf-8")
        schemas_glob = "schema_*.sql"
    elif fmt == "mapping":
        mapping: dict[str, Any] = {s: {} for s in schemas}
        for t in range(tables):
            mapping[schemas[t % 20]][f"table_{t}"] = {
                "description": f"Table number {t}",
                "columns": {name: TYPES[(t + i) % len(TYPES)] for i, name in enumerate(column_names(t, columns))},
            }
        (root / "catalog.json").write_text(json.dumps(mapping, indent=1), encoding="utf-8")
        schemas_glob = "catalog.json"
    else:
        write_dbt(root, schemas, tables, columns)
        schemas_glob = "target/manifest.json"
    (root / "domain-lsp.toml").write_text(
        f'[sql]\ndialect = "postgres"\nschemas = ["{schemas_glob}"]\n', encoding="utf-8"
    )
    # Old mtimes: the cache does not store a catalog whose inputs changed in the last seconds.
    old = time.time() - 3600
    for path in root.rglob("*"):
        os.utime(path, (old, old))


def write_dbt(root: Path, schemas: list[str], tables: int, columns: int) -> None:
    (root / "dbt_project.yml").write_text("name: big\nmodel-paths: ['models']\n", encoding="utf-8")
    (root / "target").mkdir()
    nodes: dict[str, Any] = {}
    warehouse: dict[str, Any] = {}
    for t in range(tables):
        name, schema = f"table_{t}", schemas[t % 20]
        unique_id = f"model.big.{name}"
        names = column_names(t, columns)
        documented = names[:5]  # teams document a few columns; catalog.json has them all
        nodes[unique_id] = {
            "resource_type": "model",
            "name": name,
            "alias": name,
            "schema": schema,
            "database": "warehouse",
            "package_name": "big",
            "original_file_path": f"models/{schema}/{name}.sql",
            "patch_path": f"big://models/{schema}/schema.yml",
            "unique_id": unique_id,
            "description": f"Table number {t}",
            "tags": ["nightly"],
            "meta": {},
            "config": {"materialized": "table", "tags": [], "meta": {}},
            "columns": {
                n: {"name": n, "description": f"Column {n}", "meta": {}, "tags": [], "data_type": None}
                for n in documented
            },
            "raw_code": f"select * from {{{{ ref('table_{max(0, t - 1)}') }}}}",
            "depends_on": {"nodes": [f"model.big.table_{max(0, t - 1)}"], "macros": []},
        }
        warehouse[unique_id] = {
            "metadata": {"type": "BASE TABLE", "schema": schema, "name": name, "database": "warehouse"},
            "columns": {
                n: {"type": TYPES[(t + i) % len(TYPES)], "index": i + 1, "name": n, "comment": None}
                for i, n in enumerate(names)
            },
            "stats": {},
            "unique_id": unique_id,
        }
    metadata = {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json", "project_name": "big"}
    manifest = {"metadata": metadata, "nodes": nodes, "sources": {}}
    catalog_metadata = {**metadata, "dbt_schema_version": "https://schemas.getdbt.com/dbt/catalog/v1.json"}
    (root / "target" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (root / "target" / "catalog.json").write_text(
        json.dumps({"metadata": catalog_metadata, "nodes": warehouse, "sources": {}}), encoding="utf-8"
    )


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    exec, so a child would report its parent's (the generator's) peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def child(root: Path, cache: Path, mode: str) -> None:
    """Runs in a fresh process: one load, then its numbers as JSON on stdout."""
    os.environ["DOMAIN_LSP_CACHE_DIR"] = str(cache)
    from domain_lsp.catalog.load import load_catalog
    from domain_lsp.config import load_config

    started = time.perf_counter()
    loaded = load_catalog(load_config(root / "domain-lsp.toml")) if mode != "baseline" else None
    seconds = time.perf_counter() - started
    rss_mb = peak_rss_mb()
    tables = len(loaded.catalog) if loaded else 0
    columns = sum(len(t.columns) for t in loaded.catalog.tables()) if loaded else 0
    problems = sum(len(r.problems) for r in loaded.sources) if loaded else 0
    cached = loaded.from_cache if loaded else False
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss_mb": rss_mb,
                "tables": tables,
                "columns": columns,
                "problems": problems,
                "from_cache": cached,
            }
        )
    )


def measure(root: Path, cache: Path, mode: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(root), str(cache), mode],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--columns", type=int, default=30, help="columns per table")
    parser.add_argument("--runs", type=int, default=3, help="take the fastest of N runs")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--child", nargs=3, metavar=("ROOT", "CACHE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.child[2])
        return
    print(
        f"{args.tables:,} tables x {args.columns} columns = {args.tables * args.columns:,} columns; best of {args.runs}"
    )
    header = f"{'format':<8} {'input MB':>9} {'cold s':>8} {'cold RSS MB':>12} {'warm s':>8} {'warm RSS MB':>12} {'cache MB':>9}"
    print(header)
    print("-" * len(header))
    for fmt in args.formats.split(","):
        root = WORK / fmt
        generate(root, fmt, args.tables, args.columns)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6
        cold: list[dict[str, Any]] = []
        warm: list[dict[str, Any]] = []
        for run in range(args.runs):
            cache = WORK / f"cache-{fmt}-{run}"
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(measure(root, cache, "load"))
            warm.append(measure(root, cache, "load"))
            cache_mb = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file()) / 1e6
            shutil.rmtree(cache, ignore_errors=True)
        assert all(not c["from_cache"] for c in cold) and all(w["from_cache"] for w in warm), (cold, warm)
        assert cold[0]["tables"] == args.tables and cold[0]["columns"] == args.tables * args.columns, cold[0]
        assert warm[0]["tables"] == args.tables and warm[0]["columns"] == args.tables * args.columns, warm[0]
        c = min(cold, key=lambda r: r["seconds"])
        w = min(warm, key=lambda r: r["seconds"])
        print(
            f"{fmt:<8} {size:>9.1f} {c['seconds']:>8.2f} {c['rss_mb']:>12.0f} {w['seconds']:>8.2f} "
            f"{w['rss_mb']:>12.0f} {cache_mb:>9.1f}"
        )
    baseline = measure(WORK, WORK / "nocache", "baseline")
    print(f"(a process that only imports the loader: {baseline['rss_mb']:.0f} MB RSS)")


if __name__ == "__main__":
    main()
