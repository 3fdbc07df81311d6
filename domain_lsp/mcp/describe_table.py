"""`describe_table {name}`: a table's columns, keys, foreign keys, notes and definition."""

from __future__ import annotations

from typing import Any

from domain_lsp.analysis.suggest import closest
from domain_lsp.catalog.model import Catalog, Table, key
from domain_lsp.mcp.registry import ArgumentError, Tool, register, text_argument
from domain_lsp.mcp.results import table_brief, where
from domain_lsp.mcp.state import Workspace
from domain_lsp.project import Project

SUGGESTIONS = 5


def find_table(catalog: Catalog, name: str, search_path: tuple[str, ...], argument: str) -> Table:
    """The table `name` names, as the SQL checks resolve it (qualified, else the search path,
    else the only table of that name); ArgumentError with the closest names otherwise."""
    parts = [part.strip().strip('"`[]') for part in name.split(".")]
    if not all(parts) or len(parts) > 3:
        raise ArgumentError(argument, f"`{name}` is not a table name (write table, schema.table or db.schema.table)")
    if len(parts) == 3:
        found = catalog.get(parts[2], parts[1], parts[0])
    elif len(parts) == 2:
        found = catalog.get(parts[1], parts[0]) or _only(
            [t for t in catalog.tables_named(parts[1]) if key(t.schema) == key(parts[0])]
        )
    else:
        candidates = catalog.tables_named(parts[0])
        found = None
        for schema in search_path:
            in_schema = [t for t in candidates if key(t.schema) == key(schema)]
            if in_schema:
                found = in_schema[0]
                break
        if found is None:
            if len(candidates) > 1:
                names = ", ".join(sorted(t.qualified_name for t in candidates))
                raise ArgumentError(argument, f"`{name}` is in several schemas ({names}); qualify it")
            found = _only(candidates)
    if found is None:
        near = closest(parts[-1], (t.name for t in catalog.tables()), SUGGESTIONS)
        hint = f"; closest: {', '.join(_qualified(catalog, n) for n in near)}" if near else ""
        raise ArgumentError(argument, f"no table or view `{name}` in the catalog{hint}")
    return found


def _only(tables: list[Table]) -> Table | None:
    return tables[0] if len(tables) == 1 else None


def _qualified(catalog: Catalog, name: str) -> str:
    return ", ".join(sorted(t.qualified_name for t in catalog.tables_named(name)))


def describe(project: Project, table: Table) -> dict[str, Any]:
    catalog = project.catalog
    referenced: dict[str, list[dict[str, str]]] = {}
    foreign_keys = []
    for fk in table.foreign_keys:
        target = catalog.resolve_reference(fk, table.schema)
        target_columns = list(fk.target_columns) or (list(target.primary_key) if target is not None else [])
        foreign_keys.append(
            {
                "columns": list(fk.columns),
                "references": target.qualified_name if target is not None else fk.target,
                "referenced_columns": target_columns,
                "resolved": target is not None,
            }
        )
        for written, target_column in zip(fk.columns, target_columns, strict=False):
            referenced.setdefault(key(written), []).append(
                {"table": target.qualified_name if target is not None else fk.target, "column": target_column}
            )
    primary = {key(name) for name in table.primary_key}
    unique = {key(names[0]) for names in table.unique_keys if len(names) == 1}
    columns = []
    for column in table.columns.values():
        entry: dict[str, Any] = {"name": column.name, "type": column.type, "nullable": not column.not_null}
        if key(column.name) in primary:
            entry["primary_key"] = True
        if key(column.name) in unique:
            entry["unique"] = True
        if key(column.name) in referenced:
            entry["references"] = referenced[key(column.name)]
        if column.description:
            entry["description"] = column.description
        if column.deprecated is not None:
            entry["deprecated"] = column.deprecated or True
        if column.tags:
            entry["tags"] = list(column.tags)
        columns.append(entry)
    result = table_brief(table)
    result.update(
        {
            "columns_known": table.columns_known,
            "columns": columns,
            "primary_key": list(table.primary_key),
            "unique_keys": [list(names) for names in table.unique_keys],
            "foreign_keys": foreign_keys,
            "defined_at": where(table.location, project.config.root),
        }
    )
    if table.required_filters:
        result["required_filters"] = list(table.required_filters)
    return result


def handle(workspace: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    name = text_argument(arguments, "name", empty=False)
    project = workspace.current.project
    table = find_table(project.catalog, name, project.config.sql.search_path, "name")
    return describe(project, table)


TOOL = register(
    Tool(
        "describe_table",
        "Describe one table or view before writing SQL against it: every column with its type, nullability, "
        "primary/unique keys and the column each foreign key references, descriptions, deprecations, tags, "
        "and the file and 0-based line where it is defined. Unqualified names resolve through the search path.",
        {"name": {"type": "string", "description": "table, schema.table or database.schema.table"}},
        ("name",),
        handle,
    )
)
