"""Throughput of `domain-lsp check` on a generated corpus: files per second with 1 and 2 (or
more) worker processes, and with shards.

    .venv/bin/python bench/check_throughput.py [--sql 2000] [--python 1000] [--jobs 1 2] [--repeat 3]

The corpus (a postgres workspace: a schema of 60 tables, SQL files of a few statements, Python
files that run SQL through a cursor; about one file in ten has a mistake) is generated in a
temporary folder and removed afterwards. Each configuration runs `domain-lsp check --format
json` as a process, as CI does; the best of `--repeat` wall-clock times is reported, with the
CPU time the run and its workers used (on a busy machine the wall time says little; the CPU
time says what parallel workers cost) and the load average before the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TABLES = 60
COLUMNS = ("id", "name", "status", "amount", "created_at", "owner_id", "region", "score")


def schema(rng: random.Random) -> str:
    out = []
    for t in range(TABLES):
        columns = ", ".join(f"{c} {'int' if c.endswith('id') else 'text'}" for c in COLUMNS[: 4 + t % 5])
        out.append(f"CREATE TABLE app.t{t} ({columns});")
    return "\n".join(out) + "\n"


def query(rng: random.Random, broken: bool) -> str:
    a, b = rng.randrange(TABLES), rng.randrange(TABLES)
    column = "nmae" if broken else rng.choice(COLUMNS[:4])
    return (
        f"SELECT x.id, x.{column}, count(*) AS n\n"
        f"FROM app.t{a} AS x\n"
        f"JOIN app.t{b} AS y ON y.id = x.id\n"
        f"WHERE x.status <> 'done' AND upper(y.name) LIKE 'A%'\n"
        f"GROUP BY x.id, x.{column}\n"
        f"ORDER BY n DESC"
    )


def sql_file(rng: random.Random) -> str:
    broken = rng.random() < 0.1
    return ";\n\n".join(query(rng, broken and i == 0) for i in range(rng.randint(2, 6))) + ";\n"


def python_file(rng: random.Random, index: int) -> str:
    broken = rng.random() < 0.1
    calls = "\n".join(
        f'    cursor.execute("""\n        {query(rng, broken and i == 0).replace(chr(10), chr(10) + "        ")}\n    """)'
        for i in range(rng.randint(1, 4))
    )
    return (
        f"import json\nimport os\n\n\ndef job_{index}(cursor):\n{calls}\n    return json.dumps(os.environ.get('X'))\n"
    )


def make_corpus(root: Path, sql: int, python: int) -> None:
    rng = random.Random(6)
    (root / ".git").mkdir()
    (root / "domain-lsp.toml").write_text('[sql]\ndialect = "postgres"\nschemas = ["schema/*.sql"]\n')
    (root / "schema").mkdir()
    (root / "schema" / "app.sql").write_text(schema(rng))
    for i in range(sql):
        folder = root / "queries" / f"d{i % 40}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"q{i}.sql").write_text(sql_file(rng))
    for i in range(python):
        folder = root / "jobs" / f"p{i % 40}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"job{i}.py").write_text(python_file(rng, i))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers count: each run waits for its own
    return usage.ru_utime + usage.ru_stime


def timed(root: Path, *args: str) -> tuple[float, float, dict[str, int]]:
    cpu = _cpu()
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", "--format", "json", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    if result.returncode not in (0, 1):
        raise SystemExit(f"check failed: {result.stderr}")
    codes: dict[str, int] = {}
    for item in json.loads(result.stdout)["diagnostics"]:
        codes[item["code"]] = codes.get(item["code"], 0) + 1
    return elapsed, cpu, codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sql", type=int, default=2000)
    parser.add_argument("--python", type=int, default=1000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--shards", type=int, default=2, help="also time each of N shards with --jobs 1")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="domain-lsp-bench-") as folder:
        root = Path(folder)
        make_corpus(root, args.sql, args.python)
        files = args.sql + args.python + 1  # and the schema file
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"corpus: {args.sql} SQL + {args.python} Python files; {os.cpu_count()} CPUs, load average {load}")
        print(f"| {'run':<22} | {'wall s':>7} | {'files/s':>7} | {'CPU s':>6} | findings")
        print(f"| {'-' * 22} | {'-' * 7} | {'-' * 7} | {'-' * 6} | --------")
        runs = [[f"--jobs={jobs}"] for jobs in args.jobs]
        if args.shards > 1:
            runs += [["--jobs=1", f"--shard={i}/{args.shards}"] for i in range(1, args.shards + 1)]
        reference: dict[str, int] | None = None
        for run in runs:
            wall, cpu, codes = min(timed(root, *run) for _ in range(args.repeat))
            if len(run) == 1:
                reference = reference or codes
                assert codes == reference, "the output must not depend on --jobs"
            print(f"| {' '.join(run):<22} | {wall:7.2f} | {files / wall:7.0f} | {cpu:6.2f} | {codes}")


if __name__ == "__main__":
    main()
