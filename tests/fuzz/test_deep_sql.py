"""Deep chains of every operator form never crash, hang or lose the rest of the file (issue 21).

Each form of bench/deep_sql.py (casts, subscripts, prefix operators, nested CASE, JSON arrows,
nested calls, arithmetic, comparison and IS chains, COLLATE, set operations, subqueries, CTEs,
IN lists, windows, array literals and types, and the same inside CREATE VIEW/TABLE of a schema
file) is analysed in a child process, in a thread of 2 MB of stack, so that a segfault is a
failed test and not a dead pytest. Per statement the child must finish, and the statement is
either analysed as usual or gets exactly one `analysis-limit` on its first word; the statement
after it (`SELECT nope FROM t`) must still get its unknown-column.

`make test` runs each form at 1,000 and 10,000 levels in one dialect, plus a 300 KB cast chain;
DOMAIN_LSP_FUZZ_DEEP=1 (`make fuzz`) runs 100,000 levels in every dialect the form is SQL in.
The timeouts are hang guards, not timing asserts; bench/deep_sql.py reports the times.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ is not installed; run from the repository

from bench.deep_sql import BY_NAME, FORMS, NEXT, Form, kb_for, probe

LONG = os.environ.get("DOMAIN_LSP_FUZZ_DEEP") == "1"
HANG_GUARD = 240  # seconds per child process (a hang guard)


def bounded_cases() -> list[tuple[Form, str, list[int]]]:
    cases = [(form, form.dialects[0], [1_000, 10_000]) for form in FORMS]
    # Where a dialect's own code crashed or stalled: SQLite compiling 10,000 chained CTEs, the
    # BigQuery parser copying nested derived tables, nested ARRAY<...> types.
    for name, dialect in (("cte", "sqlite"), ("subquery", "bigquery"), ("array_type", "bigquery")):
        cases.append((BY_NAME[name], dialect, [1_000, 10_000]))
    cast = BY_NAME["cast_op"]
    cases.append((cast, "postgres", [kb_for(cast, 300_000)]))  # 300 KB: the segfault
    return cases


def long_cases() -> list[tuple[Form, str, list[int]]]:
    return [(form, dialect, [100_000]) for form in FORMS for dialect in form.dialects]


def run_all(cases: list[tuple[Form, str, list[int]]]) -> list[dict[str, Any]]:
    """Every case, two children at a time (the machine has 2 cores)."""
    with ThreadPoolExecutor(2) as pool:
        batches = pool.map(lambda case: probe(case[0].name, case[1], case[2], HANG_GUARD * len(case[2])), cases)
        return [result for batch in batches for result in batch]


def problems(result: dict[str, Any]) -> list[str]:
    """What is wrong with one probed statement (nothing when it holds)."""
    where = f"{result['form']} x{result['depth']:,} in {result['dialect'] or 'generic'}"
    if result["outcome"] in ("exception",) or result["outcome"].startswith(("crash", "timeout")):
        return [f"{where}: {result['outcome']} {result.get('error') or result.get('stderr', '')}"]
    found: list[dict[str, Any]] = result["findings"]
    wrong: list[str] = []
    if BY_NAME[result["form"]].schema:
        limits = [f for f in found if f["code"] == "source-error" and "too complex" in f["message"]]
        others = [f for f in found if f["code"] == "source-error" and f not in limits]
        if len(limits) > 1 or others:
            wrong.append(f"{where}: schema problems {found}")
    else:
        limits = [f for f in found if f["code"] == "analysis-limit"]
        if len(limits) > 1 or any(f["at"] != result["first"] for f in limits):
            wrong.append(f"{where}: not one analysis-limit on the first word: {limits}")
        if limits and any(f["code"] != "syntax-error" for f in found if f["at"] < result["next"] and f not in limits):
            wrong.append(f"{where}: a statement past the limit has other findings: {found}")
    following = [f for f in found if f["code"] == "unknown-column" and f["at"] >= result["next"]]
    if [f["text"] for f in following] != ["nope"]:
        wrong.append(f"{where}: the next statement ({NEXT}) was not checked: {found}")
    return wrong


def test_deep_chains_of_every_form_are_analysed_or_limited() -> None:
    results = run_all(bounded_cases())
    assert len(results) == sum(len(depths) for _, _, depths in bounded_cases())
    wrong = [problem for result in results for problem in problems(result)]
    assert not wrong, "\n".join(wrong)
    outcomes = {(r["form"], r["depth"]): r["outcome"] for r in results}
    # The limits are reached where the inputs were, and not on long flat chains.
    assert outcomes[("cast_op", kb_for(BY_NAME["cast_op"], 300_000))] == "analysis-limit"
    assert outcomes[("case", 1_000)] == outcomes[("neg", 1_000)] == "analysis-limit"
    for flat in ("and", "or", "plus", "concat", "union", "in_list", "between", "is_null", "json_arrow"):
        assert outcomes[(flat, 10_000)] == "ok", flat


@pytest.mark.skipif(not LONG, reason="the long deep-SQL fuzz: DOMAIN_LSP_FUZZ_DEEP=1 (make fuzz)")
def test_100000_levels_of_every_form_in_every_dialect() -> None:
    results = run_all(long_cases())
    wrong = [problem for result in results for problem in problems(result)]
    assert not wrong, "\n".join(wrong)
