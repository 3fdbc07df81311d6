"""The Python API checks give the same verdict on every run: `check` three times over the same
files, each with a fresh jedi cache, one with `--jobs 2` while another process keeps a core busy,
must print byte-identical JSON.

Before: with a cold cache, the workers of `--jobs 2` read the modules' pickles while the other
was writing them, and a different file came back as `file-error ... (EOFError: Ran out of
input)` on each run, with the names of others silently unchecked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MODULES = (
    "sqlglot.dialects.postgres sqlglot.dialects.duckdb sqlglot.dialects.snowflake sqlglot.dialects.bigquery "
    "sqlglot.dialects.mysql sqlglot.dialects.tsql sqlglot.dialects.spark sqlglot.dialects.hive "
    "sqlglot.dialects.oracle sqlglot.dialects.presto sqlglot.dialects.trino sqlglot.dialects.redshift "
    "sqlglot.dialects.sqlite sqlglot.dialects.clickhouse sqlglot.dialects.databricks sqlglot.dialects.teradata "
    "sqlglot.optimizer.qualify sqlglot.optimizer.scope sqlglot.optimizer.simplify sqlglot.optimizer.normalize "
    "sqlglot.optimizer.annotate_types sqlglot.optimizer.eliminate_subqueries sqlglot.optimizer.merge_subqueries "
    "sqlglot.optimizer.unnest_subqueries sqlglot.generator sqlglot.parser sqlglot.tokens sqlglot.schema "
    "sqlglot.planner sqlglot.lineage sqlglot.time sqlglot.helper httpx._client httpx._models httpx._config "
    "httpx._urls httpx._auth httpx._content httpx._multipart httpx._transports.default jedi.api.classes "
    "jedi.api.completion jedi.api.project jedi.api.environment jedi.inference.imports jedi.inference.base_value "
    "jedi.inference.syntax_tree jedi.parser_utils pygls.workspace pygls.uris pygls.lsp.server pygls.protocol "
    "lsprotocol.types lsprotocol.converters parso.python.tree parso.python.parser parso.tree parso.grammar"
).split()
FILES = 24
PER_FILE = 9


def write_workspace(root: Path) -> None:
    """Files that each use a different mix of installed modules, with a mistake for every one.
    The first file (the one the parent process checks before starting the workers) imports only
    the standard library, so both workers start on a cold cache at the same moment."""
    (root / "requirements.txt").write_text("sqlglot\nhttpx\njedi\npygls\nlsprotocol\nparso\n", encoding="utf-8")
    (root / "src").mkdir()
    (root / "src" / "a_first.py").write_text("import os\nimport json\n\nprint(os.sep, json.dumps(1))\n")
    for index in range(FILES):
        chosen = [MODULES[(index * 7 + k * 5) % len(MODULES)] for k in range(PER_FILE)]
        lines = [f"import {module} as m{k}" for k, module in enumerate(chosen)]
        lines += [f"m{k}.surely_missing_{index}\nm{k}.__name__" for k in range(len(chosen))]
        (root / "src" / f"job_{index:02}.py").write_text("\n".join(lines) + "\n", encoding="utf-8")


def check(root: Path, cache: Path, *args: str) -> bytes:
    result = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", "--format", "json", *args, "src"],
        cwd=root,
        capture_output=True,
        timeout=900,
        env={**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode in (0, 1), result.stderr.decode()
    return result.stdout


@contextmanager
def busy_core() -> Iterator[None]:
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def test_three_runs_on_a_fresh_cache_print_the_same_bytes(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    root.mkdir()
    write_workspace(root)
    first = check(root, tmp_path / "cache-1", "--jobs", "1")
    with busy_core():
        loaded = check(root, tmp_path / "cache-2", "--jobs", "2")
    parallel = check(root, tmp_path / "cache-3", "--jobs", "2")
    codes = [d["code"] for d in json.loads(first)["diagnostics"]]
    assert "file-error" not in codes
    assert codes.count("unknown-attribute") >= FILES  # the checks ran: most modules are read
    assert loaded == first
    assert parallel == first
