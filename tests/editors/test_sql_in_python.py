"""SQL highlighting inside Python strings, for the call sites the analysis checks as SQL.

- VS Code: the extension's TextMate injection grammar (editors/vscode/syntaxes), run by
  vscode-textmate with the Oniguruma WASM build (the libraries VS Code itself tokenizes with) over
  VS Code's own Python and SQL grammars, taken from the installed code-server.
- Neovim: the plugin's tree-sitter injection query (editors/nvim/queries/python/injections.scm),
  parsed by real Neovim; run on the samples when Neovim has a Python parser.

Each sample's highlighted SQL must be exactly the string domain_lsp.analysis.python.embedded_sql
finds in it (none where it finds none).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from domain_lsp.analysis.python.embedded_sql import SQL_START, find_embedded_sql
from tests.editors.conftest import NVIM_PLUGIN, REPO

EXTENSION = REPO / "editors" / "vscode"
GRAMMAR = EXTENSION / "syntaxes" / "sql-in-python.tmLanguage.json"
QUERY = NVIM_PLUGIN / "queries" / "python" / "injections.scm"
VSCODE_EXTENSIONS = "node_modules/code-server/lib/vscode/extensions"
IN_CI = bool(os.environ.get("CI"))

SAMPLES = {
    "execute": 'cur.execute("SELECT id FROM t")\n',
    "executemany": "cur.executemany('INSERT INTO t VALUES (?)', rows)\n",
    "read_sql": 'pd.read_sql("SELECT 1 AS one", conn)\n',
    "bare read_sql_query": 'read_sql_query("SELECT 2", conn)\n',
    "text inside execute": 'conn.execute(text("SELECT 3"))\n',
    "duckdb sql": 'duckdb.sql("select 4").fetchall()\n',
    "sqlalchemy text": 'stmt = sa.text("UPDATE t SET a = 1")\n',
    "triple-quoted on the next line": 'cur.execute(\n    """\n    SELECT id\n    FROM t\n    """\n)\n',
    "only the first argument": 'cur.execute("SELECT %s", ("SELECT x",))\n',
    "raw string": "cur.execute(r'SELECT 5')\n",
    # not SQL to the analysis, so not highlighted
    "text that is not SQL": 'printer.text(",")\n',
    "bare text that is not SQL": 'text("hello")\n',
    "another function": 'foo("SELECT 6")\n',
    "bytes": 'cur.execute(b"SELECT 7")\n',
    "bare execute": 'execute("SELECT 8")\n',
    "bare sql": 'sql("SELECT 9")\n',
    "in a comment": '# cur.execute("SELECT 10")\nx = 1\n',
    "in a string": "doc = \"cur.execute('SELECT 11')\"\n",
}


def analysed_sql(source: str) -> list[str]:
    return [embedded.text for embedded in find_embedded_sql(source)]


def test_samples_are_what_the_analysis_says() -> None:
    """The expectations below come from the analysis; this pins that it reads the samples as assumed."""
    assert analysed_sql(SAMPLES["execute"]) == ["SELECT id FROM t"]
    assert analysed_sql(SAMPLES["text that is not SQL"]) == []
    assert analysed_sql(SAMPLES["bytes"]) == []
    assert analysed_sql(SAMPLES["triple-quoted on the next line"]) == ["\n    SELECT id\n    FROM t\n    "]


def sql_keywords_of_the_analysis() -> list[str]:
    match = re.search(r"\(\?:(select\|.*?)\)\\b", SQL_START.pattern)
    assert match, SQL_START.pattern
    return match[1].split("|")


def test_grammar_and_query_know_the_analysis_statement_keywords() -> None:
    keywords = "|".join(sql_keywords_of_the_analysis())
    grammar = GRAMMAR.read_text(encoding="utf-8")
    assert grammar.count(f"(?i:{keywords})") == 3  # the three loose call patterns
    assert QUERY.read_text(encoding="utf-8").count(f"({keywords})>") == 2


def test_grammar_is_contributed_as_an_injection_into_python() -> None:
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    [contribution] = manifest["contributes"]["grammars"]
    assert contribution["scopeName"] == grammar["scopeName"]
    assert contribution["injectTo"] == ["source.python"]
    assert (EXTENSION / contribution["path"]).resolve() == GRAMMAR
    assert contribution["embeddedLanguages"] == {"meta.embedded.block.sql": "sql"}
    assert grammar["injectionSelector"] == "L:source.python -comment -string"
    shipped = (EXTENSION / ".vscodeignore").read_text(encoding="utf-8").splitlines()
    assert "!syntaxes/sql-in-python.tmLanguage.json" in shipped


def vscode_grammars() -> tuple[Path, Path]:
    """VS Code's own Python and SQL grammars, from the code-server the VS Code tests install."""
    cache = Path(os.environ.get("DOMAIN_LSP_EDITORS_CACHE", REPO / ".cache" / "editors"))  # as install-code-server.sh
    for install in sorted(cache.glob("code-server-*")):
        extensions = install / VSCODE_EXTENSIONS
        python = extensions / "python" / "syntaxes" / "MagicPython.tmLanguage.json"
        sql = extensions / "sql" / "syntaxes" / "sql.tmLanguage.json"
        if python.is_file() and sql.is_file():
            return python, sql
    message = "VS Code's Python and SQL grammars come from code-server: run scripts/editors/install-code-server.sh"
    if IN_CI:
        pytest.fail(f"{message} (CI is set, so this is required)")
    pytest.skip(message)


def node_modules() -> Path:
    """The extension's npm devDependencies (vscode-textmate, vscode-oniguruma), installed from the lockfile."""
    if shutil.which("npm") is None:
        if IN_CI:
            pytest.fail("npm not found (CI is set, so this is required)")
        pytest.skip("npm not found: the grammar test needs Node 20 and npm")
    modules = EXTENSION / "node_modules"
    lock = EXTENSION / "package-lock.json"
    installed = modules / ".package-lock.json"
    if not installed.is_file() or lock.stat().st_mtime > installed.stat().st_mtime:
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=EXTENSION, check=True, timeout=600)
    return modules


def test_textmate_grammar_highlights_what_the_analysis_checks(tmp_path: Path) -> None:
    python_grammar, sql_grammar = vscode_grammars()
    node_modules()
    samples = tmp_path / "samples.json"
    samples.write_text(json.dumps(SAMPLES), encoding="utf-8")
    script = EXTENSION / "test" / "grammar" / "tokenize.js"
    done = subprocess.run(
        ["node", str(script), str(python_grammar), str(sql_grammar), str(samples)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert [i["scopeName"] for i in result["injections"]] == ["source.python.embedded-sql.domain-lsp"]
    got = {name: sample["sql"] for name, sample in result["samples"].items()}
    expected = {name: "".join(analysed_sql(source)) for name, source in SAMPLES.items()}
    assert got == expected
    # the SQL is tokenized by VS Code's SQL grammar: SELECT is an SQL keyword, not string text
    [select] = [t for t in result["samples"]["execute"]["tokens"] if t["text"] == "SELECT"]
    assert "meta.embedded.block.sql" in select["scopes"]
    assert any(scope.startswith("keyword.") and scope.endswith(".sql") for scope in select["scopes"])
    # and the rest of the line is still Python: the call's closing parenthesis
    [closing] = [t for t in result["samples"]["execute"]["tokens"] if t["text"] == ")"]
    assert not any(scope.endswith(".sql") for scope in closing["scopes"])


@pytest.fixture(scope="module")
def query_run(nvim: Any, nvim_plugin: Path, make_editor_home: Callable[[], Path]) -> dict[str, Any]:
    home = make_editor_home()
    samples = home / "samples.json"
    samples.write_text(json.dumps(SAMPLES), encoding="utf-8")
    result: dict[str, Any] = nvim.run_script("injections.lua", [str(samples)], home, nvim_plugin)
    assert result["errors"] == {}
    return result


def test_tree_sitter_query_is_valid_and_extends_other_injections(query_run: dict[str, Any]) -> None:
    assert query_run["syntax_errors"] == []
    # without `;; extends` it would replace the python injections other plugins ship
    assert query_run["first_line"] == ";; extends"


def test_tree_sitter_query_injects_what_the_analysis_checks(query_run: dict[str, Any]) -> None:
    if not query_run["python_parser"]:
        pytest.skip("this Neovim has no tree-sitter Python parser (Neovim 0.11 bundles none; nvim-treesitter adds it)")
    expected = {name: analysed_sql(source) for name, source in SAMPLES.items()}
    assert query_run["samples"] == expected
