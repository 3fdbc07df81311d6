"""`make bench`: build the inputs in a temporary folder outside the repository (its .gitignore
would hide them from `domain-lsp check`), run every measurement, print one table and write
bench/.work/results.json.

    python -m bench.run            # the full suite (about 10-15 minutes on 2 cores)
    python -m bench.run --quick    # small sizes, a smoke test of the harness
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import corpus, deep_sql, inventory_scale, mcp_bench, throughput
from bench.lsp_bench import Inputs, measure
from bench.report import render

RESULTS = Path(__file__).resolve().parent / ".work" / "results.json"
WORK = Path(os.environ.get("DOMAIN_LSP_BENCH_DIR") or Path(tempfile.gettempdir()) / "domain-lsp-bench")


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor()
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(ram_gib, 1), "python": platform.python_version()}


def build_workspace(size: int, statements: int, queries: int) -> Inputs:
    glob = corpus.write_catalog(WORK / "catalogs" / str(size), size)
    folder = WORK / f"ws{size}"
    corpus.write_config(folder, glob)
    sql_file, py_file = folder / "big.sql", folder / "big.py"
    sql_file.write_text(corpus.sql_text(statements), encoding="utf-8")
    py_file.write_text(corpus.python_text(queries), encoding="utf-8")
    return Inputs(folder, sql_file, py_file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes: check that the harness works")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: server,check,others,inventory,mcp")
    parser.add_argument("--sizes", default="", help="comma-separated catalog sizes for the server part (default: all)")
    args = parser.parse_args()
    # The generated catalogs live beside the workspaces, not inside them: the user (this harness)
    # allows that folder, as a team allows a shared schema folder (docs/security.md).
    os.environ["DOMAIN_LSP_READ_PATHS"] = str(WORK.resolve())
    skip = set(filter(None, args.skip.split(",")))
    quick = args.quick
    sizes = [200, 1000] if quick else [1_000, 10_000, 100_000]
    if args.sizes:
        sizes = [int(size) for size in args.sizes.split(",")]
    plan = {
        "statements": 200 if quick else 2_000,
        "python_queries": 100 if quick else 300,
        "requests_per_context": 20 if quick else 60,
        "edits": 6 if quick else 16,
        "sql_files": 300 if quick else 5_000,
        "python_files": 100 if quick else 2_000,
        "sqlfluff_files": 30 if quick else 2_000,  # as the reference run; ~3 minutes of sqlfluff
        "postgrestools_files": 100 if quick else 1_000,
        "check_catalog_tables": 1_000,
    }
    started = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "plan": plan, "server": {}, "check": {}, "others": {}}

    if "inventory" not in skip:
        print("package inventories ...", flush=True)
        results["inventory"] = inventory_scale.bench(WORK / "inventory", quick)

    if "server" not in skip:
        for size in sizes:
            print(f"server, {size:,} tables ...", flush=True)
            inputs = build_workspace(size, plan["statements"], plan["python_queries"])
            results["server"][str(size)] = asyncio.run(
                measure(inputs, WORK / f"cache{size}", plan["requests_per_context"], plan["edits"])
            )

    if "mcp" not in skip:
        print(f"MCP over stdio, {sizes[-1]:,} tables ...", flush=True)
        results["mcp"] = mcp_bench.bench(WORK / "mcp", sizes[-1], 30 if quick else 200)

    if "check" not in skip or "others" not in skip:
        print("check corpora ...", flush=True)
        inputs = build_workspace(plan["check_catalog_tables"], 10, 10)
        sql_dir = corpus.write_corpus(_fresh(inputs.workspace / "corpus_sql"), plan["sql_files"], ".sql")
        py_dir = corpus.write_corpus(_fresh(inputs.workspace / "corpus_py"), plan["python_files"], ".py")
        cache = WORK / "cache-check"
        shutil.rmtree(cache, ignore_errors=True)
        check = results["check"]
        if "check" not in skip:
            for jobs in (1, 2):
                check[f"sql_jobs{jobs}"] = throughput.domain_lsp_check(inputs.workspace, sql_dir, ".sql", jobs, cache)
                check[f"python_jobs{jobs}"] = throughput.domain_lsp_check(inputs.workspace, py_dir, ".py", jobs, cache)
        if "others" not in skip:
            others = results["others"]
            others["sqlglot_parse"] = throughput.sqlglot_floor(sql_dir)
            fluff_dir = throughput.subset(sql_dir, inputs.workspace / "subset_sqlfluff", plan["sqlfluff_files"])
            others["ours_on_sqlfluff_subset"] = throughput.domain_lsp_check(
                inputs.workspace, fluff_dir, ".sql", 2, cache
            )
            others["sqlfluff"] = throughput.sqlfluff(fluff_dir, 2)
            pg_dir = throughput.subset(sql_dir, inputs.workspace / "subset_postgrestools", plan["postgrestools_files"])
            others["ours_on_postgrestools_subset"] = throughput.domain_lsp_check(
                inputs.workspace, pg_dir, ".sql", 2, cache
            )
            ddl = corpus.write_ddl(WORK / "schema.sql", plan["check_catalog_tables"])
            others["postgrestools"] = throughput.postgrestools(pg_dir, ddl, WORK / "tools")
            others["deep_sql"] = deep_sql.bench()

    results["total_seconds"] = round(time.perf_counter() - started, 1)
    out = RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(render(results))
    if "mcp" in results:
        print("\n" + mcp_bench.render(results["mcp"]))
    print(f"\nwritten: {out} ({results['total_seconds']} s)")


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    return folder


if __name__ == "__main__":
    main()
