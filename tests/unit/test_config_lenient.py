"""A lenient load (the language server's) keeps every valid key when others are wrong; a strict
load (`check`) stops at the first problem, as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain_lsp.config import ConfigError, load_config

CONFIG = """[sql]
dialekt = "postgres"
dialect = "duckdb"
search_path = ["sales", 3]
schemas = ["schema/*.sql"]

[packages]
deny = { requests = "use httpx" }
inventory = "requirements.txt"
alow = ["x"]

[[sql.sources]]
kind = "sqlite"
path = "a.db"
timout = 3

[[sql.sources]]
kind = "nosuch"
path = "b.db"

[diagnostics]
ignore = ["unknown-colum"]
severity = { "unknown-table" = "warning" }
"""


def test_each_bad_key_is_a_problem_and_keeps_its_default(tmp_path: Path) -> None:
    path = tmp_path / "domain-lsp.toml"
    path.write_text(CONFIG, encoding="utf-8")
    config = load_config(path, lenient=True)
    problems = [(p.key, p.line) for p in config.problems]
    assert problems == [
        ("sql.dialekt", 2),
        ("sql.search_path", 4),
        ("packages.alow", 10),
        ("sql.sources[1].timout", 15),
        ("sql.sources[2].kind", 18),
        ("diagnostics.ignore", 22),
    ]
    assert "did you mean `dialect`?" in config.problems[0].problem
    # Every valid key applies.
    assert config.sql.dialect == "duckdb"
    assert config.sql.schemas == ("schema/*.sql",)
    assert config.sql.search_path == ()  # its value was wrong: the default
    assert config.packages.deny == (("requests", "use httpx"),)
    assert config.packages.inventory == ("requirements.txt",)
    assert [source.path for source in config.sql.sources] == ["a.db"]  # the unknown kind's entry is left out
    assert config.diagnostics.severity == (("unknown-table", "warning"),)


def test_a_strict_load_raises_the_first_problem(tmp_path: Path) -> None:
    path = tmp_path / "domain-lsp.toml"
    path.write_text(CONFIG, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sql\.dialekt: unknown key"):
        load_config(path)


def test_a_clean_config_has_no_problems(tmp_path: Path) -> None:
    path = tmp_path / "domain-lsp.toml"
    path.write_text('[sql]\ndialect = "postgres"\n', encoding="utf-8")
    assert load_config(path, lenient=True).problems == ()


def test_toml_that_does_not_parse_still_raises(tmp_path: Path) -> None:
    path = tmp_path / "domain-lsp.toml"
    path.write_text("[sql\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(path, lenient=True)
