"""Schema from a JSON or YAML mapping: `{schema: {table: {column: type}}}`, optionally with a
database level above the schemas. A column may also be `{type: ..., description: ...}`; a table
may be `{columns: {...}, description: ...}`, its columns also a list of names or of
`{name, type, description}`. Every table and column keeps the line and character of its key.

Keys and metadata (docs/configuration.md#sqlschemas has the syntax): a table's `primary_key`,
`unique_keys`, `foreign_keys`, `not_null`, `required_filters`, `tags` and `deprecated`; a
column's `primary_key`, `unique`, `not_null` (or `nullable: false`), `references`, `tags`
and `deprecated`. A key naming a column the table does not have is a problem, and is skipped.
"""

from __future__ import annotations

import json
import json.decoder
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from domain_lsp.catalog.model import Catalog, Column, ForeignKey, Location, Table, key
from domain_lsp.catalog.sources import FileRead, FileSource, SourceProblem
from domain_lsp.config import SqlSettings
from domain_lsp.text import LineIndex

# Reads a JSON string whose opening quote is just before the index; not in the type stubs.
scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

KeyPath = tuple[str, ...]
Positions = dict[KeyPath, tuple[int, int]]
"""Where each mapping key is written, by its path of keys: 0-based line and character."""

# Keys of a column's detail dict; a dict with only these keys is a column, not a table.
DETAIL_KEYS = frozenset(
    {
        "type",
        "data_type",
        "description",
        "comment",
        "tags",
        "deprecated",
        "meta",
        "nullable",
        "default",
        "primary_key",
        "unique",
        "constraints",
        "tests",
        "not_null",
        "references",
    }
)
TABLE_KEYS = frozenset(
    {
        "columns",
        "description",
        "comment",
        "kind",
        "tags",
        "meta",
        "deprecated",
        "primary_key",
        "unique_keys",
        "foreign_keys",
        "not_null",
        "required_filters",
    }
)
REFERENCE = re.compile(r"\s*([^()]+?)\s*(?:\(([^()]*)\))?\s*")
"""`core.customer` (its primary key) or `core.customer(customer_id)`."""
MAX_KEY_DEPTH = 5  # database/schema/table/columns/column


class MappingError(ValueError):
    """The file is not a mapping at all (bad JSON/YAML or the wrong top-level shape)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line  # 0-based
        self.column = column


# -- parsing with key positions ------------------------------------------------------------------


def parse_mapping_text(path: Path, text: str) -> tuple[Any, Positions]:
    if path.suffix.lower() in (".yaml", ".yml"):
        return _parse_yaml(text)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MappingError(f"invalid JSON: {exc.msg}", exc.lineno - 1, exc.colno - 1) from None
    except RecursionError:
        raise MappingError("invalid JSON: nested too deeply") from None
    positions: Positions = {}
    _json_keys(text, positions)
    return data, positions


# A JSON string (with a colon after it, which makes it a key, and then perhaps a string value,
# read in the same match) or a bracket. Scanning left to right, each match consumes whole
# strings, so a quote inside one is never mistaken for the start of another.
_STRING = r'"([^"\\]*(?:\\.[^"\\]*)*)"'
_JSON_TOKEN = re.compile(_STRING + r'\s*(:)?(?:\s*"[^"\\]*(?:\\.[^"\\]*)*")?|[{}\[\]]')


def _json_keys(text: str, positions: Positions) -> None:
    """Record where each object key of `text` (which json.loads accepted) starts, for keys of
    objects nested in objects up to MAX_KEY_DEPTH. One regex pass: walking the text in Python
    took half of loading a 10,000-table mapping."""
    lines = LineIndex(text) if "\r" in text else None  # a lone CR is a line break too
    line, line_start, last = 0, 0, 0
    # Per open container: the key path of an object whose keys are recorded, else None.
    open_paths: list[KeyPath | None] = []
    key: str | None = None  # the last key read in the innermost object
    for match in _JSON_TOKEN.finditer(text):
        token = match.group(0)
        if token == "{":
            parent = open_paths[-1] if open_paths else ()
            if not open_paths:
                path: KeyPath | None = ()
            elif parent is not None and key is not None and len(parent) + 1 < MAX_KEY_DEPTH:
                path = (*parent, key)
            else:
                path = None
            open_paths.append(path)
            key = None
        elif token == "[":
            open_paths.append(None)
        elif token in "}]":
            open_paths.pop()
            key = None
        elif match.group(2) is not None:  # an object key
            raw = match.group(1)
            key = scanstring(text, match.start() + 1)[0] if "\\" in raw else raw
            owner = open_paths[-1]
            if owner is not None:
                start, child = match.start(), (*owner, key)
                if lines is not None:
                    positions[child] = lines.line_col(start)
                    continue
                newlines = text.count("\n", last, start)
                if newlines:
                    line += newlines
                    line_start = text.rfind("\n", last, start) + 1
                last = start
                positions[child] = (line, start - line_start)


def _parse_yaml(text: str) -> tuple[Any, Positions]:
    import yaml

    class Loader(yaml.SafeLoader):
        # Keys keep their written text: a column named `on`, `null` or `1` stays that name.
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            self.flatten_mapping(node)
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                name = key_node.value if isinstance(key_node, yaml.ScalarNode) else self.construct_object(key_node)
                try:
                    mapping[name] = self.construct_object(value_node, deep=deep)
                except TypeError:  # an unhashable complex key
                    raise yaml.constructor.ConstructorError(
                        None, None, "a key must be a name", key_node.start_mark
                    ) from None
            return mapping

    loader = Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise MappingError(f"invalid YAML: {problem}", mark.line if mark else 0, mark.column if mark else 0) from None
    except RecursionError:
        raise MappingError("invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    positions: Positions = {}

    def visit(current: Any, path: KeyPath) -> None:
        if not isinstance(current, yaml.MappingNode) or len(path) >= MAX_KEY_DEPTH:
            return
        for key_node, value_node in current.value:
            if isinstance(key_node, yaml.ScalarNode):
                child = (*path, key_node.value)
                positions[child] = (key_node.start_mark.line, key_node.start_mark.column)
                visit(value_node, child)

    visit(node, ())
    return data, positions


# -- shape ----------------------------------------------------------------------------------------


def _is_detail(value: Any) -> bool:
    return isinstance(value, dict) and set(value) <= DETAIL_KEYS


def _is_table_form(spec: Any) -> bool:
    return isinstance(spec, dict) and isinstance(spec.get("columns"), (dict, list)) and set(spec) <= TABLE_KEYS


def _columns_of(spec: Any) -> Any:
    return spec["columns"] if _is_table_form(spec) else spec


def _has_database_level(data: dict[Any, Any]) -> bool:
    """True for `{database: {schema: {table: {column: ...}}}}`. Decided by what sits three levels
    down: column specs (names, detail dicts) or tables (dicts of columns); the majority wins, so
    one odd entry never flips how the whole file is read.
    """
    columns_like = tables_like = 0
    for schema in data.values():
        for spec in schema.values() if isinstance(schema, dict) else ():
            columns = _columns_of(spec)
            for value in columns.values() if isinstance(columns, dict) else ():
                if isinstance(value, dict) and not _is_detail(value):
                    tables_like += 1
                else:
                    columns_like += 1
    return tables_like > columns_like


# -- loading --------------------------------------------------------------------------------------


class _Loader:
    def __init__(self, path: Path, positions: Positions, catalog: Catalog) -> None:
        self.path = str(path)
        self.positions = positions
        self.catalog = catalog
        self.problems: list[SourceProblem] = []

    def location(self, key_path: KeyPath) -> Location | None:
        where = self.positions.get(key_path)
        return Location(self.path, *where) if where is not None else None

    def problem(self, key_path: KeyPath, message: str) -> None:
        """At the key, else at the nearest enclosing key whose position is known."""
        while key_path and key_path not in self.positions:
            key_path = key_path[:-1]
        self.problems.append(SourceProblem(message, *self.positions.get(key_path, (0, 0))))

    def schema(self, key_path: KeyPath, database: str, schema: str, tables: Any) -> None:
        dotted = ".".join(p for p in (database, schema) if p)
        if not isinstance(tables, dict):
            self.problem(key_path, f"`{dotted}`: expected a mapping of tables, got {_kind(tables)}")
            return
        self.catalog.add_schema(schema, database)
        for name, spec in tables.items():
            self.table((*key_path, str(name)), database, schema, str(name), spec)

    def table(self, key_path: KeyPath, database: str, schema: str, name: str, spec: Any) -> None:
        table = Table(name, schema, database, location=self.location(key_path))
        table_path = key_path
        columns = spec
        if _is_table_form(spec):
            columns = spec["columns"]
            table.description = _str(spec.get("description", spec.get("comment")))
            table.kind = str(spec.get("kind", "table"))
            table.tags, table.deprecated = _metadata(spec)
            key_path = (*key_path, "columns")
        column_keys: list[tuple[KeyPath, str, dict[Any, Any]]] = []
        if isinstance(columns, list):
            for item in columns:
                column = self.listed_column(item, table.location)
                if column is None:
                    self.problem(key_path, f"`{table.qualified_name}`: a column must be a name or have a `name` key")
                    return
                table.add_column(column)
                if isinstance(item, dict):
                    column_keys.append((key_path, column.name, item))
        elif isinstance(columns, dict):
            for column_name, detail in columns.items():
                column_path = (*key_path, str(column_name))
                table.add_column(self.column(column_path, str(column_name), detail))
                if isinstance(detail, dict):
                    column_keys.append((column_path, str(column_name), detail))
        else:
            self.problem(key_path, f"`{table.qualified_name}`: expected a mapping of columns, got {_kind(columns)}")
            return
        for column_path, column_name, detail in column_keys:
            self.column_keys(table, column_path, column_name, detail)
        if _is_table_form(spec):
            self.table_keys(table, table_path, spec)
        for name in table.primary_key:
            found = table.column(name)
            if found is not None:
                found.not_null = True
        self.catalog.add_table(table)

    def column_keys(self, table: Table, key_path: KeyPath, name: str, detail: dict[Any, Any]) -> None:
        """`primary_key: true`, `unique: true`, `not_null: true` / `nullable: false`,
        `references: core.customer(customer_id)`, and the same words listed in `constraints`."""
        listed = detail.get("constraints")
        words = {w for w in listed if isinstance(w, str)} if isinstance(listed, list) else set()
        column = table.column(name)
        if detail.get("primary_key") is True or "primary_key" in words:
            table.primary_key = (name,)
        if detail.get("unique") is True or "unique" in words:
            _add_unique(table, (name,))
        if column is not None and (
            detail.get("not_null") is True or detail.get("nullable") is False or "not_null" in words
        ):
            column.not_null = True
        if "references" in detail:
            fk = self.reference((*key_path, "references"), table, (name,), detail["references"])
            if fk is not None and fk not in table.foreign_keys:
                table.foreign_keys = (*table.foreign_keys, fk)

    def table_keys(self, table: Table, key_path: KeyPath, spec: dict[Any, Any]) -> None:
        """A table's `primary_key`, `unique_keys`, `foreign_keys`, `not_null` and `required_filters`."""
        if "primary_key" in spec:
            columns = self.columns_of(table, (*key_path, "primary_key"), spec["primary_key"])
            if columns:
                table.primary_key = columns
        if "unique_keys" in spec:
            keys = spec["unique_keys"]
            if not isinstance(keys, list):
                self.problem(
                    (*key_path, "unique_keys"), f"`{table.qualified_name}`: `unique_keys` must be a list of keys"
                )
            for item in keys if isinstance(keys, list) else ():
                columns = self.columns_of(table, (*key_path, "unique_keys"), item)
                if columns:
                    _add_unique(table, columns)
        if "not_null" in spec:
            for name in self.columns_of(table, (*key_path, "not_null"), spec["not_null"]):
                column = table.column(name)
                if column is not None:
                    column.not_null = True
        if "required_filters" in spec:
            table.required_filters = self.columns_of(table, (*key_path, "required_filters"), spec["required_filters"])
        if "foreign_keys" in spec:
            entries = spec["foreign_keys"]
            fk_path = (*key_path, "foreign_keys")
            if not isinstance(entries, list):
                entries = [None]
            for entry in entries:
                if not isinstance(entry, dict) or "references" not in entry or "columns" not in entry:
                    self.problem(
                        fk_path,
                        f"`{table.qualified_name}`: each foreign key is `{{columns: [...], references: table(columns)}}`",
                    )
                    continue
                columns = self.columns_of(table, fk_path, entry["columns"])
                fk = self.reference(fk_path, table, columns, entry["references"]) if columns else None
                if fk is not None and fk not in table.foreign_keys:
                    table.foreign_keys = (*table.foreign_keys, fk)

    def columns_of(self, table: Table, key_path: KeyPath, value: Any) -> tuple[str, ...]:
        """A name or a list of names, each a column of the table; () (with a problem) otherwise."""
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            self.problem(
                key_path, f"`{table.qualified_name}`: `{key_path[-1]}` must be a column name or a list of them"
            )
            return ()
        missing = [n for n in names if table.column(n) is None]
        if missing and table.columns_known:
            listed = ", ".join(f"`{n}`" for n in missing)
            self.problem(
                key_path, f"`{table.qualified_name}`: `{key_path[-1]}` names {listed}, not a column of the table"
            )
            return ()
        return tuple(names)

    def reference(self, key_path: KeyPath, table: Table, columns: tuple[str, ...], value: Any) -> ForeignKey | None:
        match = REFERENCE.fullmatch(value) if isinstance(value, str) else None
        target_columns = tuple(c.strip() for c in match.group(2).split(",")) if match and match.group(2) else ()
        if match is None or not all(target_columns) or len(target_columns) not in (0, len(columns)):
            self.problem(
                key_path,
                f"`{table.qualified_name}`: `references` must be `table` or `table(column, ...)`, one column per"
                " referencing column",
            )
            return None
        return ForeignKey(columns, match.group(1), target_columns)

    def column(self, key_path: KeyPath, name: str, detail: Any) -> Column:
        location = self.location(key_path)
        if isinstance(detail, dict):
            kind = detail.get("type", detail.get("data_type"))
            description = detail.get("description", detail.get("comment"))
            return Column(name, _str(kind), _str(description), location, *_metadata(detail))
        return Column(name, _str(detail), None, location)

    def listed_column(self, item: Any, fallback: Location | None) -> Column | None:
        if isinstance(item, str):
            return Column(item, location=fallback)
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            column = self.column((), item["name"], item)
            column.location = fallback
            return column
        return None


def load_mapping(path: Path, text: str, catalog: Catalog) -> list[SourceProblem]:
    """Add the mapping's tables to `catalog`. Raises MappingError when the file cannot be read as
    a mapping at all; returns the problems of single entries, which are skipped.
    """
    data, positions = parse_mapping_text(path, text)
    if data is None:
        raise MappingError("empty mapping: expected schema → table → column → type")
    if not isinstance(data, dict):
        raise MappingError(f"expected a mapping of schema → table → column → type at the top level, got {_kind(data)}")
    loader = _Loader(path, positions, catalog)
    if _has_database_level(data):
        for database, schemas in data.items():
            if not isinstance(schemas, dict):
                loader.problem((str(database),), f"`{database}`: expected a mapping of schemas, got {_kind(schemas)}")
                continue
            for schema, tables in schemas.items():
                loader.schema((str(database), str(schema)), str(database), str(schema), tables)
    else:
        for schema, tables in data.items():
            loader.schema((str(schema),), "", str(schema), tables)
    return loader.problems


def _metadata(spec: dict[Any, Any]) -> tuple[tuple[str, ...], str | None]:
    """Tags and deprecation: `tags: [pii]`, `deprecated: "use customer_id"` (or true), and the
    dbt-style `meta: {pii: true, deprecated: ..., replaced_by: ...}`.
    """
    from domain_lsp.catalog.sources.dbt import deprecation_of, tags_of

    meta = spec.get("meta") if isinstance(spec.get("meta"), dict) else {}
    assert isinstance(meta, dict)
    if "deprecated" in spec:
        meta = {**meta, "deprecated": spec["deprecated"]}
    return tags_of(spec.get("tags"), None, meta), deprecation_of(meta, None)


def _add_unique(table: Table, columns: tuple[str, ...]) -> None:
    folded = tuple(key(c) for c in columns)
    if folded != tuple(key(c) for c in table.primary_key) and all(
        tuple(key(c) for c in u) != folded for u in table.unique_keys
    ):
        table.unique_keys = (*table.unique_keys, columns)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "a mapping"}
    return "nothing" if value is None else names.get(type(value), type(value).__name__)


MAPPING_SUFFIXES = (".json", ".yaml", ".yml")


def _claims(path: Path, head: object) -> bool:
    return path.suffix.lower() in MAPPING_SUFFIXES


def _read(path: Path, content: str | bytes, catalog: Catalog, sql: SqlSettings) -> FileRead:
    try:
        return FileRead(load_mapping(path, str(content), catalog))
    except MappingError as exc:
        return FileRead([SourceProblem(str(exc), exc.line, exc.column)])


SOURCE = FileSource("mapping", _claims, _read)
