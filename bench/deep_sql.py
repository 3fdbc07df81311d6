"""Deep chains of every operator form, for the deep-SQL fuzz (tests/fuzz/test_deep_sql.py) and
for `make bench`'s slowest-statement row.

Each form builds one statement nesting or chaining an operator `depth` times. `probe` analyses
a file of such a statement followed by `SELECT nope FROM t` in a child process (a segfault is
the child's death, not the caller's) and reports, per statement, the outcome and its time:

    python -m bench.deep_sql probe FORM DEPTH DIALECT [DEPTH ...]   # one JSON line per depth
    python -m bench.deep_sql                                        # the bench figures
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DIALECTS = ("postgres", "duckdb", "sqlite", "", "snowflake", "bigquery")
"""Where every form is tried in the long run ("" is sqlglot's generic dialect)."""
SCHEMA = "CREATE TABLE t (a TEXT, b INT);"
NEXT = "SELECT nope FROM t"
"""The statement after the deep one: its unknown column shows the rest of the file was checked."""
THREAD_STACK = 2 * 1024 * 1024
"""The probe analyses in a thread of this stack, a quarter of the main thread's 8 MB: the
limits must hold in every thread the server analyses in, not only in the roomiest."""
MEMORY_BOUND = 3 * 1024**3
"""The probe's address space: past it an allocation fails (MemoryError) instead of the
machine swapping."""


@dataclass(frozen=True, slots=True)
class Form:
    name: str
    build: Callable[[int], str]
    dialects: tuple[str, ...] = DIALECTS
    schema: bool = False
    """Built as a DDL statement of a schema file (CREATE VIEW ... AS), not a query."""


def _nest(before: str, inner: str, after: str) -> Callable[[int], str]:
    return lambda n: before * n + inner + after * n


def _chain(head: str, link: str, tail: str = " FROM t") -> Callable[[int], str]:
    return lambda n: head + link * n + tail


def _joined(head: str, term: str, operator: str, tail: str = " FROM t") -> Callable[[int], str]:
    return lambda n: head + operator.join([term] * n) + tail


def _wrapped(body: Callable[[int], str], before: str, after: str = "") -> Callable[[int], str]:
    return lambda n: before + body(n) + after


def _mixed(n: int) -> str:
    return "SELECT " + "b" + "".join(" + b" if i % 2 else " - b" for i in range(n)) + " FROM t"


def _ctes(n: int) -> str:
    names = ["t", *(f"c{i}" for i in range(n))]
    return "WITH " + ", ".join(f"c{i} AS (SELECT * FROM {names[i]})" for i in range(n)) + f" SELECT a FROM {names[-1]}"


_CASTS = _chain("SELECT a", "::text")
FORMS: tuple[Form, ...] = (
    Form("cast_op", _CASTS),
    Form("cast_fn", _wrapped(_nest("CAST(", "a", " AS text)"), "SELECT ", " FROM t")),
    Form("subscript", _chain("SELECT a", "[1]"), ("postgres", "duckdb", "", "bigquery", "snowflake")),
    Form("neg", _wrapped(_nest("- ", "b", ""), "SELECT ", " FROM t")),
    Form("not", _wrapped(_nest("NOT ", "b = 1", ""), "SELECT 1 FROM t WHERE ")),
    Form("tilde", _wrapped(_nest("~ ", "b", ""), "SELECT ", " FROM t")),
    Form("not_paren", _wrapped(_nest("NOT b = (", "1", ")"), "SELECT 1 FROM t WHERE ")),
    Form("case", _wrapped(_nest("CASE WHEN ", "b = 1", " THEN TRUE END"), "SELECT ", " FROM t")),
    Form("json_arrow", _chain("SELECT a", "->'x'"), ("postgres", "duckdb", "sqlite", "")),
    Form("json_arrow_text", _chain("SELECT a", "->>'x'"), ("postgres", "duckdb", "sqlite", "")),
    Form("json_path", _chain("SELECT a", "#>'{x}'"), ("postgres", "")),
    Form("func", _wrapped(_nest("coalesce(", "a", ")"), "SELECT ", " FROM t")),
    Form("type_call", _wrapped(_nest("date(", "a", ")"), "SELECT ", " FROM t")),
    Form("plus", _joined("SELECT ", "b", " + ")),
    Form("mixed_arith", _mixed),
    Form("concat", _joined("SELECT ", "a", " || ")),
    Form("compare", _joined("SELECT 1 FROM t WHERE ", "b", " = ", "")),
    Form("is_null", _chain("SELECT 1 FROM t WHERE b", " IS NULL", "")),
    Form("collate", _chain("SELECT a", ' COLLATE "C"'), ("postgres", "duckdb", "sqlite", "")),
    Form("dot", _chain("SELECT a", ".x"), ("duckdb", "", "bigquery", "snowflake")),
    Form("and", _joined("SELECT 1 FROM t WHERE ", "b = 1", " AND ", "")),
    Form("or", _joined("SELECT 1 FROM t WHERE ", "b = 1", " OR ", "")),
    Form("between", _joined("SELECT 1 FROM t WHERE ", "b BETWEEN 1 AND 2", " AND ", "")),
    Form("in_list", lambda n: "SELECT 1 FROM t WHERE b IN (" + ", ".join(map(str, range(n))) + ")"),
    Form("union", _joined("", "SELECT a FROM t", " UNION ", "")),
    Form("subquery", _wrapped(_nest("(SELECT * FROM ", "t", ") AS x"), "SELECT * FROM ")),
    Form("exists", _wrapped(_nest("EXISTS (SELECT 1 FROM t WHERE ", "b = 1", ")"), "SELECT 1 FROM t WHERE ")),
    Form("in_subquery", _wrapped(_nest("b IN (SELECT b FROM t WHERE ", "b = 1", ")"), "SELECT 1 FROM t WHERE ")),
    Form("cte", _ctes),
    Form("paren", _wrapped(_nest("(", "b", ")"), "SELECT ", " FROM t")),
    Form("window", _wrapped(_nest("sum(", "b", ") OVER ()"), "SELECT ", " FROM t")),
    Form("array", _wrapped(_nest("ARRAY[", "1", "]"), "SELECT ", " FROM t"), ("postgres", "duckdb", "", "bigquery")),
    Form("list", _wrapped(_nest("[", "1", "]"), "SELECT ", " FROM t"), ("duckdb", "", "bigquery", "snowflake")),
    Form("array_type", _wrapped(_nest("ARRAY<", "INT", ">"), "SELECT CAST(a AS ", ") FROM t"), ("", "bigquery")),
    Form("view_casts", _wrapped(_CASTS, "CREATE VIEW v AS "), schema=True),
    Form("view_mixed", _wrapped(_mixed, "CREATE VIEW v AS "), schema=True),
    Form("table_array_type", _chain("CREATE TABLE u (c INT", "[]", ")"), ("postgres", "duckdb", ""), schema=True),
)
BY_NAME = {form.name: form for form in FORMS}


def statement(form: Form, depth: int) -> str:
    return form.build(depth)


def kb_for(form: Form, size: int) -> int:
    """The depth at which the form's statement is about `size` bytes long."""
    unit = len(form.build(101)) - len(form.build(100))
    return max(1, size // max(unit, 1))


# -- the child process -----------------------------------------------------------------------------


def _analyse(form: Form, depth: int, dialect: str) -> dict[str, Any]:
    from domain_lsp.analysis.sql.complete import complete_sql
    from domain_lsp.analysis.sql.document import analyze_sql
    from domain_lsp.analysis.sql.symbols import symbol_at
    from domain_lsp.catalog.model import Catalog
    from domain_lsp.catalog.sources.ddl import load_ddl
    from domain_lsp.config import SqlSettings

    deep = statement(form, depth)
    catalog = Catalog()
    analyze_sql("SELECT 1 FROM t;", catalog, SqlSettings(dialect=dialect))  # imports, warm caches: not timed
    started = time.perf_counter()
    if form.schema:
        # As a schema file: the deep statement is loaded with the catalog, then a query reads it.
        problems, retries = load_ddl(Path("schema.sql"), f"{SCHEMA}\n{deep};\n", catalog, dialect)
        for retry in retries:
            retry()
        text = f"{NEXT};\n"
        analysis = analyze_sql(text, catalog, SqlSettings(dialect=dialect))
        seconds = time.perf_counter() - started
        findings = [{"code": "source-error", "at": 0, "message": p.message} for p in problems]
        findings += [{"code": f.code, "at": f.start, "text": text[f.start : f.end]} for f in analysis.findings]
        return {"bytes": len(deep), "seconds": seconds, "first": 0, "next": 0, "findings": findings}
    load_ddl(Path("schema.sql"), SCHEMA, catalog, dialect)
    analyze_sql("SELECT a FROM t;", catalog, SqlSettings(dialect=dialect))
    text = f"{deep};\n{NEXT};\n"
    started = time.perf_counter()
    settings = SqlSettings(dialect=dialect)
    analysis = analyze_sql(text, catalog, settings)
    seconds = time.perf_counter() - started
    findings = [
        {"code": f.code, "at": f.start, "end": f.end, "text": text[f.start : min(f.end, f.start + 40)]}
        for f in analysis.findings
    ]
    # Hover and completion in the middle of the deep statement, as an editor would ask.
    started = time.perf_counter()
    middle = len(deep) // 2
    symbol_at(analysis, middle, settings)
    completions = len(complete_sql(text, middle, catalog, settings))
    editing = time.perf_counter() - started
    return {
        "bytes": len(deep),
        "seconds": seconds,
        "editor_seconds": editing,
        "completions": completions,
        "first": 0,
        "next": len(deep) + 2,
        "findings": findings,
    }


def _probe(name: str, dialect: str, depths: list[int]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BOUND, MEMORY_BOUND))
    form = BY_NAME[name]
    for depth in depths:
        result: dict[str, Any] = {}

        def run(depth: int = depth, result: dict[str, Any] = result) -> None:
            try:
                result.update(_analyse(form, depth, dialect))
            except BaseException as error:  # reported, not raised: the caller judges
                result["error"] = f"{type(error).__name__}: {str(error)[:200]}"

        threading.stack_size(THREAD_STACK)
        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
        result.update(form=name, depth=depth, dialect=dialect)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(json.dumps(result), flush=True)


def probe(name: str, dialect: str, depths: list[int], timeout: float) -> list[dict[str, Any]]:
    """Run the probe in a child process: one result per depth; a crash or a hang is a result
    too ({"outcome": "crash"|"timeout"} for the depth it stopped at)."""
    args = [sys.executable, "-m", "bench.deep_sql", "probe", name, dialect, *map(str, depths)]
    results: list[dict[str, Any]] = []
    try:
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        stdout, returncode, stderr = done.stdout, done.returncode, done.stderr
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout
        stdout = out.decode() if isinstance(out, bytes) else (out or "")
        returncode, stderr = None, "timeout"
    results = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    if len(results) < len(depths):
        outcome = "timeout" if returncode is None else f"crash (exit {returncode})"
        results.append({"form": name, "depth": depths[len(results)], "dialect": dialect, "outcome": outcome})
        results[-1]["stderr"] = stderr[-500:]
    for result in results:
        if "outcome" not in result:
            result["outcome"] = outcome_of(result)
    return results


def outcome_of(result: dict[str, Any]) -> str:
    if "error" in result or "findings" not in result:
        return "exception"
    limits = [f for f in result["findings"] if f["code"] == "analysis-limit"]
    sources = [f for f in result["findings"] if f["code"] == "source-error" and "too complex" in f["message"]]
    return "analysis-limit" if limits or sources else "ok"


# -- the bench figures -------------------------------------------------------------------------------

BENCH_BYTES = 30_000
BENCH_DIALECT = "postgres"


def bench() -> dict[str, Any]:
    """Each form at about 30 KB in postgres (duckdb for the forms postgres has not), timed in the
    probe: ms per KB of the statement. Returns the slowest and every figure."""
    figures: list[dict[str, Any]] = []
    for form in FORMS:
        dialect = BENCH_DIALECT if BENCH_DIALECT in form.dialects else form.dialects[0]
        (result,) = probe(form.name, dialect, [kb_for(form, BENCH_BYTES)], timeout=600)
        ms_per_kb = result["seconds"] * 1000 / (result["bytes"] / 1024) if "seconds" in result else None
        figures.append({"form": form.name, "dialect": dialect, "outcome": result["outcome"], "ms_per_kb": ms_per_kb})
    timed = [f for f in figures if f["ms_per_kb"] is not None]
    slowest = max(timed, key=lambda f: f["ms_per_kb"]) if timed else None
    return {"slowest": slowest, "forms": figures}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "probe":
        _probe(sys.argv[2], sys.argv[3], [int(d) for d in sys.argv[4:]])
        return
    figures = bench()
    for figure in sorted(figures["forms"], key=lambda f: -(f["ms_per_kb"] or 0)):
        ms = figure["ms_per_kb"]
        shown = f"{ms:8.1f} ms/KB" if ms is not None else "       –     "
        print(f"{figure['form']:18} {figure['dialect'] or 'generic':9} {shown}  {figure['outcome']}")


if __name__ == "__main__":
    main()
