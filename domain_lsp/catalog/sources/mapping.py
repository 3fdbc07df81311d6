"""Schema from a JSON or YAML mapping: `{schema: {table: {column: type}}}`, optionally with a
database level above the schemas. A column may also be `{type: ..., description: ...}`; a table
may be `{columns: {...}, description: ...}`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from domain_lsp.catalog.model import Catalog, Column, Location, Table


class MappingError(ValueError):
    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line  # 0-based
        self.column = column


def parse_mapping_text(path: Path, text: str) -> Any:
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise MappingError(
                f"invalid YAML: {problem}", mark.line if mark else 0, mark.column if mark else 0
            ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MappingError(f"invalid JSON: {exc.msg}", exc.lineno - 1, exc.colno - 1) from None


class _KeyLocator:
    """Finds the line where a key is written, scanning forward so nested keys land right."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = str(path)
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def find(self, name: str, after: int) -> tuple[Location | None, int]:
        pattern = re.compile(rf"""(["']?){re.escape(name)}\1\s*:""")
        match = pattern.search(self.text, after)
        if match is None:
            return None, after
        import bisect

        line = bisect.bisect_right(self.starts, match.start()) - 1
        return Location(self.path, line, match.start() - self.starts[line]), match.end()


DETAIL_KEYS = frozenset({"type", "description", "tags", "deprecated", "meta", "nullable"})


def _is_detail(value: Any) -> bool:
    return isinstance(value, dict) and set(value) <= DETAIL_KEYS


def _depth(value: Any) -> int:
    """Levels of mapping above the column leaves: 3 for schema/table/column, 4 with databases."""
    if not isinstance(value, dict) or _is_detail(value):
        return 0
    if _is_table(value):
        return 1
    return 1 + max((_depth(child) for child in value.values()), default=0)


def load_mapping(path: Path, text: str, catalog: Catalog) -> list[str]:
    data = parse_mapping_text(path, text)
    if not isinstance(data, dict):
        raise MappingError("expected a mapping of schema → table → column → type at the top level")
    locator = _KeyLocator(path, text)
    problems: list[str] = []
    depth4 = _depth(data) >= 4
    cursor = 0
    for first, level in data.items():
        if not isinstance(level, dict):
            problems.append(f"`{first}`: expected a mapping, got {type(level).__name__}")
            continue
        databases = {first: level} if depth4 else {"": {first: level}}
        for database, schemas in databases.items():
            for schema, tables in schemas.items():
                if not isinstance(tables, dict):
                    problems.append(f"`{schema}`: expected a mapping of tables")
                    continue
                _, cursor = locator.find(str(schema), cursor)
                catalog.add_schema(str(schema), str(database))
                for name, spec in tables.items():
                    location, cursor = locator.find(str(name), cursor)
                    table = Table(str(name), str(schema), str(database), location=location)
                    columns = spec.get("columns", spec) if isinstance(spec, dict) and _is_table(spec) else spec
                    if isinstance(spec, dict) and _is_table(spec):
                        table.description = spec.get("description")
                        table.kind = str(spec.get("kind", "table"))
                    if not isinstance(columns, dict):
                        problems.append(f"`{schema}.{name}`: expected a mapping of columns")
                        continue
                    for column, detail in columns.items():
                        column_location, cursor = locator.find(str(column), cursor)
                        if isinstance(detail, dict):
                            table.add_column(
                                Column(
                                    str(column),
                                    _str(detail.get("type")),
                                    _str(detail.get("description")),
                                    column_location,
                                )
                            )
                        else:
                            table.add_column(Column(str(column), _str(detail), None, column_location))
                    catalog.add_table(table)
    return problems


def _is_table(spec: dict[str, Any]) -> bool:
    return isinstance(spec.get("columns"), dict)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
