"""A CI gate that a typo cannot disarm (issue 15): whatever the config names that is not there
fails the run with an error on the config line; discovery stops where the project stops.

Every case runs `domain-lsp check` as a process, with a timeout that turns a hang into a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TIMEOUT = 120


def check(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("CI", "DOMAIN_LSP_TRUST")}
    environment["DOMAIN_LSP_CACHE_DIR"] = str(root.parent / "cache")
    return subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", *args],
        cwd=root,
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )


def findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """The JSON report's diagnostics, each with a 1-based `line` and `column` as the text shows."""
    report = json.loads(result.stdout)
    return [
        {**d, "line": d["range"]["start"]["line"] + 1, "column": d["range"]["start"]["character"] + 1}
        for d in report["diagnostics"]
    ]


def workspace(tmp_path: Path, config: str) -> Path:
    root = tmp_path / "repo"
    (root / "schema").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "schema" / "t.sql").write_text("CREATE TABLE t (a int);\n", encoding="utf-8")
    (root / "q.sql").write_text("SELECT a FROM t;\n", encoding="utf-8")
    (root / "domain-lsp.toml").write_text(config, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("config", "value", "message"),
    [
        ('[sql]\nschemas = ["schemas/*.sql"]\n', "schemas/*.sql", "schema glob `schemas/*.sql` matches no file"),
        (
            '[sql]\nschemas = ["schema/*.sql"]\n[packages]\ninventory = ["reqs.txt"]\n',
            "reqs.txt",
            "inventory glob `reqs.txt` matches no file",
        ),
        (
            '[sql]\nschemas = ["schema/*.sql"]\n[python]\nenvironment = ".venv-gone"\n',
            ".venv-gone",
            "python.environment `.venv-gone` does not exist",
        ),
    ],
    ids=["schema-glob", "inventory-glob", "environment"],
)
def test_what_the_config_names_and_is_not_there_fails_the_run_at_its_value(
    tmp_path: Path, config: str, value: str, message: str
) -> None:
    root = workspace(tmp_path, config)
    result = check(root, "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    [finding] = [f for f in findings(result) if f["code"] == "missing-input"]
    assert finding["severity"] == "error"
    assert message in finding["message"]
    assert finding["path"].endswith("domain-lsp.toml")
    line = config.splitlines()[finding["line"] - 1]
    assert line[finding["column"] - 1 :].startswith(value), (line, finding)


def test_the_same_workspace_with_its_inputs_there_passes(tmp_path: Path) -> None:
    config = '[sql]\nschemas = ["schema/*.sql"]\n[packages]\ninventory = ["requirements.txt"]\n'
    root = workspace(tmp_path, config)
    (root / "requirements.txt").write_text("httpx\n", encoding="utf-8")
    result = check(root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "missing-input" not in result.stdout


def test_a_live_source_with_no_copy_is_an_error_and_fails_the_run(tmp_path: Path) -> None:
    config = '[sql]\nschemas = ["schema/*.sql"]\n\n[[sql.sources]]\nkind = "sqlite"\npath = "gone.db"\n'
    root = workspace(tmp_path, config)
    result = check(root, "--format", "json", env={"DOMAIN_LSP_TRUST": "1"})
    assert result.returncode == 1, result.stdout + result.stderr
    sources = [f for f in findings(result) if f["code"] == "source-error"]
    assert sources and all(f["severity"] == "error" for f in sources), sources


@pytest.mark.parametrize("option", ["--select", "--ignore"])
@pytest.mark.parametrize("value", ["", " , ", "no-such-code"])
def test_an_empty_or_unknown_code_list_is_a_usage_error(tmp_path: Path, option: str, value: str) -> None:
    root = workspace(tmp_path, '[sql]\nschemas = ["schema/*.sql"]\n')
    result = check(root, f"{option}={value}", "q.sql")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{option}:" in result.stderr and result.stdout == ""


def strict_workspace(tmp_path: Path) -> Path:
    root = workspace(tmp_path, '[sql]\nschemas = ["schema/*.sql"]\n')
    (root / "requirements.txt").write_text("# ours\nzzdeclared-notinstalled>=1\nhttpx\n", encoding="utf-8")
    (root / "a.py").write_text("import zzdeclared_notinstalled\nimport zz_invented_helper\n", encoding="utf-8")
    return root


def test_in_ci_a_declared_package_not_installed_fails_the_run_at_its_declaration(tmp_path: Path) -> None:
    root = strict_workspace(tmp_path)
    relaxed = check(root, "--format", "json")
    assert relaxed.returncode == 0, relaxed.stdout  # outside CI the unknown import is only a hint
    assert [f["severity"] for f in findings(relaxed) if f["code"] == "unknown-package"] == ["hint"]

    for how in ({"env": {"CI": "true"}}, {"args": ("--strict",)}):
        args: tuple[str, ...] = how.get("args", ())  # type: ignore[assignment]
        env: dict[str, str] | None = how.get("env")  # type: ignore[assignment]
        result = check(root, "--format", "json", *args, env=env)
        assert result.returncode == 1, result.stdout + result.stderr
        [missing] = [f for f in findings(result) if f["code"] == "missing-input"]
        assert missing["path"].endswith("requirements.txt")
        assert (missing["line"], missing["column"]) == (2, 1)
        assert "`zzdeclared-notinstalled` is declared but not installed" in missing["message"]
        # The import itself stays a hint: whether the package provides it cannot be told.
        assert [f["severity"] for f in findings(result) if f["code"] == "unknown-package"] == ["hint"]

    assert check(root, "--no-strict", env={"CI": "true"}).returncode == 0


def test_discovery_does_not_enter_a_nested_repository_or_another_project(tmp_path: Path) -> None:
    root = tmp_path / "top"
    (root / ".git").mkdir(parents=True)
    (root / "top.sql").write_text("CREATE TABLE top_t (a int);\n", encoding="utf-8")
    nested = root / "vendor" / "other"
    (nested / ".git").mkdir(parents=True)
    (nested / "s.sql").write_text("CREATE TABLE nested_t (a int);\n", encoding="utf-8")
    configured = root / "services" / "billing"
    configured.mkdir(parents=True)
    (configured / "domain-lsp.toml").write_text("[sql]\n", encoding="utf-8")
    (configured / "s.sql").write_text("CREATE TABLE billing_t (a int);\n", encoding="utf-8")
    (root / "q.sql").write_text("SELECT a FROM nested_t;\nSELECT a FROM billing_t;\n", encoding="utf-8")
    result = check(root, "--format", "json", "q.sql")
    assert result.returncode == 1, result.stdout + result.stderr
    assert sorted((f["line"], f["code"]) for f in findings(result)) == [(1, "unknown-table"), (2, "unknown-table")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_a_fifo_named_like_sql_does_not_hang_discovery(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    os.mkfifo(root / "trap.sql")
    (root / "t.sql").write_text("CREATE TABLE t (a int);\n", encoding="utf-8")
    (root / "one.sql").write_text("SELECT b FROM t;\n", encoding="utf-8")
    result = check(root, "one.sql")  # the timeout fails the test on a hang
    assert result.returncode == 1 and "unknown-column" in result.stdout, result.stdout + result.stderr
