"""The Neovim plugin (editors/nvim) in a real headless Neovim 0.11 talking to the real server.

One Neovim run (tests/editors/nvim/e2e.lua) opens files of a throwaway copy of the example
warehouse, exercises every feature and writes what the editor saw to JSON; the tests below
each check one part of it. Neovim reports columns as byte offsets into the line (0-based),
whatever position encoding the client and server agreed on.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from domain_lsp import __version__
from tests.editors.conftest import NVIM_PLUGIN, WAREHOUSE, WAREHOUSE_CATALOG, isolated_env

REPORT = "reports/ai_churn_report.sql"
# Appended to the report: the unknown column stands after multi-byte characters, so its byte
# column (what Neovim shows) differs from its UTF-16 and code point columns.
NON_ASCII_LINE = "SELECT 'Zürich — café' AS city, o.order_date FROM sales.orders o;"
PYTHON_FILE = "pipeline/load.py"

Result = dict[str, Any]


@pytest.fixture(scope="module")
def workspace(make_warehouse: Callable[[], Path]) -> Path:
    root = make_warehouse()
    report = root / REPORT
    report.write_text(report.read_text(encoding="utf-8") + NON_ASCII_LINE + "\n", encoding="utf-8")
    (root / PYTHON_FILE).parent.mkdir()
    (root / PYTHON_FILE).write_text('import duckdb\n\nrows = duckdb.sql("SELECT 1").fetchall()\n', encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def e2e(nvim: Any, nvim_plugin: Path, workspace: Path, make_editor_home: Callable[[], Path]) -> Result:
    return nvim.run_script("e2e.lua", [str(workspace)], make_editor_home(), nvim_plugin)


def step(result: Result, name: str) -> None:
    """Fail with the Lua error when the script's step `name` failed."""
    assert name not in result["errors"], result["errors"][name]


def byte_span(text: str, line: int, token: str) -> dict[str, int | str]:
    """Where Neovim puts the first `token` on 0-based `line`: byte columns, end exclusive."""
    content = text.splitlines()[line]
    start = len(content[: content.index(token)].encode("utf-8"))
    return {"lnum": line, "col": start, "end_lnum": line, "end_col": start + len(token.encode("utf-8"))}


def located(diagnostics: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = ("code", "lnum", "col", "end_lnum", "end_col")
    return [{key: d[key] for key in keys} for d in diagnostics]


def test_plugin_attaches_to_sql_with_the_configured_interpreter(e2e: Result, workspace: Path) -> None:
    step(e2e, "attach")
    assert e2e["filetype"] == "sql"
    client = e2e["client"]
    assert client["cmd"] == [sys.executable, "-m", "domain_lsp", "serve"]
    assert Path(client["root_dir"]) == workspace  # the folder of domain-lsp.toml
    assert client["pulls"] is True


def test_server_command_resolution(e2e: Result) -> None:
    step(e2e, "resolve")
    resolve = e2e["resolve"]
    assert resolve["python"] == {"cmd": [sys.executable, "-m", "domain_lsp"], "origin": "g:domain_lsp_python"}
    assert resolve["path"] == {"cmd": ["domain-lsp"], "origin": "PATH"}
    assert resolve["fallback"] == {"cmd": ["python3", "-m", "domain_lsp"], "origin": "fallback"}


def test_diagnostics_at_the_offending_tokens(e2e: Result, workspace: Path) -> None:
    step(e2e, "diagnostics")
    text = (workspace / REPORT).read_text(encoding="utf-8")
    last = len(text.splitlines()) - 1
    expected = [
        {"code": "unknown-column", **byte_span(text, 3, "order_date")},
        {"code": "unknown-function", **byte_span(text, 4, "NVL")},
        {"code": "unknown-table", **byte_span(text, 5, "customers")},
        {"code": "ambiguous-column", **byte_span(text, 15, "customer_id")},
        {"code": "unknown-column", **byte_span(text, last, "order_date")},
    ]
    got = located(e2e["diagnostics"])
    for diagnostic in expected:
        assert diagnostic in got
    # the last one really is measured in bytes: 4 more than its character column
    assert byte_span(text, last, "order_date")["col"] == NON_ASCII_LINE.index("o.order_date") + 2 + 4
    assert {d["source"] for d in e2e["diagnostics"]} == {"domain-lsp"}
    assert all(d["severity"] == 1 for d in e2e["diagnostics"] if d["code"].startswith("unknown-"))


def test_hover_on_a_column(e2e: Result) -> None:
    step(e2e, "hover")
    hover = e2e["hover"]
    assert hover["kind"] == "markdown"
    assert "core.customer.full_name" in hover["value"]
    assert "TEXT" in hover["value"]
    assert "schema/01_core.sql" in hover["value"]


def test_definition_of_a_table(e2e: Result, workspace: Path) -> None:
    step(e2e, "definition")
    [location] = e2e["definition"]
    assert location["uri"].endswith("/schema/01_core.sql")
    ddl = (workspace / "schema" / "01_core.sql").read_text(encoding="utf-8")
    line = next(i for i, content in enumerate(ddl.splitlines()) if "CREATE TABLE core.customer " in content)
    assert location["range"]["start"]["line"] == line


def test_quick_fix_for_an_unknown_table(e2e: Result) -> None:
    step(e2e, "code_action")
    assert "Replace with `customer`" in e2e["code_actions"]


def test_completion_after_a_table_alias_lists_its_columns(e2e: Result) -> None:
    step(e2e, "completion")
    items = e2e["completion"]
    labels = {item["label"] for item in items}
    assert {"order_id", "customer_id", "ordered_at", "status", "channel"} <= labels
    assert all(item["kind"] == 5 for item in items)  # Field: columns only, no tables or keywords


def test_a_suggested_block_gets_a_code_lens_that_marks_it_reviewed(e2e: Result) -> None:
    step(e2e, "suggestion")
    suggestion = e2e["suggestion"]
    assert suggestion["title"].startswith("Suggestion: 1 unknown column")
    assert suggestion["reviewed"] is True  # the finding stays, without the suggestion mark


def test_the_suggestion_lens_sits_on_the_blocks_first_line(e2e: Result) -> None:
    step(e2e, "suggestion")
    assert e2e["suggestion"]["line"] == e2e["suggestion"]["block_line"]


def test_python_buffer_attaches_to_the_same_server_without_errors(e2e: Result) -> None:
    step(e2e, "python")
    python = e2e["python"]
    assert python["filetype"] == "python"
    assert python["client_id"] == e2e["client"]["id"]
    assert python["pulled"] == 0
    assert python["diagnostics"] == []


def test_python_findings_reach_neovim(e2e: Result, workspace: Path) -> None:
    step(e2e, "python")
    text = (workspace / "pipelines" / "crm_sync.py").read_text(encoding="utf-8")
    got = located(e2e["python"]["drafted"])
    assert {"code": "denied-package", **byte_span(text, 3, "requests")} in got
    assert {"code": "unknown-package", **byte_span(text, 4, "crm_bulk_sync")} in got


def test_no_server_errors_in_the_lsp_log(e2e: Result) -> None:
    step(e2e, "lsp_log")
    crashes = [line for line in e2e["lsp_log"] if "Traceback" in line or "Exception" in line]
    assert crashes == []
    errors = [n for n in e2e["notifications"] if n["level"] >= 4]  # vim.log.levels.ERROR
    assert errors == []


def test_reload_command_picks_up_schema_changed_on_disk(e2e: Result) -> None:
    step(e2e, "reload")
    assert {"message": "domain-lsp: catalog reloaded", "level": 2} in e2e["notifications"]
    codes = {(d["code"], d["lnum"]) for d in e2e["after_reload"]}
    assert ("unknown-column", 3) not in codes  # o.order_date now exists
    assert ("unknown-table", 5) in codes  # the rest is still reported


def test_saving_a_schema_file_refreshes_other_buffers(e2e: Result) -> None:
    step(e2e, "save")
    messages = [d["message"] for d in e2e["after_save"]]
    assert not any("signup_date" in message for message in messages)
    assert any("customers" in message for message in messages)


def test_saving_the_config_reloads_the_catalog(e2e: Result) -> None:
    step(e2e, "config_save")
    assert e2e["config_save"] == {"reloads": 1}


def test_catalog_command_shows_the_summary_in_a_scratch_buffer(e2e: Result) -> None:
    step(e2e, "catalog")
    catalog = e2e["catalog"]
    assert catalog["shown"] is True
    assert catalog["modifiable"] is False
    lines = catalog["lines"]
    assert lines[0].startswith("config: ") and lines[0].endswith("domain-lsp.toml")
    assert lines[1] == "dialect: postgres; search path: sales, core"
    counts, _seconds = lines[2].split("; loaded in ")
    assert WAREHOUSE_CATALOG.fullmatch(counts)  # worded as :checkhealth and VS Code word it
    assert lines[4] == "tables and views per schema:"
    assert {"  core: 3", "  marketing: 2", "  sales: 4"} <= set(lines)  # sales: 3 tables and the view order_revenue
    assert any(line.endswith("schema/01_core.sql (ddl): 3") for line in lines)


def test_checkhealth_reports_server_config_and_client(e2e: Result, workspace: Path) -> None:
    step(e2e, "checkhealth")
    lines = e2e["checkhealth"]
    assert any(line.endswith(f"OK server found: domain-lsp {__version__}") for line in lines)
    assert any(f"OK config found: {workspace / 'domain-lsp.toml'}" in line for line in lines)
    assert any(line.endswith("OK config valid, schema sources load") for line in lines)
    assert any("OK client" in line and "4 buffer(s) attached" in line for line in lines)
    # the counts are the running server's answer, not a second load by the CLI
    [loaded] = [line for line in lines if "loaded for" in line]
    assert loaded.startswith(f"- server loaded for {workspace / 'domain-lsp.toml'}: ")
    assert WAREHOUSE_CATALOG.fullmatch(loaded.split(": ", 1)[1])
    assert not any("no server running" in line for line in lines)
    assert not any("ERROR" in line or "WARNING" in line for line in lines)


def test_help_works_with_the_shipped_tags(e2e: Result) -> None:
    step(e2e, "help")  # no :helptags run: the plugin's doc/tags is used as shipped
    assert e2e["help"] == {
        "domain_lsp": True,
        "domain_lsp-server": True,
        ":DomainLsp": True,
        "g:domain_lsp_python": True,
    }


def test_checkhealth_reports_broken_configs_and_a_missing_server(
    nvim: Any, nvim_plugin: Path, make_editor_home: Callable[[], Path]
) -> None:
    home = make_editor_home()
    broken = home / "broken"
    broken.mkdir()
    (broken / "domain-lsp.toml").write_text('[sql]\ndialect = "postgres"\nschemas = 5\n', encoding="utf-8")
    missing = home / "missing"
    missing.mkdir()
    (missing / "domain-lsp.toml").write_text('[sql]\nschemas = ["ddl/*.sql"]\n', encoding="utf-8")
    unparsable = home / "unparsable"
    unparsable.mkdir()
    (unparsable / "domain-lsp.toml").write_text('[sql]\nschemas = ["s.sql"]\n', encoding="utf-8")
    (unparsable / "s.sql").write_text("CREATE TABLE t (a int;\nCREATE TABLE u (b int);\n", encoding="utf-8")
    pyproject = home / "pyproject"
    pyproject.mkdir()
    (pyproject / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.domain-lsp.sql]\ndialect = "duckdb"\n', encoding="utf-8"
    )
    discovered = home / "discovered"  # no config: the schema files in the folder are found, as the server finds them
    shutil.copytree(WAREHOUSE / "schema", discovered / "schema")
    bare = home / "bare"
    bare.mkdir()
    (bare / "pyproject.toml").write_text('[project]\nname = "y"\n\n[tool.ruff]\nline-length = 100\n', encoding="utf-8")
    folders = [str(broken), str(missing), str(unparsable), str(pyproject), str(discovered), str(bare)]
    result = nvim.run_script("checkhealth.lua", folders, home, nvim_plugin)
    assert result["errors"] == {}
    runs = result["runs"]
    broken_run = "\n".join(runs[str(broken)])
    assert "ERROR config invalid:" in broken_run and "schemas" in broken_run
    missing_run = "\n".join(runs[str(missing)])
    assert "OK config found" in missing_run
    assert "WARNING" in missing_run and "schema glob `ddl/*.sql` matches no file" in missing_run
    unparsable_run = "\n".join(runs[str(unparsable)])
    assert "WARNING s.sql:1:" in unparsable_run  # the source, with the line of its problem
    assert "OK config valid" not in unparsable_run
    pyproject_run = "\n".join(runs[str(pyproject)])
    assert "OK config found: pyproject.toml" in pyproject_run and "OK config valid" in pyproject_run
    discovered_run = runs[str(discovered)]
    assert any("no domain-lsp.toml or [tool.domain-lsp]" in line for line in discovered_run)
    counts = "- catalog (no server running for these files to ask): "
    [line] = [line for line in discovered_run if line.startswith(counts)]
    assert WAREHOUSE_CATALOG.fullmatch(line.removeprefix(counts))
    # a pyproject.toml without [tool.domain-lsp] is not a config
    assert "no domain-lsp.toml or [tool.domain-lsp]" in "\n".join(runs[str(bare)])

    nowhere = str(home / "no-such-venv" / "bin" / "python")
    result = nvim.run_script("checkhealth.lua", [str(bare)], home, nvim_plugin, python=nowhere)
    assert any(f"ERROR `{nowhere}` is not executable" in line for line in result["runs"][str(bare)])


DOCS = Path(__file__).resolve().parents[2] / "docs" / "editors.md"
# The sequence from issue 19 (a space trigger plus Neovim's default 'completeopt' turned it into
# `SELECT DISTINCTo.status, CASEo.ordered_at`), then Enter pressed while the menu is open.
TYPED = (
    "SELECT o.status, o.ordered_at\nFROM sales.orders o;\nSELECT o.status\nFROM sales.orders o\nWHERE o.status = 'x';"
)


def documented_neovim_config() -> str:
    """The init.lua docs/editors.md tells a Neovim user to write: its Install and Completion blocks."""
    neovim = DOCS.read_text(encoding="utf-8").split("\n## Neovim\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```lua\n(.*?)```", neovim, flags=re.DOTALL)
    install = next(block for block in blocks if "vim.lsp.enable('domain_lsp')" in block)
    completion = next(block for block in blocks if "autotrigger = true" in block)
    return install + completion


def test_typing_with_the_documented_completion_setup_keeps_the_text(
    nvim: Any, nvim_plugin: Path, make_warehouse: Callable[[], Path], make_editor_home: Callable[[], Path]
) -> None:
    workspace, home = make_warehouse(), make_editor_home()
    init = home / "init.lua"
    init.write_text(documented_neovim_config(), encoding="utf-8")
    typed = workspace / "queries" / "typed.sql"
    result = nvim.run_script("typing.lua", [str(workspace), str(init), str(typed), TYPED], home, nvim_plugin)
    assert result["errors"] == {}
    assert result["completeopt"] == "menuone,noselect,popup"
    assert result["buffer"] == TYPED.split("\n")
    # completion really was on: the menu opened while typing
    assert any(key["menu"] for key in result["keys"])
    # and no key changed more than itself: after each, the line is what was typed of it so far
    typed = ""
    for key in result["keys"]:
        typed += key["key"]
        assert key["line"] == typed.rsplit("\n", 1)[-1], key


def test_shipped_help_tags_are_current(nvim: Any, tmp_path: Path) -> None:
    """doc/tags is what :helptags makes of doc/domain_lsp.txt today (`make nvim-helptags` writes it)."""
    doc = tmp_path / "doc"
    doc.mkdir()
    shutil.copy(NVIM_PLUGIN / "doc" / "domain_lsp.txt", doc)
    command = [nvim.binary, "--headless", "--clean", "-c", f"helptags {doc}", "-c", "quit"]
    subprocess.run(command, env=isolated_env(tmp_path), check=True, capture_output=True, timeout=60)
    shipped = (NVIM_PLUGIN / "doc" / "tags").read_text(encoding="utf-8")
    assert shipped == (doc / "tags").read_text(encoding="utf-8"), "run `make nvim-helptags` and commit doc/tags"
