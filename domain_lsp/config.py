"""Typed settings from `domain-lsp.toml` or `[tool.domain-lsp]` in `pyproject.toml`.

Every key has a default, so a workspace without a config file works. A broken file raises
`ConfigError` naming the file, the key and the problem; front-ends decide how to show it.
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILE = "domain-lsp.toml"
PYPROJECT = "pyproject.toml"


class ConfigError(Exception):
    """An invalid configuration: `path:line: key: problem`."""

    def __init__(self, path: Path, key: str, problem: str, line: int | None = None) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        self.line = line  # 1-based, when known
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {key}: {problem}" if key else f"{where}: {problem}")


@dataclass(frozen=True)
class SqlSettings:
    dialect: str = ""
    """A sqlglot dialect name; "" is sqlglot's generic dialect."""
    schemas: tuple[str, ...] | None = None
    """Globs of schema sources relative to the config file; None discovers them."""
    search_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    root: Path
    """The folder that relative paths and globs start from."""
    path: Path | None = None
    """The file the settings came from; None for the defaults."""
    sql: SqlSettings = field(default_factory=SqlSettings)


def dialect_names() -> list[str]:
    from sqlglot.dialects.dialect import Dialects

    return sorted(d.value for d in Dialects if d.value)


def find_config(start: Path) -> Path | None:
    """The nearest domain-lsp.toml, or pyproject.toml with [tool.domain-lsp], at or above start."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        own = candidate / CONFIG_FILE
        if own.is_file():
            return own
        pyproject = candidate / PYPROJECT
        if pyproject.is_file() and _declares_tool_table(pyproject):
            return pyproject
    return None


def _declares_tool_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"^\s*\[tool\.domain-lsp(\.|\])", text, re.MULTILINE) is not None


def load_config(path: Path) -> Config:
    """Read and validate a config file; raises ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "", f"cannot read: {exc}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigError(path, "", f"invalid TOML: {exc}", int(match.group(1)) if match else None) from None
    if path.name == PYPROJECT:
        table = document.get("tool", {}).get("domain-lsp", {})
        prefix = "tool.domain-lsp."
    else:
        table, prefix = document, ""
    return _Validator(path, text, prefix).config(table)


def config_for(start: Path) -> Config:
    """The config governing `start`, or defaults rooted at `start` when there is none."""
    path = find_config(start)
    if path is None:
        folder = start.resolve()
        return Config(root=folder if folder.is_dir() else folder.parent)
    return load_config(path)


class _Validator:
    def __init__(self, path: Path, text: str, prefix: str) -> None:
        self.path = path
        self.text = text
        self.prefix = prefix

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.path, self.prefix + key, problem, self._line_of(key))

    def _line_of(self, key: str) -> int | None:
        leaf = key.rsplit(".", 1)[-1]
        match = re.search(rf"^\s*{re.escape(leaf)}\s*=", self.text, re.MULTILINE)
        if match is None:
            match = re.search(rf"^\s*\[[^\]]*{re.escape(leaf)}\]", self.text, re.MULTILINE)
        return self.text.count("\n", 0, match.start()) + 1 if match else None

    def check_keys(self, table: dict[str, Any], known: tuple[str, ...], where: str) -> None:
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean `{close[0]}`?)" if close else f" (known keys: {', '.join(known)})"
                raise self.fail(f"{where}{key}", f"unknown key{hint}")

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table, got {type(value).__name__}")
        return value

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {type(value).__name__}")
        return value

    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "expected a list of strings")
        return tuple(value)

    def config(self, document: dict[str, Any]) -> Config:
        self.check_keys(document, ("sql",), "")
        sql = self.table(document.get("sql", {}), "sql")
        self.check_keys(sql, ("dialect", "schemas", "search_path"), "sql.")
        dialect = self.string(sql.get("dialect", ""), "sql.dialect").strip().lower()
        if dialect and dialect not in dialect_names():
            close = difflib.get_close_matches(dialect, dialect_names(), n=1)
            hint = f"did you mean `{close[0]}`?" if close else "see docs/configuration.md for the list"
            raise self.fail("sql.dialect", f"unknown dialect `{dialect}`; {hint}")
        schemas = self.strings(sql["schemas"], "sql.schemas") if "schemas" in sql else None
        search_path = self.strings(sql.get("search_path", []), "sql.search_path")
        return Config(
            root=self.path.parent.resolve(),
            path=self.path.resolve(),
            sql=SqlSettings(dialect=dialect, schemas=schemas, search_path=search_path),
        )
