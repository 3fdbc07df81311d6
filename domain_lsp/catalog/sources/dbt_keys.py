"""Keys and required filters a dbt manifest declares: the `unique`, `not_null` and
`relationships` data tests (written under `tests:` or `data_tests:`, on a column or on the
model: the manifest holds them alike, as test nodes), `dbt_utils.unique_combination_of_columns`,
model contracts' `constraints` (primary_key, unique, not_null, foreign_key; on the model or on a
column) and `meta: {required_filters: [...]}`.

A test that holds for some rows only (`config: {where: ...}`), or over an expression rather than
a column, declares no key: a rule would otherwise trust a key that is not one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from domain_lsp.catalog.model import ForeignKey, Table, key

if TYPE_CHECKING:
    from domain_lsp.catalog.sources.dbt import DbtProject, Relation

PLAIN_COLUMN = re.compile(r'[A-Za-z_][\w$]*|"(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]')
CALL = re.compile(r"\b(ref|source)\s*\(([^()]*)\)")
STRING = re.compile(r"""'([^']*)'|"([^"]*)\"""")
VERSION = re.compile(r"\bv(?:ersion)?\s*=\s*['\"]?([\w.]+)")
QUOTED_PART = re.compile(r'"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|([^."`\[\]\s]+)')


def apply_keys(nodes: Iterable[tuple[str, Any]], tables: dict[str, Table], project: DbtProject) -> None:
    """Set the keys, NOT NULL columns and required filters of `tables` (by unique id) from the
    manifest's nodes, once every relation is known (a test or a key may name a later one)."""
    by_relation: dict[tuple[str, str, str], Table] = {}
    for unique_id, node in nodes:
        if not isinstance(node, dict):
            continue
        if node.get("resource_type") == "test":
            if not by_relation:  # a source's tests name their relation, not its unique id
                by_relation = {(t.database, t.schema, t.name): t for t in tables.values()}
            _test(node, tables, by_relation, project)
            continue
        table = tables.get(unique_id)
        if table is not None:
            _contract(table, node, project)
    for table in tables.values():
        for name in table.primary_key:
            column = table.column(name)
            if column is not None:
                column.not_null = True


def required_filters(meta: dict[str, Any]) -> tuple[str, ...]:
    """`meta: {required_filters: [event_date]}` (a single name works too)."""
    value = meta.get("required_filters")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(v.strip() for v in value if isinstance(v, str) and PLAIN_COLUMN.fullmatch(v.strip())))


def _test(
    node: dict[str, Any],
    tables: dict[str, Table],
    by_relation: dict[tuple[str, str, str], Table],
    project: DbtProject,
) -> None:
    metadata = _dict(node.get("test_metadata"))
    name, namespace = metadata.get("name"), metadata.get("namespace")
    kwargs = _dict(metadata.get("kwargs"))
    if _dict(node.get("config")).get("where"):
        return  # holds for the filtered rows only
    table = _tested(node, kwargs, tables, by_relation, project)
    if table is None:
        return
    if name == "unique_combination_of_columns" and namespace == "dbt_utils":
        columns = kwargs.get("combination_of_columns")
        names = tuple(_column(c) for c in columns) if isinstance(columns, list) else ()
        if names and all(names):
            _add_unique(table, tuple(n for n in names if n))
        return
    if namespace not in (None, "dbt"):
        return
    column = _column(node.get("column_name") or kwargs.get("column_name"))
    if column is None:
        return
    if name == "unique":
        _add_unique(table, (column,))
    elif name == "not_null":
        found = table.column(column)
        if found is not None:
            found.not_null = True
    elif name == "relationships":
        target = _target(kwargs.get("to"), project)
        field = _column(kwargs.get("field"))
        if target is not None and field is not None:
            _add_foreign_key(table, ForeignKey((column,), target, (field,)))


def _tested(
    node: dict[str, Any],
    kwargs: dict[str, Any],
    tables: dict[str, Table],
    by_relation: dict[tuple[str, str, str], Table],
    project: DbtProject,
) -> Table | None:
    """The relation a test is on: its attached node, else (a source's test) the one its `model`
    argument names."""
    attached = node.get("attached_node")
    if isinstance(attached, str):
        return tables.get(attached)
    relation = _relation(kwargs.get("model"), project)
    return None if relation is None else by_relation.get((relation.database, relation.schema, relation.identifier))


def _contract(table: Table, node: dict[str, Any], project: DbtProject) -> None:
    for constraint in node.get("constraints") or ():
        constraint = _dict(constraint)
        columns = constraint.get("columns")
        names = tuple(_column(c) for c in columns) if isinstance(columns, list) else ()
        if names and all(names):
            _constraint(table, constraint, tuple(n for n in names if n), project)
    columns_doc = node.get("columns")
    if not isinstance(columns_doc, dict):
        return
    for name, doc in columns_doc.items():
        constraints = _dict(doc).get("constraints")
        if not constraints or not isinstance(constraints, list):
            continue
        column = str(_dict(doc).get("name") or name)
        for constraint in constraints:
            _constraint(table, _dict(constraint), (column,), project)


def _constraint(table: Table, constraint: dict[str, Any], columns: tuple[str, ...], project: DbtProject) -> None:
    kind = constraint.get("type")
    if kind == "primary_key":
        table.primary_key = columns
        table.unique_keys = tuple(u for u in table.unique_keys if _folded(u) != _folded(columns))
    elif kind == "unique":
        _add_unique(table, columns)
    elif kind == "not_null":
        for name in columns:
            found = table.column(name)
            if found is not None:
                found.not_null = True
    elif kind == "foreign_key":
        target = _target(constraint.get("to"), project)
        to_columns = constraint.get("to_columns")
        target_columns = tuple(_column(c) for c in to_columns) if isinstance(to_columns, list) else ()
        if target is None:  # before dbt 1.9: `expression: "schema.table (id)"`
            target, target_columns = _expression_target(constraint.get("expression"))
        if target is not None and all(target_columns) and len(target_columns) in (0, len(columns)):
            _add_foreign_key(table, ForeignKey(columns, target, tuple(c for c in target_columns if c)))


def _target(written: Any, project: DbtProject) -> str | None:
    """A `to:` as a table name: `ref('customers')` / `source('raw', 'accounts')` as the
    relation dbt builds, or (after `dbt compile`) the relation's name, `"db"."schema"."name"`."""
    if not isinstance(written, str) or not written.strip():
        return None
    relation = _relation(written, project)
    if relation is not None:
        return ".".join(part for part in (relation.database, relation.schema, relation.identifier) if part)
    if CALL.search(written):
        return None  # a ref the manifest does not know
    return _dotted(written)


def _relation(written: Any, project: DbtProject) -> Relation | None:
    if not isinstance(written, str):
        return None
    call = CALL.search(written)
    if call is None:
        return None
    arguments = call.group(2)
    version = VERSION.search(arguments)
    strings = [a or b for a, b in STRING.findall(VERSION.sub("", arguments))]
    if call.group(1) == "source":
        return project.source(*strings) if len(strings) == 2 else None
    if len(strings) == 1:
        return project.ref(strings[0], version=version.group(1) if version else None)
    if len(strings) == 2:
        return project.ref(strings[1], strings[0], version.group(1) if version else None)
    return None


def _dotted(name: str) -> str | None:
    """`"db"."schema"."table"` (or plain `schema.table`) as unquoted parts joined with dots."""
    parts = [next(g for g in m.groups() if g is not None) for m in QUOTED_PART.finditer(name.strip())]
    return ".".join(p.replace('""', '"') for p in parts) if parts and all(parts) else None


def _expression_target(expression: Any) -> tuple[str | None, tuple[str | None, ...]]:
    if not isinstance(expression, str):
        return None, ()
    match = re.fullmatch(r"\s*(.+?)\s*\(([^()]*)\)\s*", expression)
    if match is None:
        return _dotted(expression), ()
    return _dotted(match.group(1)), tuple(_column(c) for c in match.group(2).split(","))


def _column(value: Any) -> str | None:
    """A plain column name (quotes removed), or None for an expression."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not PLAIN_COLUMN.fullmatch(text):
        return None
    if text[0] in '"`[':
        return text[1:-1].replace('""', '"')
    return text


def _folded(columns: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(key(c) for c in columns)


def _add_unique(table: Table, columns: tuple[str, ...]) -> None:
    folded = _folded(columns)
    if folded != _folded(table.primary_key) and all(_folded(u) != folded for u in table.unique_keys):
        table.unique_keys = (*table.unique_keys, columns)


def _add_foreign_key(table: Table, fk: ForeignKey) -> None:
    if fk not in table.foreign_keys:
        table.foreign_keys = (*table.foreign_keys, fk)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
