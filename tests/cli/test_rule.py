"""`domain-lsp rule CODE`: the registry's doc of a code, and its section of rules.md in a checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from domain_lsp.findings import RULES
from tests.cli.process import TIMEOUT, cli_env, run_cli

PACKAGE = Path(__file__).resolve().parents[2] / "domain_lsp"


def test_every_code_has_a_doc(tmp_path: Path) -> None:
    for code, rule in RULES.items():
        result = run_cli(tmp_path, "rule", code)
        assert (result.returncode, result.stderr) == (0, ""), code
        assert result.stdout.startswith(f"{code} ({rule.severity.label})\n\n{rule.summary}\n"), code
        assert result.stdout.endswith(f"Docs: {rule.href}\n"), code


def test_a_checkout_prints_the_section_of_rules_md(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "rule", "unknown-column")
    assert result.returncode == 0, result.stderr
    assert "**Severity:** error  ·  **Fix offered:** replace with the closest column names" in result.stdout
    assert "SELECT order_date FROM sales.orders;" in result.stdout
    assert "## ambiguous-column" not in result.stdout  # the section ends at the next heading


def test_an_installed_package_without_docs_prints_the_registry_doc(tmp_path: Path) -> None:
    # A wheel ships domain_lsp/ and no docs/: copy the package alone, as site-packages holds it,
    # beside another project's docs/rules.md, which must not be taken for ours.
    site = tmp_path / "site-packages"
    shutil.copytree(PACKAGE, site / "domain_lsp", ignore=shutil.ignore_patterns("__pycache__"))
    (site / "docs").mkdir()
    (site / "docs" / "rules.md").write_text("# Rules\n\n## unknown-column\n\nsomeone else's text\n")
    env = cli_env(tmp_path, PYTHONPATH=str(site))
    result = run_cli(tmp_path, "rule", "unknown-column", env=env)
    assert result.returncode == 0, result.stderr
    rule = RULES["unknown-column"]
    assert result.stdout == f"unknown-column (error)\n\n{rule.summary}\n\nDocs: {rule.href}\n"
    where = subprocess.run(
        [sys.executable, "-c", "import domain_lsp; print(domain_lsp.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert Path(where.stdout.strip()).parent == site / "domain_lsp"  # the copy ran, not the checkout


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("unknown-colum", "unknown code `unknown-colum`; did you mean `unknown-column`"),
        ("nothing-like-it", "unknown code `nothing-like-it`; `domain-lsp rule` lists the codes"),
    ],
)
def test_an_unknown_code_exits_2_with_a_suggestion(tmp_path: Path, code: str, message: str) -> None:
    result = run_cli(tmp_path, "rule", code)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"domain-lsp: error: {message}") and result.stderr.count("\n") == 1


def test_without_a_code_every_code_is_listed(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "rule")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(RULES)
    assert all(line.split()[1] == RULES[line.split()[0]].severity.label for line in lines)
