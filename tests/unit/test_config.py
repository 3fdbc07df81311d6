"""Config discovery and validation: every problem names the file, the key and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain_lsp.config import (
    Config,
    ConfigError,
    SqlSettings,
    config_for,
    dialect_names,
    find_config,
    load_config,
    workspace_root,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value


def test_full_config_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path / "domain-lsp.toml",
        '[sql]\ndialect = "Postgres"\nschemas = ["schema/*.sql", "models.yaml"]\nsearch_path = ["sales", "core"]\n',
    )
    config = load_config(path)
    assert config == Config(
        root=tmp_path.resolve(),
        path=path.resolve(),
        sql=SqlSettings(dialect="postgres", schemas=("schema/*.sql", "models.yaml"), search_path=("sales", "core")),
    )


def test_empty_file_gives_defaults_that_discover_schemas(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "domain-lsp.toml", ""))
    assert config.sql == SqlSettings(dialect="", schemas=None, search_path=())


def test_a_single_string_is_a_one_item_list(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "domain-lsp.toml", '[sql]\nschemas = "ddl.sql"\nsearch_path = "sales"\n'))
    assert config.sql.schemas == ("ddl.sql",)
    assert config.sql.search_path == ("sales",)


def test_pyproject_tool_table(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.domain-lsp.sql]\ndialect = "duckdb"\nsearch_path = ["main"]\n',
    )
    assert find_config(tmp_path / "sub" / "q.sql") == path
    config = load_config(path)
    assert config.sql.dialect == "duckdb"
    assert config.sql.search_path == ("main",)


def test_pyproject_without_the_tool_table_is_not_a_config(tmp_path: Path) -> None:
    # Our own pyproject.toml names a `domain-lsp` script: that must not count.
    write(tmp_path / "pyproject.toml", '[project.scripts]\ndomain-lsp = "domain_lsp.cli:main"\n')
    assert find_config(tmp_path) is None
    assert "no [tool.domain-lsp] table" in str(error_of(tmp_path / "pyproject.toml"))


def test_discovery_walks_upward_and_prefers_the_nearest(tmp_path: Path) -> None:
    outer = write(tmp_path / "domain-lsp.toml", "")
    inner = write(tmp_path / "a" / "pyproject.toml", '[tool."domain-lsp"]\n')
    file = write(tmp_path / "a" / "b" / "q.sql", "")
    assert find_config(file) == inner
    assert find_config(tmp_path / "a" / "b") == inner
    assert find_config(tmp_path) == outer
    both = write(tmp_path / "a" / "domain-lsp.toml", "")
    assert find_config(file) == both  # domain-lsp.toml wins in the same folder


def test_without_config_the_workspace_is_the_repository(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    file = write(tmp_path / "a" / "q.sql", "")
    assert workspace_root(file) == tmp_path.resolve()
    assert config_for(file) == Config(root=tmp_path.resolve())


def test_without_config_or_repository_the_workspace_is_the_folder(tmp_path: Path) -> None:
    file = write(tmp_path / "a" / "q.sql", "")
    if workspace_root(file) != (tmp_path / "a").resolve():
        pytest.skip("tmp_path lies inside a repository here")
    assert config_for(tmp_path / "a") == Config(root=(tmp_path / "a").resolve())


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("[sql]\ndialect = \n", 2, "invalid TOML: Invalid value (column 11)"),
        ("[sql\n", 1, "invalid TOML: Expected ']' at the end of a table declaration (column 5)"),
        ('[sql]\ndialect = "x', 2, "invalid TOML: Unterminated string at the end of the file"),
    ],
)
def test_invalid_toml_names_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path / "domain-lsp.toml", text)
    error = error_of(path)
    assert error.line == line
    assert str(error) == f"{path}:{line}: {message}"


@pytest.mark.parametrize(
    ("text", "line", "key", "problem"),
    [
        ('[sql]\ndialect = "postgres"\nschema = ["x"]\n', 3, "sql.schema", "unknown key; did you mean `schemas`?"),
        ('[sqll]\ndialect = "duckdb"\n', 1, "sqll", "unknown key; did you mean `sql`?"),
        ("[sql]\nflavour = 1\n", 2, "sql.flavour", "unknown key; known keys: dialect, schemas, search_path, sources"),
        ('sql = "postgres"\n', 1, "sql", "expected a table, got a string"),
        ("[sql]\ndialect = 5\n", 2, "sql.dialect", "expected a string, got an integer"),
        ("[sql]\nsearch_path = true\n", 2, "sql.search_path", "expected a list of strings, got a boolean"),
        ('[sql]\nschemas = ["a.sql", 3]\n', 2, "sql.schemas", "expected a list of strings, one item is an integer"),
        ('[sql]\nschemas = [""]\n', 2, "sql.schemas", "expected a list of strings, one item is empty"),
        ('[sql]\ndialect = "postgresql"\n', 2, "sql.dialect", "unknown dialect `postgresql`; did you mean `postgres`?"),
        ('[sql]\ndialect = "snowflak"\n', 2, "sql.dialect", "unknown dialect `snowflak`; did you mean `snowflake`?"),
        (
            '[sql]\ndialect = "qqq"\n',
            2,
            "sql.dialect",
            "unknown dialect `qqq`; see docs/configuration.md for the dialect names",
        ),
    ],
)
def test_invalid_values_name_key_line_and_problem(tmp_path: Path, text: str, line: int, key: str, problem: str) -> None:
    path = write(tmp_path / "domain-lsp.toml", text)
    error = error_of(path)
    assert (error.key, error.line, error.problem) == (key, line, problem)
    assert str(error) == f"{path}:{line}: {key}: {problem}"


def test_pyproject_errors_use_the_full_key_and_skip_other_tools(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[tool.sqlfluff.core]\ndialect = "ansi"\n\n[tool.domain-lsp.sql]\ndialect = "postgress"\n',
    )
    error = error_of(path)
    assert error.key == "tool.domain-lsp.sql.dialect"
    assert error.line == 5  # not line 2, where another tool has the same key
    assert "did you mean `postgres`?" in error.problem


def test_unreadable_config_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "domain-lsp.toml"
    path.write_bytes(b"[sql]\ndialect = '\xff'\n")
    assert "not UTF-8" in str(error_of(path))


def test_dialect_names_are_sqlglots() -> None:
    names = dialect_names()
    assert {"postgres", "duckdb", "sqlite", "bigquery", "snowflake", "tsql"} <= set(names)
    assert "" not in names
