"""A warehouse's `information_schema` exported as a file: CSV (or TSV), a JSON array of rows or
JSON lines, as one query exports it from Snowflake, BigQuery, Redshift, Databricks, SQL Server,
MySQL or PostgreSQL (docs/sources.md has the query for each).

A file is recognised by its header, whatever the warehouse's casing and column order:

- columns: `table_name` and `column_name` (+ `table_schema`, `table_catalog`, `data_type`,
  `is_nullable`, `ordinal_position`, `comment`/`column_comment`/`description`/`remarks`);
- tables: `table_name` and `table_type` without `column_name` (views, comments);
- routines: `routine_name` (or `function_name`), with `data_type` and `argument_signature`;
- constraints: `constraint_type` and `column_name` (+ `constraint_name`, `ordinal_position`,
  and for foreign keys `referenced_table_schema/_name/_column_name` or `foreign_...`), read
  onto the tables the columns file loaded, so list it after that one.

Every table and column keeps the line of the row that declared it. Only the file is read.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from domain_lsp.catalog.model import Catalog, Column, ForeignKey, Function, Location, Table, key
from domain_lsp.catalog.sources import FileRead, FileSource, SourceProblem
from domain_lsp.config import SqlSettings

DUMP_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson")
"""Read as dumps by their name; a `.json` file is one when it holds an array of rows."""

MULTI_DATABASE_DIALECTS = frozenset({"snowflake", "bigquery", "databricks", "tsql", "spark", "trino", "presto"})
"""Where `table_catalog` is a database queries name (`db.schema.table`); elsewhere (PostgreSQL's
current database, DuckDB's `memory`) it is left out, as the DDL of those tables would be."""

_ALIASES = {
    "database": ("table_catalog", "database_name", "table_cat", "catalog_name", "routine_catalog", "function_catalog"),
    "schema": ("table_schema", "schema_name", "table_schem", "routine_schema", "function_schema", "owner"),
    "table": ("table_name",),
    "column": ("column_name",),
    "type": ("data_type", "column_type", "type_name", "type"),
    "nullable": ("is_nullable", "nullable"),
    "position": ("ordinal_position", "position_in_unique_constraint"),
    "comment": ("comment", "column_comment", "table_comment", "description", "remarks"),
    "table_type": ("table_type",),
    "routine": ("routine_name", "function_name"),
    "arguments": ("argument_signature", "arguments", "argument_data_types"),
    "constraint": ("constraint_name",),
    "constraint_type": ("constraint_type",),
    "ref_schema": ("referenced_table_schema", "foreign_table_schema", "referenced_schema"),
    "ref_table": ("referenced_table_name", "foreign_table_name", "referenced_table"),
    "ref_column": ("referenced_column_name", "foreign_column_name", "referenced_column"),
}


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    """0-based line of the row in the file."""
    values: dict[str, str]
    """By field (the keys of _ALIASES), only those the file has and the row fills."""

    def get(self, name: str) -> str:
        return self.values.get(name, "")


def is_dump(path: Path, head: str) -> bool:
    """Whether the file is an information_schema export (a `.json` file: an array of rows)."""
    suffix = path.suffix.lower()
    if suffix in DUMP_SUFFIXES:
        return True
    return suffix == ".json" and head.lstrip().startswith("[")


def load_information_schema(path: Path, text: str, catalog: Catalog, dialect: str = "") -> list[SourceProblem]:
    """Read one dump into `catalog`; problems at the row (or the header) they are about."""
    text = text.removeprefix("\ufeff")
    try:
        fields, rows = _rows(path, text)
    except ValueError as error:
        return [SourceProblem(str(error))]
    names = set(fields.values())
    if {"table", "column"} <= names and "constraint_type" in names:
        return _constraints(rows, catalog, dialect)
    if {"table", "column"} <= names:
        return _columns(path, rows, catalog, dialect)
    if "table" in names and "table_type" in names:
        return _tables(path, rows, catalog, dialect)
    if "routine" in names:
        return _routines(path, rows, catalog, dialect)
    header = ", ".join(list(fields)[:8]) or "none"
    return [
        SourceProblem(
            "not an information_schema export: the header needs table_name and column_name (columns), "
            f"routine_name (routines) or constraint_type (keys); it has {header}"
        )
    ]


# -- reading rows -----------------------------------------------------------------------------


def _field_of(header: str) -> str | None:
    name = header.strip().strip('"`[]').casefold().rsplit(".", 1)[-1]
    return next((field for field, aliases in _ALIASES.items() if name in aliases), None)


def _rows(path: Path, text: str) -> tuple[dict[str, str], list[Row]]:
    """The header's recognised columns (as written → field) and the rows."""
    stripped = text.lstrip()
    if path.suffix.lower() in (".jsonl", ".ndjson") or (stripped.startswith("{") and "\n{" in stripped):
        return _json_rows(_json_lines(text))
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except ValueError as error:
            raise ValueError(f"invalid JSON: {' '.join(str(error).split())}") from None
        if not isinstance(data, list):
            raise ValueError("a JSON export must be an array of rows")
        return _json_rows(_json_array_lines(text, data))
    return _csv_rows(path, text)


def _json_lines(text: str) -> Iterator[tuple[int, object]]:
    for number, line in enumerate(text.splitlines()):
        if line.strip():
            try:
                yield number, json.loads(line)
            except ValueError as error:
                raise ValueError(f"line {number + 1}: invalid JSON: {' '.join(str(error).split())}") from None


def _json_array_lines(text: str, data: list[object]) -> Iterator[tuple[int, object]]:
    """Each row with the line its object starts on (objects are found in order)."""
    position = 0
    for item in data:
        found = text.find("{", position)
        line = text.count("\n", 0, found) if found != -1 else 0
        if found != -1:
            position = found + 1
            depth = 1
            while position < len(text) and depth:  # past this object, strings aside (names hold no braces)
                depth += {"{": 1, "}": -1}.get(text[position], 0)
                position += 1
        yield line, item


def _json_rows(items: Iterator[tuple[int, object]]) -> tuple[dict[str, str], list[Row]]:
    fields: dict[str, str] = {}
    rows: list[Row] = []
    for line, item in items:
        if not isinstance(item, dict):
            raise ValueError(f"line {line + 1}: a row must be an object")
        values: dict[str, str] = {}
        for name, value in item.items():
            field = _field_of(str(name))
            if field is None:
                continue
            fields.setdefault(str(name), field)
            if value is not None and field not in values:
                values[field] = str(value).lower() if isinstance(value, bool) else str(value)
        rows.append(Row(line, values))
    return fields, rows


def _csv_rows(path: Path, text: str) -> tuple[dict[str, str], list[Row]]:
    first = text.split("\n", 1)[0]
    delimiter = "\t" if path.suffix.lower() == ".tsv" else max(",;|\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError("empty file") from None
    except csv.Error as error:
        raise ValueError(f"invalid CSV: {error}") from None
    by_index = {index: field for index, name in enumerate(header) if (field := _field_of(name)) is not None}
    fields = {header[index]: field for index, field in by_index.items()}
    rows: list[Row] = []
    line = reader.line_num
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                values = {
                    field: record[index].strip()
                    for index, field in by_index.items()
                    if index < len(record) and record[index].strip()
                }
                rows.append(Row(line, values))
            line = reader.line_num
    except csv.Error as error:
        raise ValueError(f"line {reader.line_num}: invalid CSV: {error}") from None
    return fields, rows


# -- into the catalog ---------------------------------------------------------------------------


def _table_key(row: Row, dialect: str) -> tuple[str, str, str]:
    database = row.get("database") if dialect in MULTI_DATABASE_DIALECTS else ""
    return database, row.get("schema"), row.get("table")


def _columns(path: Path, rows: list[Row], catalog: Catalog, dialect: str) -> list[SourceProblem]:
    problems: list[SourceProblem] = []
    tables: dict[tuple[str, str, str], tuple[Table, list[tuple[int, int, Column]]]] = {}
    for order, row in enumerate(rows):
        if not row.get("table") or not row.get("column"):
            problems.append(SourceProblem("row without a table_name or column_name; skipped", row.line))
            continue
        database, schema, name = _table_key(row, dialect)
        k = (key(database), key(schema), key(name))
        if k not in tables:
            tables[k] = (Table(name, schema, database, location=Location(str(path), row.line)), [])
        position = row.get("position")
        nullable = row.get("nullable").casefold()
        column = Column(
            row.get("column"),
            row.get("type") or None,
            row.get("comment") or None,
            Location(str(path), row.line),
            not_null=nullable in ("no", "n", "false", "0"),
        )
        tables[k][1].append((int(position) if position.isdigit() else 10**9, order, column))
    for table, columns in tables.values():
        for _, _, column in sorted(columns, key=lambda entry: (entry[0], entry[1])):
            table.add_column(column)
        catalog.add_table(table)
    return problems


def _tables(path: Path, rows: list[Row], catalog: Catalog, dialect: str) -> list[SourceProblem]:
    """A tables export: views are marked as views, comments become descriptions; a table the
    columns export did not list is added with unknown columns (none is reported missing)."""
    tables = _index(catalog)
    for row in rows:
        if not row.get("table"):
            continue
        database, schema, name = _table_key(row, dialect)
        table = tables.get((key(database), key(schema), key(name)))
        if table is None:
            table = Table(name, schema, database, location=Location(str(path), row.line), columns_known=False)
            catalog.add_table(table)
            tables[table.key] = table
        if "view" in row.get("table_type").casefold():
            table.kind = "view"
        if row.get("comment") and not table.description:
            table.description = row.get("comment")
    return []


def _routines(path: Path, rows: list[Row], catalog: Catalog, dialect: str) -> list[SourceProblem]:
    for row in rows:
        name = row.get("routine")
        if not name:
            continue
        arguments, returns = row.get("arguments"), row.get("type")
        signature = f"{name}{arguments if arguments.startswith('(') else f'({arguments})'}"
        catalog.add_function(
            Function(
                name,
                row.get("schema"),
                signature + (f" → {returns}" if returns else ""),
                row.get("comment") or None,
                Location(str(path), row.line),
            )
        )
    return []


def _constraints(rows: list[Row], catalog: Catalog, dialect: str) -> list[SourceProblem]:
    problems: list[SourceProblem] = []
    tables = _index(catalog)
    grouped: dict[tuple[tuple[str, str, str], str, str], list[tuple[int, Row]]] = {}
    for order, row in enumerate(rows):
        kind = " ".join(row.get("constraint_type").upper().split())
        if kind not in ("PRIMARY KEY", "UNIQUE", "FOREIGN KEY") or not row.get("column"):
            continue
        name = row.get("constraint") or f"row {row.line + 1}"
        position = row.get("position")
        grouped.setdefault((_table_key(row, dialect), name, kind), []).append(
            (int(position) if position.isdigit() else order, row)
        )
    for (table_key, _, kind), members in grouped.items():
        members.sort(key=lambda member: member[0])
        first = members[0][1]
        database, schema, name = table_key
        table = tables.get((key(database), key(schema), key(name)))
        if table is None:
            shown = ".".join(part for part in table_key if part)
            problems.append(
                SourceProblem(
                    f"{kind.lower()} of `{shown}`, a table no earlier source defines; "
                    "list the columns export before this one in sql.schemas",
                    first.line,
                )
            )
            continue
        columns = tuple(row.get("column") for _, row in members)
        if kind == "PRIMARY KEY":
            table.primary_key = columns
            for column_name in columns:
                column = table.column(column_name)
                if column is not None:
                    column.not_null = True
        elif kind == "UNIQUE":
            table.unique_keys = (*table.unique_keys, columns)
        else:
            target = ".".join(part for part in (first.get("ref_schema"), first.get("ref_table")) if part)
            if not target:
                continue  # this export does not say what the key references
            references = tuple(row.get("ref_column") for _, row in members if row.get("ref_column"))
            table.foreign_keys = (
                *table.foreign_keys,
                ForeignKey(columns, target, references if len(references) == len(columns) else ()),
            )
    return problems


def _index(catalog: Catalog) -> dict[tuple[str, str, str], Table]:
    """The catalog's tables by key, built once per file (a lookup per row would walk them all)."""
    return {table.key: table for table in catalog.tables()}


def _claims(path: Path, head: Callable[[], str]) -> bool:
    suffix = path.suffix.lower()
    return suffix in DUMP_SUFFIXES or (suffix == ".json" and is_dump(path, head()[:64]))


def _read(path: Path, content: str | bytes, catalog: Catalog, sql: SqlSettings) -> FileRead:
    return FileRead(load_information_schema(path, str(content), catalog, sql.dialect))


SOURCE = FileSource("information_schema", _claims, _read)
