"""`domain-lsp context`: a compact Markdown brief of the domain for an agent instructions file
(AGENTS.md, .github/copilot-instructions.md), written before the assistant writes anything.

What an assistant most needs is the few tables this repository's code really reads, with
their keys, so the brief ranks the catalog's tables by how often the workspace's own SQL
names them (SQL files, SQL in Python strings, dbt models; the schema files that define the
tables do not count). Tables nothing uses follow, those other tables reference most first.

The brief is cut to a size (`--max-chars`): the dialect, what not to use and the package
policy come first and are short; tables fill what is left, each whole or not at all, and the
brief says how many it left out. The same workspace gives the same brief, byte for byte.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from domain_lsp.analysis.python.document import bind_parameters
from domain_lsp.analysis.python.embedded_sql import find_embedded_sql
from domain_lsp.analysis.sql.document import SqlAnalysis, analyze_sql
from domain_lsp.catalog.load import schema_files
from domain_lsp.catalog.model import Catalog, Column, Table
from domain_lsp.check import read_text
from domain_lsp.inventory.load import load_inventory
from domain_lsp.paths import Boundary
from domain_lsp.project import PYTHON_SUFFIXES, SQL_SUFFIXES, Project
from domain_lsp.workspace import walk

DEFAULT_MAX_CHARS = 8_000
MIN_MAX_CHARS = 1_000
"""Below this the header and the dialect alone would not fit."""
COLUMNS_SHOWN = 30
"""A wider table lists its keys and this many columns, then says how many more it has."""
LIST_SHOWN = 40
"""Deprecations, denied and declared packages: at most this many each."""
DESCRIPTION_CHARS = 160

DIALECTS = {
    "": "any (sqlglot's generic dialect)",
    "postgres": "PostgreSQL",
    "duckdb": "DuckDB",
    "sqlite": "SQLite",
    "snowflake": "Snowflake",
    "bigquery": "BigQuery",
    "tsql": "SQL Server (T-SQL)",
    "mysql": "MySQL",
    "redshift": "Amazon Redshift",
    "databricks": "Databricks",
    "spark": "Spark SQL",
    "trino": "Trino",
    "oracle": "Oracle",
    "clickhouse": "ClickHouse",
}

_UNSAFE = re.compile(r"[\x00-\x1f\x7f`]+")


def plain(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """A catalog string on one line, without backticks or control characters (a description
    must not end the code span or the list item it is written in), cut at `limit`."""
    one_line = " ".join(_UNSAFE.sub(" ", text).split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def code(name: str) -> str:
    return f"`{plain(name, 200)}`"


@dataclass
class Usage:
    """How often the workspace's SQL names each catalog table, by the table's key."""

    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    files: int = 0
    """Files read (schema files excluded)."""


def sql_analyses(project: Project, path: Path, text: str) -> Iterator[SqlAnalysis]:
    """Every SQL text of a file: the file itself, or each SQL string of a Python file."""
    suffix = path.suffix.lower()
    if suffix in SQL_SUFFIXES:
        yield project.analyze_sql(text, str(path))
    elif suffix in PYTHON_SUFFIXES:
        for embedded in find_embedded_sql(text):
            yield analyze_sql(bind_parameters(embedded.text), project.catalog, project.config.sql, str(path))


def usage(project: Project) -> Usage:
    config = project.config
    boundary = Boundary.of_config(config)
    definitions = {path.absolute() for path in schema_files(config, boundary)}
    found = Usage()
    for path in walk(config.root, SQL_SUFFIXES + PYTHON_SUFFIXES, within_project=True):
        if path.absolute() in definitions:
            continue
        text, _ = read_text(path, boundary)  # an unreadable file uses nothing
        if not text:
            continue
        found.files += 1
        for analysis in sql_analyses(project, path, text):
            for statement in analysis.statements:
                for ref in analysis.bindings_of(statement, config.sql).tables:
                    # Only the workspace catalog's tables: not the file's own CREATE TABLE.
                    if ref.kind == "catalog" and ref.table is not None and _in_workspace(project.catalog, ref.table):
                        found.counts[ref.table.key] += 1
    return found


def _in_workspace(catalog: Catalog, table: Table) -> bool:
    return catalog.get(table.name, table.schema, table.database) is table


def ranked(catalog: Catalog, counts: Counter[tuple[str, str, str]]) -> list[Table]:
    """Current tables, most used first; then those most referenced by foreign keys; then by name."""
    tables = [table for table in catalog.tables() if table.deprecated is None]
    referenced: Counter[tuple[str, str, str]] = Counter()
    for table in tables:
        for fk in table.foreign_keys:
            target = catalog.resolve_reference(fk, table.schema)
            if target is not None and target.key != table.key:
                referenced[target.key] += 1
    return sorted(tables, key=lambda t: (-counts[t.key], -referenced[t.key], t.qualified_name.casefold(), t.key))


def table_block(catalog: Catalog, table: Table, uses: int) -> str:
    title = f"### {code(table.qualified_name)}"
    if table.kind == "view":
        title += " (view)"
    if uses:
        title += f" — used {uses} time{'s' if uses != 1 else ''}"
    lines = [title]
    if table.description:
        lines.append(plain(table.description))
    keys = [f"primary key ({', '.join(table.primary_key)})"] if table.primary_key else []
    keys += [f"unique ({', '.join(columns)})" for columns in table.unique_keys]
    if keys:
        lines.append("- Keys: " + "; ".join(plain(k, 200) for k in keys))
    joins = []
    for fk in table.foreign_keys:
        target = catalog.resolve_reference(fk, table.schema)
        target_name = target.qualified_name if target is not None else fk.target
        target_columns = fk.target_columns or (target.primary_key if target is not None else ())
        left = ", ".join(fk.columns)
        right = f"{target_name}.{', '.join(target_columns)}" if len(target_columns) == 1 else target_name
        joins.append(f"{code(left)} → {code(right)}")
    if joins:
        lines.append("- Joins: " + "; ".join(joins))
    if table.required_filters:
        lines.append("- Always filter on one of: " + ", ".join(code(c) for c in table.required_filters))
    if table.columns_known:
        columns = list(table.columns.values())
        shown = columns[:COLUMNS_SHOWN]
        described = ", ".join(_column(c) for c in shown)
        more = len(columns) - len(shown)
        lines.append(f"- Columns: {described}" + (f", and {more} more" if more else ""))
    else:
        lines.append("- Columns: not known to the catalog")
    return "\n".join(lines) + "\n"


def _column(column: Column) -> str:
    text = code(column.name)
    if column.type:
        text += f" {plain(column.type, 60)}"
    if "pii" in (tag.casefold() for tag in column.tags):
        text += " (PII)"
    if column.deprecated is not None:
        text += f" (deprecated: {plain(column.deprecated, 80)})" if column.deprecated else " (deprecated)"
    return text


def deprecations(catalog: Catalog) -> list[str]:
    """Deprecated tables, by name. (A deprecated column is marked where its table is listed:
    finding them all would unpack every table's columns, 3 million at 100,000 tables.)"""
    tables = sorted(
        (t for t in catalog.tables() if t.deprecated is not None), key=lambda t: (t.qualified_name.casefold(), t.key)
    )
    return [f"- {code(t.qualified_name)}" + (f": {plain(t.deprecated)}" if t.deprecated else "") for t in tables]


def _capped(items: list[str], noun: str) -> list[str]:
    if len(items) <= LIST_SHOWN:
        return items
    return [*items[:LIST_SHOWN], f"- and {len(items) - LIST_SHOWN} more {noun}"]


def sql_section(project: Project) -> str:
    settings = project.config.sql
    dialect = DIALECTS.get(settings.dialect, settings.dialect)
    catalog = project.catalog
    tables = sum(1 for _ in catalog.tables())
    schemas = catalog.schemas()
    lines = ["## SQL", f"- Dialect: {dialect}" + (f" (`{settings.dialect}`)" if settings.dialect else "") + "."]
    if settings.search_path:
        lines.append("- Unqualified names resolve through: " + ", ".join(code(s) for s in settings.search_path) + ".")
    where = f" in {len(schemas)} schema{'s' if len(schemas) != 1 else ''}" if schemas else ""
    lines.append(
        f"- The catalog has {tables:,} table{'s' if tables != 1 else ''} and views{where}. Use no other "
        "table or column name: look a name up before writing it."
    )
    return "\n".join(lines) + "\n"


def package_section(project: Project) -> str:
    settings = project.config.packages
    lines: list[str] = []
    denied = [f"- {code(name)}: {plain(reason)}" if reason else f"- {code(name)}" for name, reason in settings.deny]
    if denied:
        lines += ["Never import:", *_capped(denied, "denied packages")]
    inventory = load_inventory(project.config)
    declared = sorted({d.name for d in inventory.declared.values()}, key=str.casefold)
    if declared:
        shown = declared[:LIST_SHOWN]
        more = len(declared) - len(shown)
        lines.append(
            "Declared dependencies (import only these, the standard library and the workspace's own modules): "
            + ", ".join(code(name) for name in shown)
            + (f", and {more} more" if more else "")
            + "."
        )
    if settings.allow:
        lines.append("Also allowed: " + ", ".join(code(name) for name in settings.allow) + ".")
    if not lines:
        return ""
    return "## Python packages\n" + "\n".join(lines) + "\n"


HEADER = (
    "# Domain brief\n"
    "Generated by `domain-lsp context` from this repository's catalog and SQL; regenerate it, do not edit it.\n"
    "Check SQL and imports before proposing them: `domain-lsp check FILE`, or the MCP tools "
    "`check_sql`, `search_catalog`, `describe_table` and `join_path` (`domain-lsp mcp`).\n"
)


def brief(project: Project, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The brief, at most `max_chars` characters (MIN_MAX_CHARS at the least)."""
    catalog = project.catalog
    found = usage(project)
    deprecated = deprecations(catalog)
    first = [HEADER, sql_section(project)]
    if deprecated:
        first.append("## Do not use (deprecated)\n" + "\n".join(_capped(deprecated, "deprecated names")) + "\n")
    packages = package_section(project)
    if packages:
        first.append(packages)
    parts = _fitting(first, max_chars)
    tables = ranked(catalog, found.counts)
    used = sum(1 for t in tables if found.counts[t.key])
    heading = "## Tables, most used first\n" if used else "## Tables\n"
    footer_room = 120  # the line that says how many were left out
    room = max_chars - sum(len(p) + 1 for p in parts) - len(heading) - footer_room
    shown: list[str] = []
    for table in tables:  # a block is written only when it may fit: 100,000 are not unpacked
        block = table_block(catalog, table, found.counts[table.key])
        if len(block) + 1 > room:
            break
        shown.append(block)
        room -= len(block) + 1
    if shown:
        parts.append(heading + "\n".join(shown))
    left = len(tables) - len(shown)
    if left:
        parts.append(f"*{left:,} more table{'s' if left != 1 else ''} not shown: `search_catalog` finds them.*\n")
    return "\n".join(parts)


def _fitting(parts: Iterable[str], max_chars: int) -> list[str]:
    """The sections in order, each cut line by line where the brief would grow past its size
    (the header always fits: MIN_MAX_CHARS)."""
    kept: list[str] = []
    used = 0
    for part in parts:
        if used + len(part) + 1 <= max_chars:
            kept.append(part)
            used += len(part) + 1
            continue
        lines: list[str] = []
        for line in part.splitlines(keepends=True):
            if used + len(line) + 1 > max_chars:
                break
            lines.append(line)
            used += len(line)
        if len(lines) > 1:
            kept.append("".join(lines))
            used += 1
        break
    return kept
