"""`join_path {from_table, to_table}`: the declared foreign-key path between two tables."""

from __future__ import annotations

import threading
import weakref
from collections import deque
from typing import Any

from domain_lsp.catalog.model import Catalog, ForeignKey, Table
from domain_lsp.mcp.describe_table import find_table
from domain_lsp.mcp.registry import Tool, register, text_argument
from domain_lsp.mcp.state import Workspace

MAX_STEPS = 4
"""Longer paths are rarely the join a person means; the answer says none was found within this."""

Edge = tuple[Table, ForeignKey, Table]
"""(referencing table, its foreign key, referenced table)."""

_graphs: weakref.WeakKeyDictionary[Catalog, dict[tuple[str, str, str], list[Edge]]] = weakref.WeakKeyDictionary()
_graphs_lock = threading.Lock()


def foreign_key_graph(catalog: Catalog) -> dict[tuple[str, str, str], list[Edge]]:
    """Every declared foreign key, under both of its tables: built once per catalog."""
    with _graphs_lock:
        graph = _graphs.get(catalog)
        if graph is None:
            graph = {}
            for table in catalog.tables():
                for fk in table.foreign_keys:
                    target = catalog.resolve_reference(fk, table.schema)
                    if target is None:
                        continue
                    edge = (table, fk, target)
                    graph.setdefault(table.key, []).append(edge)
                    if target.key != table.key:
                        graph.setdefault(target.key, []).append(edge)
            _graphs[catalog] = graph
        return graph


def shortest_path(catalog: Catalog, start: Table, goal: Table) -> list[tuple[Table, Edge]] | None:
    """The fewest foreign keys from `start` to `goal` (each step: the table reached, the key used);
    ties broken by table and column names so the answer is the same every run."""
    graph = foreign_key_graph(catalog)
    came: dict[tuple[str, str, str], tuple[tuple[str, str, str], Table, Edge] | None] = {start.key: None}
    queue = deque([(start, 0)])
    while queue:
        table, depth = queue.popleft()
        if table.key == goal.key:
            break
        if depth == MAX_STEPS:
            continue
        edges = sorted(graph.get(table.key, []), key=lambda e: (e[0].qualified_name, e[1].columns, e[2].qualified_name))
        for edge in edges:
            other = edge[2] if edge[0].key == table.key else edge[0]
            if other.key not in came:
                came[other.key] = (table.key, other, edge)
                queue.append((other, depth + 1))
    if goal.key not in came:
        return None
    steps: list[tuple[Table, Edge]] = []
    current = goal.key
    while (entry := came[current]) is not None:
        previous, table, edge = entry
        steps.append((table, edge))
        current = previous
    return steps[::-1]


def _condition(edge: Edge) -> str:
    source, fk, target = edge
    target_columns = fk.target_columns or target.primary_key
    pairs = zip(fk.columns, target_columns, strict=False)
    return " AND ".join(f"{source.qualified_name}.{a} = {target.qualified_name}.{b}" for a, b in pairs)


def handle(workspace: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    first = text_argument(arguments, "from_table", empty=False)
    second = text_argument(arguments, "to_table", empty=False)
    project = workspace.current.project
    search_path = project.config.sql.search_path
    start = find_table(project.catalog, first, search_path, "from_table")
    goal = find_table(project.catalog, second, search_path, "to_table")
    result: dict[str, Any] = {"from_table": start.qualified_name, "to_table": goal.qualified_name}
    steps = shortest_path(project.catalog, start, goal) if start.key != goal.key else []
    if steps is None:
        result.update(
            found=False,
            joins=[],
            note=f"no declared foreign-key path within {MAX_STEPS} joins; join on columns you have checked with describe_table",
        )
        return result
    joins = []
    for table, edge in steps:
        condition = _condition(edge)
        joins.append(
            {"join": table.qualified_name, "on": condition, "sql": f"JOIN {table.qualified_name} ON {condition}"}
        )
    result.update(found=True, joins=joins)
    if not steps:
        result["note"] = "the same table"
    return result


TOOL = register(
    Tool(
        "join_path",
        "How to join two tables by their declared keys: the shortest foreign-key path (through intermediate "
        "tables when there is no direct key), as join conditions ready to paste. An empty result says that "
        "nothing is declared; do not guess join columns then.",
        {
            "from_table": {"type": "string", "description": "the table the query starts from"},
            "to_table": {"type": "string", "description": "the table to reach"},
        },
        ("from_table", "to_table"),
        handle,
    )
)
