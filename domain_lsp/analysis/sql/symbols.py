"""What name is under the cursor, and what it refers to: for hover and go-to-definition."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlglot import exp

from domain_lsp.analysis.sql import functions
from domain_lsp.analysis.sql.document import SqlAnalysis
from domain_lsp.analysis.sql.resolve import Context, span
from domain_lsp.catalog.model import Column, Function, Location, Table, key
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
    statement = next((s for s in analysis.statements if s.start <= offset <= s.end and s.expression is not None), None)
    if statement is None or statement.expression is None:
        return None
    root = statement.expression
    ctx = Context(analysis.catalog, settings.dialect, settings.search_path, analysis.text)
    for node in root.walk():
        where = span(node) if isinstance(node, (exp.Identifier, exp.Func)) else None
        if where is None or not (where[0] <= offset <= where[1]):
            continue
        if isinstance(node, exp.Func):
            return _function(node, where, ctx)
        symbol = _identifier(node, where, root, ctx, analysis, path)
        if symbol is not None:
            return symbol
    return None


def _function(node: exp.Func, where: tuple[int, int], ctx: Context) -> Symbol | None:
    name = ctx.text[where[0] : where[1]]
    declared = ctx.catalog.functions_named(name)
    if declared:
        return Symbol("function", name, *where, function=declared[0], location=declared[0].location)
    known = functions.known_functions(ctx.dialect)
    builtin = known is not None and key(name) in known
    return Symbol("function", name, *where, builtin=builtin)


def _identifier(
    ident: exp.Expr, where: tuple[int, int], root: exp.Expr, ctx: Context, analysis: SqlAnalysis, path: str
) -> Symbol | None:
    parent = ident.parent
    if isinstance(parent, exp.TableAlias) and isinstance(parent.parent, exp.Table):
        ident = parent.parent.this
        parent = parent.parent
    if isinstance(parent, exp.Table) and parent.this is ident:
        cte = _cte(root, parent.name)
        if cte is not None and not parent.db:
            return Symbol("cte", parent.name, *where, location=_location(cte, analysis, path))
        table = ctx.resolve_table(parent).table
        return Symbol("table", parent.name, *where, table=table, location=table.location if table else None)
    if isinstance(parent, exp.Column):
        sources = _sources(root, ctx)
        if parent.args.get("table") is ident:
            table = sources.get(key(parent.table))
            return Symbol("table", parent.table, *where, table=table, location=table.location if table else None)
        if parent.this is ident:
            if parent.table:
                owners = [sources[key(parent.table)]] if key(parent.table) in sources else []
            else:
                distinct = {id(t): t for t in sources.values()}.values()
                owners = [t for t in distinct if t.column(parent.name) is not None]
            if len(owners) == 1:
                column = owners[0].column(parent.name)
                if column is not None:
                    return Symbol(
                        "column", parent.name, *where, table=owners[0], column=column, location=column.location
                    )
    return None


def _sources(root: exp.Expr, ctx: Context) -> dict[str, Table]:
    """Aliases and names of the catalog tables the statement reads, to resolve qualifiers."""
    sources: dict[str, Table] = {}
    for node in root.find_all(exp.Table):
        table = ctx.resolve_table(node).table
        if table is not None:
            sources.setdefault(key(node.alias_or_name), table)
            sources.setdefault(key(node.name), table)
    return sources


def _cte(root: exp.Expr, name: str) -> exp.Expr | None:
    for cte in root.find_all(exp.CTE):
        if key(cte.alias) == key(name):
            alias = cte.args.get("alias")
            return alias.this if isinstance(alias, exp.TableAlias) else None
    return None


def _location(node: exp.Expr, analysis: SqlAnalysis, path: str) -> Location | None:
    where = span(node)
    if where is None:
        return None
    line, character = analysis.lines.line_col(where[0])
    return Location(path, line, character)


def describe(symbol: Symbol, dialect: str, root: Path | None = None) -> str | None:
    """Markdown for a hover; definition paths are shown relative to `root` when below it."""
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
        body = f"\n\n{column.description}" if column.description else ""
        return head + body + where
    if symbol.kind == "table" and symbol.table is not None:
        table = symbol.table
        head = f"**{table.kind}** `{table.qualified_name}`"
        body = f"\n\n{table.description}" if table.description else ""
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
