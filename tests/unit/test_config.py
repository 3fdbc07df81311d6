"""Config discovery and validation: every problem names the file, the key and the line."""

from __future__ import annotations

import os
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


def test_a_link_is_governed_by_the_config_of_the_folder_that_holds_it(tmp_path: Path) -> None:
    team = write(tmp_path / "team" / "domain-lsp.toml", "")
    other = write(tmp_path / "other" / "domain-lsp.toml", "")
    target = write(tmp_path / "other" / "q.sql", "")
    link = tmp_path / "team" / "0.sql"
    link.symlink_to(target)
    assert find_config(link) == team  # not `other`, where the link points
    assert find_config(target) == other
    (tmp_path / ".git").mkdir()
    (tmp_path / "team" / "null.sql").symlink_to("/dev/null")
    assert workspace_root(tmp_path / "team" / "null.sql") == tmp_path.resolve()  # not /dev


def test_a_linked_config_keeps_the_name_it_is_written_under(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the link and its target are in one repository
    shared = write(tmp_path / "shared.toml", '[sql]\ndialect = "duckdb"\n')
    link = tmp_path / "team" / "domain-lsp.toml"
    link.parent.mkdir()
    link.symlink_to(shared)
    config = load_config(find_config(link.parent) or link)
    assert (config.path, config.root, config.sql.dialect) == (link, link.parent.resolve(), "duckdb")


def test_a_config_that_is_no_regular_file_fails_loudly(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "domain-lsp.toml")  # reading it would block
    found = find_config(tmp_path / "q.sql")
    assert found == tmp_path / "domain-lsp.toml"  # not skipped for a config further up
    assert error_of(found).problem == "not a regular file"
    (tmp_path / "domain-lsp.toml").unlink()
    (tmp_path / "domain-lsp.toml").symlink_to(tmp_path / "gone.toml")
    assert "no such file" in error_of(tmp_path / "domain-lsp.toml").problem


@pytest.mark.parametrize(
    "pattern",
    ["schema/*.sql", "**/*.sql", "../shared/*.sql", "/abs/schema/*.sql", "models.yaml", "./a.sql"],
)
def test_file_globs_are_accepted(tmp_path: Path, pattern: str) -> None:
    config = load_config(write(tmp_path / "domain-lsp.toml", f'[sql]\nschemas = ["{pattern}"]\n'))
    assert config.sql.schemas == (pattern,)


@pytest.mark.parametrize("pattern", [".", "..", "**", "schema/", "schema/**", "a/..", "./"])
@pytest.mark.parametrize("key", ["sql.schemas", "packages.inventory"])
def test_globs_naming_folders_are_config_errors(tmp_path: Path, pattern: str, key: str) -> None:
    table, name = key.split(".")
    path = write(tmp_path / "domain-lsp.toml", f'[{table}]\n{name} = ["{pattern}"]\n')
    error = error_of(path)
    assert (error.key, error.line) == (key, 2)
    assert error.problem.startswith(f"`{pattern}` names folders, not files")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[sql]\nschemas = ["a\\u0000b"]\n', "sql.schemas"),
        ('[sql]\ndialect = "postgres\\u0000"\n', "sql.dialect"),
        ('[packages]\ninventory = "r\\u0000.txt"\n', "packages.inventory"),
        ('[packages]\nindex = "https://x\\u0000"\n', "packages.index"),
        ('[python]\nenvironment = "\\u0000"\n', "python.environment"),
        ('[[sql.sources]]\nkind = "duckdb"\npath = "x\\u0000"\n', "sql.sources[1].path"),
    ],
)
def test_a_nul_character_is_a_config_error_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    error = error_of(write(tmp_path / "domain-lsp.toml", text))
    assert (error.key, error.problem) == (key, "holds a NUL character (\\u0000)")


def test_nesting_is_bounded_before_parsing(tmp_path: Path) -> None:
    at_bound = "x = " + "[" * 64 + "]" * 64 + "\n"
    assert error_of(write(tmp_path / "domain-lsp.toml", at_bound)).key == "x"  # parsed, then judged
    # Brackets inside strings and comments are not nesting.
    quoted = '[sql]\ndialect = "duckdb"\n# ' + "[" * 100 + '\nsearch_path = ["' + "{" * 100 + '"]\n'
    assert load_config(write(tmp_path / "domain-lsp.toml", quoted)).sql.search_path == ("{" * 100,)
    for opener, closer in (("[", "]"), ("{a = ", "}")):
        text = 'a = """\n[[[\n"""\nx = ' + opener * 65 + ("1" if opener != "[" else "") + closer * 65 + "\n"
        error = error_of(write(tmp_path / "domain-lsp.toml", text))
        assert (error.line, error.problem) == (4, "arrays or inline tables nested more than 64 deep")


def test_a_config_larger_than_1_mb_is_refused(tmp_path: Path) -> None:
    error = error_of(write(tmp_path / "domain-lsp.toml", "# " + "x" * (1024 * 1024) + "\n"))
    assert error.problem == "larger than 1 MB; a config is refused rather than read"
