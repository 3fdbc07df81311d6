"""What name is under the cursor, and what it refers to: for hover and go-to-definition."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from domain_lsp.analysis.sql import functions
from domain_lsp.analysis.sql.bindings import ColumnRef, StatementBindings, TableRef
from domain_lsp.analysis.sql.document import SqlAnalysis
from domain_lsp.analysis.sql.resolve import Context, span
from domain_lsp.catalog.model import Catalog, Column, Function, Location, Table, key
from domain_lsp.config import SqlSettings


@dataclass(frozen=True)
class Symbol:
    kind: str
    """"table", "column", "function" or "cte"."""
    name: str
    start: int
    end: int
    table: Table | None = None
    column: Column | None = None
    function: Function | None = None
    builtin: bool = False
    location: Location | None = None


def symbol_at(analysis: SqlAnalysis, offset: int, settings: SqlSettings, path: str = "") -> Symbol | None:
    """The symbol under `offset`, read from the statement's bindings: a column resolves in its
    own query level (inside a CTE, to the CTE's tables, not to a same-named one elsewhere)."""
    statement = next((s for s in analysis.statements if s.start <= offset <= s.end and s.expression is not None), None)
    if statement is None or statement.expression is None:
        return None
    bindings = analysis.bindings_of(statement, settings)
    ctx = Context(analysis.catalog, settings.dialect, settings.search_path, analysis.text)
    ref = bindings.table_at(offset)
    if ref is not None:
        return _table(ref, ref.start, ref.end, bindings, analysis, path)
    column = bindings.column_at(offset)
    if column is not None:
        return _column(column)
    qualified = bindings.qualifier_at(offset)
    if qualified is not None:
        if qualified.source is None or qualified.source.table is None:
            return None
        return _table(
            qualified.source.table, qualified.qualifier_start, qualified.qualifier_end, bindings, analysis, path
        )
    for node in statement.expression.walk():
        where = span(node) if isinstance(node, (exp.Identifier, exp.Func)) else None
        if where is None or not (where[0] <= offset <= where[1]):
            continue
        if isinstance(node, exp.Func):
            return _function(node, where, ctx)
        parent = node.parent
        if isinstance(parent, exp.Table) and parent.this is node:
            # A table name outside any query the resolver binds (CREATE, ALTER, DROP...).
            table = ctx.resolve_table(parent).table
            return Symbol("table", parent.name, *where, table=table, location=table.location if table else None)
    return None


def _table(
    ref: TableRef, start: int, end: int, bindings: StatementBindings, analysis: SqlAnalysis, path: str
) -> Symbol | None:
    if ref.kind == "cte":
        cte = bindings.cte_definition(ref)
        location = _location(cte.start, analysis, path) if cte is not None and cte.start >= 0 else None
        return Symbol("cte", ref.name, start, end, location=location)
    table = ref.table
    return Symbol("table", ref.name, start, end, table=table, location=table.location if table else None)


def _column(column: ColumnRef) -> Symbol | None:
    catalog_column = column.column
    if column.status != "resolved" or column.table is None or catalog_column is None:
        return None
    return Symbol(
        "column",
        column.name,
        column.start,
        column.end,
        table=column.table,
        column=catalog_column,
        location=catalog_column.location,
    )


def _function(node: exp.Func, where: tuple[int, int], ctx: Context) -> Symbol | None:
    name = ctx.text[where[0] : where[1]]
    declared = ctx.catalog.functions_named(name)
    if declared:
        return Symbol("function", name, *where, function=declared[0], location=declared[0].location)
    known = functions.known_functions(ctx.dialect)
    builtin = known is not None and key(name) in known
    return Symbol("function", name, *where, builtin=builtin)


def _location(offset: int, analysis: SqlAnalysis, path: str) -> Location | None:
    line, character = analysis.lines.line_col(offset)
    return Location(path, line, character)


def column_facts(table: Table, column: Column, catalog: Catalog | None) -> list[str]:
    """What the catalog declares of a column beyond its type: key, NOT NULL, the column each of
    its foreign keys references (`→ core.customer.customer_id`)."""
    facts: list[str] = []
    name = key(column.name)
    if name in (key(c) for c in table.primary_key):
        facts.append(
            "primary key"
            if len(table.primary_key) == 1
            else f"part of the primary key ({', '.join(table.primary_key)})"
        )
    elif any(len(u) == 1 and key(u[0]) == name for u in table.unique_keys):
        facts.append("unique")
    if column.not_null:
        facts.append("NOT NULL")
    for fk in table.foreign_keys:
        at = next((i for i, c in enumerate(fk.columns) if key(c) == name), None)
        if at is None:
            continue
        target = catalog.resolve_reference(fk, table.schema) if catalog is not None else None
        columns = fk.target_columns or (target.primary_key if target is not None else ())
        target_name = target.qualified_name if target is not None else fk.target
        referenced = f"{target_name}.{columns[at]}" if len(columns) == len(fk.columns) else target_name
        facts.append(f"→ `{referenced}`")
    return facts


def _notes(deprecated: str | None, tags: tuple[str, ...]) -> str:
    lines = []
    if deprecated is not None:
        lines.append(f"**deprecated**: {deprecated}" if deprecated else "**deprecated**")
    if tags:
        lines.append("tags: " + ", ".join(f"`{t}`" for t in tags))
    return "".join(f"\n\n{line}" for line in lines)


def describe(symbol: Symbol, dialect: str, root: Path | None = None, catalog: Catalog | None = None) -> str | None:
    """Markdown for a hover; definition paths are shown relative to `root` when below it, and
    foreign keys are followed in `catalog` (the analysis's own, its definitions included)."""
    where = ""
    if symbol.location is not None and symbol.location.path:
        shown = Path(symbol.location.path)
        if root is not None and shown.is_relative_to(root):
            shown = shown.relative_to(root)
        where = f"\n\n*defined in {shown.as_posix()}:{symbol.location.line + 1}*"
    if symbol.kind == "column" and symbol.column is not None and symbol.table is not None:
        column = symbol.column
        head = f"**column** `{symbol.table.qualified_name}.{column.name}`"
        if column.type:
            head += f" `{column.type}`"
        facts = column_facts(symbol.table, column, catalog)
        if facts:
            head += " · " + " · ".join(facts)
        body = f"\n\n{column.description}" if column.description else ""
        return head + body + _notes(column.deprecated, column.tags) + where
    if symbol.kind == "table" and symbol.table is not None:
        table = symbol.table
        head = f"**{table.kind}** `{table.qualified_name}`"
        if table.primary_key:
            head += f" · primary key ({', '.join(table.primary_key)})"
        body = f"\n\n{table.description}" if table.description else ""
        body += _notes(table.deprecated, table.tags)
        listed = list(table.columns.values())[:40]
        lines = "\n".join(f"- `{c.name}`" + (f" {c.type}" if c.type else "") for c in listed)
        more = f"\n- … {len(table.columns) - len(listed)} more" if len(table.columns) > len(listed) else ""
        return f"{head}{body}\n\n{lines}{more}{where}"
    if symbol.kind == "cte":
        return f"**cte** `{symbol.name}`{where}"
    if symbol.kind == "function":
        if symbol.function is not None:
            return f"**function** `{symbol.function.signature or symbol.name}`{where}"
        if symbol.builtin:
            return f"**function** `{symbol.name}` (built into {dialect})"
    return None
