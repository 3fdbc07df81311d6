"""A cloned repository is data: `check` and the server parse its files and never import or run
them. Every planted file writes a marker when executed; no marker may appear.

Both are started with the workspace as the current folder, as editors and CI do: through the
`domain-lsp` console script, and as `python -m domain_lsp` (what the VS Code extension runs),
where Python itself puts the current folder first on sys.path. The planted modules include
names the tool imports lazily (tomllib, pglast, yaml...), so a workspace module shadowing a
dependency is caught too.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_driver import Driver
from lsprotocol import types

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"
PLANTED = [
    "conftest.py",
    "sitecustomize.py",
    "usercustomize.py",
    "setup.py",
    "noxfile.py",
    "pkg/__init__.py",
    "pkg/queries.py",
    "tests/conftest.py",
    # Lazily imported dependencies a workspace module could shadow:
    "pglast.py",
    "yaml.py",
    "duckdb.py",
    "sqlglot_extra.py",
    "jedi.py",
    "httpx.py",
    "psycopg.py",
    "tomllib.py",
]
FAKE_PYTHON = ".venv/bin/python"
SCRIPT = Path(sys.executable).with_name("domain-lsp")
LAUNCHES = [
    pytest.param([str(SCRIPT)], id="console-script"),
    pytest.param([sys.executable, "-m", "domain_lsp"], id="python-m"),
]


def marker_code(root: Path, name: str) -> str:
    marker = root / "markers" / name.replace("/", "_")
    return f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n"


def plant(root: Path) -> None:
    (root / "markers").mkdir()
    for name in PLANTED:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        code = marker_code(root, name)
        if name == "pkg/queries.py":  # also real work for the analysis: SQL in a string
            code += 'cur.execute("SELECT nope FROM sales.orders")\n'
        path.write_text(code)
    python = root / FAKE_PYTHON
    python.parent.mkdir(parents=True)
    python.write_text(f"#!/bin/sh\ntouch {root / 'markers' / 'venv_python'}\nexit 1\n")
    python.chmod(python.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    (root / "catalog.yaml").write_text("extra:\n  widgets:\n    widget_id: int\n")
    (root / "domain-lsp.toml").write_text(
        '[sql]\ndialect = "postgres"\nschemas = ["schema/*.sql", "catalog.yaml"]\nsearch_path = ["sales", "core"]\n'
    )


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root)
    plant(root)
    return root


def markers(root: Path) -> set[str]:
    return {p.name for p in (root / "markers").iterdir()}


def run_check(root: Path, *args: str, launch: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [*(launch or [str(SCRIPT)]), "check", *args],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("launch", LAUNCHES)
def test_check_never_imports_or_runs_workspace_code(hostile: Path, launch: list[str]) -> None:
    result = run_check(hostile, launch=launch)
    assert result.returncode == 1, result.stderr
    assert "pkg/queries.py:3:" in result.stdout  # the planted files were analysed as text
    assert markers(hostile) - {"venv_python"} == set()


@pytest.mark.parametrize("launch", LAUNCHES)
def test_server_never_imports_or_runs_workspace_code(hostile: Path, launch: list[str]) -> None:
    driver = Driver(hostile, "neovim", env={"PYTHONPATH": "", "VIRTUAL_ENV": ""}, command=[*launch, "serve"])
    driver.start()
    try:
        for name in ["queries/monthly_revenue.sql", *[n for n in PLANTED if n.endswith(".py")]]:
            uri = (hostile / name).as_uri()
            text = (hostile / name).read_text()
            driver.open(uri, text, "sql" if name.endswith(".sql") else "python")
            driver.pull(uri)
            document = types.TextDocumentIdentifier(uri)
            for line in range(min(3, text.count("\n") + 1)):
                position = types.Position(line, 5)
                driver.request(types.TEXT_DOCUMENT_HOVER, types.HoverParams(document, position))
                driver.request(types.TEXT_DOCUMENT_COMPLETION, types.CompletionParams(document, position))
                driver.request(types.TEXT_DOCUMENT_DEFINITION, types.DefinitionParams(document, position))
            driver.request(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensParams(document))
        driver.request(types.WORKSPACE_EXECUTE_COMMAND, types.ExecuteCommandParams("domain-lsp.reloadCatalog"))
        assert driver.alive()
    finally:
        driver.stop()
    assert markers(hostile) - {"venv_python"} == set()


def test_untrusted_mode_does_not_even_run_the_workspace_interpreter(hostile: Path) -> None:
    result = run_check(hostile, "--no-probe")
    assert result.returncode in (0, 1), result.stderr
    assert markers(hostile) == set()


def test_untrusted_server_does_not_even_run_the_workspace_interpreter(hostile: Path) -> None:
    driver = Driver(
        hostile, "vscode", env={"PYTHONPATH": "", "VIRTUAL_ENV": ""}, initialization_options={"trusted": False}
    )
    driver.start()
    try:
        for name in ("pkg/queries.py", "setup.py", "queries/monthly_revenue.sql"):
            uri = (hostile / name).as_uri()
            text = (hostile / name).read_text()
            driver.open(uri, text, "python" if name.endswith(".py") else "sql")
            driver.pushed(uri, 1)
            document = types.TextDocumentIdentifier(uri)
            position = types.Position(0, 7)  # `pathlib` in `import pathlib`: jedi would start the interpreter
            driver.request(types.TEXT_DOCUMENT_HOVER, types.HoverParams(document, position))
            driver.request(types.TEXT_DOCUMENT_COMPLETION, types.CompletionParams(document, position))
        assert driver.alive()
    finally:
        driver.stop()
    assert markers(hostile) == set()
