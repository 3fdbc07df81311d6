"""PostgreSQL DDL that sqlglot cannot read (or reads only as an opaque command), read with
PostgreSQL's own grammar (pglast, libpg_query) instead: `bit varying(3)` columns, `CREATE INDEX
... ON ONLY`, functions with OUT or defaulted parameters and `RETURNS SETOF`, `CREATE
AGGREGATE`, `ALTER TABLE ... SET SCHEMA`. Statements that define nothing a query names
(indexes, grants, comments on schemas or types, owners) are read and skipped without a word.

Only parsed: nothing is run. Returns None when pglast is not installed or also rejects the
text, so the caller keeps sqlglot's problem.
"""

from __future__ import annotations

from typing import Any

from domain_lsp.catalog.model import Catalog, Column, Function, Location, Table, key


def apply_pg_ddl(sql: str, catalog: Catalog, path: str, line: int) -> bool | None:
    """Apply one statement's text; True when applied or nothing to apply, None when unreadable."""
    try:
        import pglast
        from pglast import ast
    except ImportError:
        return None
    try:
        statements = pglast.parse_sql(sql)
    except Exception:  # pglast.parser.ParseError, or a libpg_query failure: sqlglot's problem stands
        return None
    where = Location(path, line)
    for raw in statements:
        node = raw.stmt
        if isinstance(node, ast.CreateStmt):
            _create_table(node, catalog, where)
        elif isinstance(node, ast.CreateFunctionStmt):
            _function(node, catalog, where)
        elif isinstance(node, ast.DefineStmt) and node.defnames:
            names = [n.sval for n in node.defnames]
            arguments = ", ".join(_type(a) for a in (node.args[0] or ()) if a is not None) if node.args else ""
            catalog.add_function(Function(names[-1], names[-2] if len(names) > 1 else "", f"{names[-1]}({arguments})"))
        elif isinstance(node, ast.AlterObjectSchemaStmt) and node.relation is not None and node.newschema:
            _move(node, catalog)
    return True


def _type(node: Any) -> str:
    from pglast.stream import RawStream

    try:
        return str(RawStream()(node))
    except Exception:  # a node the deparser does not know: the type is unknown, the column is not
        return ""


def _create_table(node: Any, catalog: Catalog, where: Location) -> None:
    from pglast import ast
    from pglast.enums import ConstrType

    relation = node.relation
    table = Table(relation.relname, relation.schemaname or "", relation.catalogname or "", location=where)
    primary: list[str] = []
    for element in node.tableElts or ():
        if isinstance(element, ast.ColumnDef) and element.colname:
            kinds = {c.contype for c in element.constraints or ()}
            column = Column(element.colname, _type(element.typeName) or None, location=where)
            column.not_null = bool(kinds & {ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY})
            if ConstrType.CONSTR_PRIMARY in kinds:
                primary.append(element.colname)
            table.add_column(column)
        elif isinstance(element, ast.Constraint) and element.contype == ConstrType.CONSTR_PRIMARY and element.keys:
            primary = [k.sval for k in element.keys]
    if node.inhRelations and not table.columns:
        table.columns_known = False  # `CREATE TABLE t PARTITION OF p`, `(LIKE ...)`: columns come from elsewhere
    table.primary_key = tuple(primary)
    for name in primary:
        keyed = table.column(name)
        if keyed is not None:
            keyed.not_null = True
    catalog.add_table(table)


def _function(node: Any, catalog: Catalog, where: Location) -> None:
    from pglast.enums import FunctionParameterMode

    names = [n.sval for n in node.funcname]
    shown = []
    for parameter in node.parameters or ():
        if parameter.mode in (FunctionParameterMode.FUNC_PARAM_OUT, FunctionParameterMode.FUNC_PARAM_TABLE):
            continue  # not an argument of the call
        text = " ".join(part for part in (parameter.name or "", _type(parameter.argType)) if part)
        shown.append(text + (" = …" if parameter.defexpr is not None else ""))
    returns = _type(node.returnType) if node.returnType is not None else ""
    signature = f"{names[-1]}({', '.join(shown)})" + (f" → {returns}" if returns else "")
    catalog.add_function(Function(names[-1], names[-2] if len(names) > 1 else "", signature, location=where))


def _move(node: Any, catalog: Catalog) -> None:
    relation = node.relation
    wanted = (key(relation.catalogname or ""), key(relation.schemaname or ""), key(relation.relname))
    table = next((t for t in catalog.tables() if t.key == wanted), None)
    if table is None:
        return
    catalog.drop_table(table)
    table.schema = node.newschema
    catalog.add_table(table)
