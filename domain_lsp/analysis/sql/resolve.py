"""Name resolution for one parsed statement: every table, column and function reference is
checked against the catalog and the scopes sqlglot builds, and *every* problem is reported
(sqlglot's own validation stops at the first one).

When a name cannot be decided (a source whose columns are unknown, a table function, a struct
field) nothing is reported: a false positive on valid SQL is worse than a missed mistake.
"""

from __future__ import annotations

import dataclasses
import re
import weakref
from dataclasses import dataclass, field
from functools import lru_cache

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, ScopeType, traverse_scope

from domain_lsp.analysis.sql import ancestry, functions
from domain_lsp.analysis.sql.bindings import (
    ColumnRef,
    ColumnStatus,
    FunctionRef,
    Limit,
    ScopeInfo,
    Source,
    StatementBindings,
    StatementKind,
    TableKind,
    TableProblem,
    TableRef,
)
from domain_lsp.analysis.sql.dialects import (
    DEFAULT_SCHEMA,
    FILE_NAME,
    FILE_TABLE_DIALECTS,
    IMPLICIT_LATERAL,
    NO_LAMBDA_DIALECTS,
    PSEUDO_COLUMNS,
    SCRIPT_VARIABLE_DIALECTS,
    STRUCT_DIALECTS,
    SYNTAX_FUNCTION_PREFIXES,
    SYNTAX_FUNCTIONS,
    SYSTEM_SCHEMAS,
    SYSTEM_TABLE_PREFIXES,
    VALUE_KEYWORDS,
    WILDCARD_TABLE_DIALECTS,
    get_dialect,
)
from domain_lsp.analysis.sql.rules import run_rules
from domain_lsp.analysis.suggest import closest
from domain_lsp.catalog.model import Catalog, Table, key
from domain_lsp.findings import Finding

DML = (exp.Insert, exp.Update, exp.Delete)

# The ancestors sqlglot's Scope.columns looks for above a column to decide whether it counts.
COLUMN_ANCESTORS = (
    exp.Select,
    exp.Qualify,
    exp.Order,
    exp.Cluster,
    exp.Having,
    exp.Hint,
    exp.Table,
    exp.Star,
    exp.Distinct,
)

# Columns a hierarchical query (START WITH ... CONNECT BY) provides.
CONNECT_BY_PSEUDO_COLUMNS = frozenset({"level", "connect_by_isleaf", "connect_by_iscycle"})

DATE_PARTS = frozenset(
    "year years quarter month months week weeks day days dayofweek dayofyear hour hours minute minutes "
    "second seconds millisecond milliseconds microsecond microseconds nanosecond epoch isoweek isoyear "
    "dow doy yy mm dd hh mi ss ms us ns date time timestamp".split()
)


_TABLE_LISTS: weakref.WeakKeyDictionary[Catalog, tuple[tuple[int, ...], list[Table]]] = weakref.WeakKeyDictionary()


def _set_operation_top(node: exp.Expr, above: exp.Expr | None) -> exp.Expr | None:
    return above if isinstance(node.parent, exp.SetOperation) else node


def table_list(catalog: Catalog) -> list[Table]:
    """catalog.tables() as a list, kept until the catalog or one of its parents changes: listing
    an overlay catalog walks (and dedupes) the whole workspace catalog."""
    versions = []
    current: Catalog | None = catalog
    while current is not None:
        versions.append(current.version)
        current = current.parent
    cached = _TABLE_LISTS.get(catalog)
    if cached is None or cached[0] != tuple(versions):
        cached = _TABLE_LISTS[catalog] = (tuple(versions), list(catalog.tables()))
    return cached[1]


SUGGESTION_POOL = 400


def suggestion_pool(name: str, names: list[str]) -> list[str]:
    """The names worth comparing with a mistyped one. Fuzzy matching costs microseconds per
    name, too much for every keystroke against a catalog of many thousand tables: past a few
    hundred, keep names of a similar length that share the first letter or a word."""
    if len(names) <= SUGGESTION_POOL:
        return names
    wanted = name.casefold()
    first, size = wanted[:1], len(wanted)
    words = [w for w in wanted.split("_") if len(w) >= 3]
    pool = []
    for n in names:
        folded = n.casefold()
        if (abs(len(folded) - size) <= 3 and folded[:1] == first) or any(w in folded for w in words):
            pool.append(n)
            if len(pool) == SUGGESTION_POOL:
                break
    return pool


def span(node: exp.Expr) -> tuple[int, int] | None:
    """Offsets of the token a node was parsed from, when sqlglot recorded them."""
    meta = node.meta if node._meta else None
    if meta and "start" in meta:
        return meta["start"], meta["end"] + 1
    return None


def name_span(node: exp.Expr) -> tuple[int, int] | None:
    """Offsets of the name token of a Column, Table or Identifier."""
    this = node.this if isinstance(node, (exp.Column, exp.Table)) else node
    return span(this) if isinstance(this, exp.Expr) else None


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a table reference resolves to: a catalog table, a system table, or a problem (the
    rules in rules/ word it; see bindings.TableRef for the fields)."""

    table: Table | None = None
    system: bool = False
    problem: TableProblem = ""
    candidates: tuple[str, ...] = ()
    looked_in: str = ""


@dataclass
class Context:
    catalog: Catalog
    dialect: str = ""
    search_path: tuple[str, ...] = ()
    text: str = ""
    _tables: dict[int, tuple[exp.Table, Resolution]] = field(default_factory=dict)
    _columns: dict[int, tuple[object, list[str] | None, frozenset[str]]] = field(default_factory=dict)
    """Per FROM item (Table node or Scope): its column names and their keys. The item itself is
    kept in the value so that its id cannot be reused by another object while cached."""
    _set_operation_top: ancestry.Inherited[exp.Expr | None] = field(
        default_factory=lambda: ancestry.Inherited(_set_operation_top, None)
    )
    """The whole UNION a branch belongs to; memoised: walking up from each of 5,000 branches was
    quadratic."""

    def identifier_text(self, start: int, end: int) -> str:
        return self.text[start:end]

    def quote(self, name: str) -> str:
        ident = exp.to_identifier(name)
        return ident.sql(dialect=get_dialect(self.dialect)) if ident is not None else name

    # -- tables -------------------------------------------------------------------------
    def resolve_table(self, node: exp.Table) -> Resolution:
        cached = self._tables.get(id(node))
        if cached is None:
            cached = self._tables[id(node)] = (node, self._resolve_table(node))
        return cached[1]

    def column_keys(self, source: exp.Expr | Scope) -> frozenset[str] | None:
        """Case-folded column names of a FROM item, or None when they cannot be known."""
        if source_columns(source, self) is None:
            return None
        return self._columns[id(source)][2]

    def _resolve_table(self, node: exp.Table) -> Resolution:
        name, schema, database = node.name, node.db, node.catalog
        if not isinstance(node.this, exp.Identifier) or not name:
            return Resolution()  # a table function or an expression: columns unknown
        if key(schema) in SYSTEM_SCHEMAS or key(database) in SYSTEM_SCHEMAS:
            return Resolution(system=True)
        if "." in name and key(name.split(".", 1)[0]) in SYSTEM_SCHEMAS:
            return Resolution(system=True)  # bigquery: dataset.INFORMATION_SCHEMA.COLUMNS
        if not schema and key(name).startswith(SYSTEM_TABLE_PREFIXES.get(self.dialect, ())):
            return Resolution(system=True)
        catalog = self.catalog
        if self.dialect in FILE_TABLE_DIALECTS and node.this.quoted and not schema and FILE_NAME.search(name):
            return Resolution()  # duckdb reads a file named in FROM: its columns are unknown
        if name.endswith("*") and self.dialect in WILDCARD_TABLE_DIALECTS:
            return self._wildcard(node)
        if schema:
            table = catalog.get(name, schema, database) or (catalog.get(name, schema) if database else None)
            if table is None and not database:  # the default project/database holds it
                table = next((t for t in catalog.tables_named(name) if key(t.schema) == key(schema)), None)
            if table is not None:
                return Resolution(table)
            if database and not catalog.has_schema(schema, database):
                return Resolution()  # another database or project, which the catalog does not describe
            if not catalog.has_schema(schema):
                unqualified = catalog.get(name)
                if unqualified is not None:
                    return Resolution(unqualified)  # the catalog knows the table without a schema
                return self._unknown_schema(node)
            in_schema = [t.name for t in self.all_tables() if key(t.schema) == key(schema)]
            return self._unknown_table(node, in_schema, schema)
        candidates = catalog.tables_named(name)
        if self.search_path:
            for path_schema in self.search_path:
                for table in candidates:
                    if key(table.schema) == key(path_schema):
                        return Resolution(table)
            schemaless = [t for t in candidates if not t.schema]
            if schemaless:
                return Resolution(schemaless[0])
            if candidates:
                return Resolution(problem="not-on-search-path", candidates=tuple(t.qualified_name for t in candidates))
            return self._unknown_table(node, [t.name for t in self.all_tables()], None)
        if len(candidates) == 1:
            return Resolution(candidates[0])
        if candidates:
            default = DEFAULT_SCHEMA.get(self.dialect, "")
            preferred = [t for t in candidates if not t.schema or (default and key(t.schema) == default)]
            if len(preferred) == 1:
                return Resolution(preferred[0])
            return Resolution(problem="ambiguous-table", candidates=tuple(t.qualified_name for t in candidates))
        return self._unknown_table(node, [t.name for t in self.all_tables()], None)

    def _wildcard(self, node: exp.Table) -> Resolution:
        """`dataset.prefix_*` reads every table whose name starts with the prefix."""
        prefix, schema = key(node.name[:-1]), key(node.db)
        matches = [
            t for t in self.all_tables() if key(t.name).startswith(prefix) and (not schema or key(t.schema) == schema)
        ]
        if not matches:
            if schema and not self.catalog.has_schema(node.db):
                return self._unknown_schema(node)
            return self._unknown_table(node, [t.name for t in self.all_tables()], node.db)
        shapes = {tuple(t.columns) for t in matches}
        return Resolution(matches[0]) if len(shapes) == 1 else Resolution()

    def all_tables(self) -> list[Table]:
        """Every table: only mistakes and wildcards need the list, which is cached per catalog."""
        return table_list(self.catalog)

    def _unknown_table(self, node: exp.Table, names: list[str], schema: str | None) -> Resolution:
        suggestions = closest(node.name, suggestion_pool(node.name, names))
        return Resolution(problem="unknown-table", candidates=tuple(suggestions), looked_in=schema or "")

    def _unknown_schema(self, node: exp.Table) -> Resolution:
        return Resolution(problem="unknown-schema", candidates=tuple(closest(node.db, self.catalog.schemas())))


# -- what a source provides ---------------------------------------------------------------------


def alias_columns(node: exp.Expr | None) -> list[str] | None:
    alias = node.args.get("alias") if node is not None else None
    if isinstance(alias, exp.TableAlias) and alias.columns:
        return [c.name for c in alias.columns]
    return None


def source_columns(source: exp.Expr | Scope, ctx: Context, seen: frozenset[int] = frozenset()) -> list[str] | None:
    """The column names a FROM item provides, or None when they cannot be known (cached)."""
    cached = ctx._columns.get(id(source))
    if cached is not None:
        return cached[1]
    if isinstance(source, Scope) and id(source) in seen:
        return None  # a recursive reference: not cached, the outer computation decides
    columns = _source_columns(source, ctx, seen)
    keys = frozenset(key(c) for c in columns) if columns is not None else frozenset()
    ctx._columns[id(source)] = (source, columns, keys)
    return columns


def _source_columns(source: exp.Expr | Scope, ctx: Context, seen: frozenset[int]) -> list[str] | None:
    if isinstance(source, Scope):
        return scope_outputs(source, ctx, seen)
    if isinstance(source, exp.Table):
        named = alias_columns(source)
        if named is not None:
            return named
        resolution = ctx.resolve_table(source)
        table = resolution.table
        return table.column_names() if table is not None and table.columns_known else None
    return alias_columns(source)


def scope_outputs(scope: Scope, ctx: Context, seen: frozenset[int] = frozenset()) -> list[str] | None:
    """The output column names of a derived table, CTE or set operation."""
    seen = seen | {id(scope)}
    expression = scope.expression
    top = ctx._set_operation_top(expression) or expression  # a branch: the whole's column list applies
    named = alias_columns(top.parent) if isinstance(top.parent, (exp.Subquery, exp.CTE)) else None
    if named is None and isinstance(expression, (exp.Subquery, exp.Lateral)):
        named = alias_columns(expression)
    if named is not None:
        return named
    if isinstance(expression, exp.SetOperation):
        return source_columns(scope.set_operation_scopes[0], ctx, seen) if scope.set_operation_scopes else None
    if isinstance(expression, exp.Lateral) and isinstance(expression.this, exp.Subquery):
        body = expression.this.unnest()
        inner = next((s for s in scope.subquery_scopes if s.expression is body), None)
        return source_columns(inner, ctx, seen) if inner is not None else None
    if isinstance(expression, exp.Select):
        return select_outputs(expression, scope, ctx, seen)
    return None


def select_outputs(
    select: exp.Select, scope: Scope, ctx: Context, seen: frozenset[int] = frozenset()
) -> list[str] | None:
    outputs: list[str] = []
    for projection in select.expressions:
        if isinstance(projection, exp.Star):
            for _, source in scope.selected_sources.values():
                columns = source_columns(source, ctx, seen)
                if columns is None:
                    return None
                outputs.extend(_except(columns, projection))
        elif isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
            selected = scope.selected_sources.get(projection.table)
            columns = source_columns(selected[1], ctx, seen) if selected else None
            if columns is None:
                return None
            outputs.extend(_except(columns, projection.this))
        else:
            name = projection.alias_or_name
            if not name or (not isinstance(projection, exp.Alias) and isinstance(projection, exp.Literal)):
                return None  # an unnamed expression; its generated name is dialect-specific
            outputs.append(name)
    return outputs


def _except(columns: list[str], star: exp.Expr) -> list[str]:
    """The columns a star selects after its EXCEPT/EXCLUDE and RENAME modifiers."""
    excluded = star.args.get("except_") or star.args.get("except") or star.args.get("exclude") or []
    drop = {key(e.name) for e in excluded}
    renamed = {key(a.this.name): a.alias for a in star.args.get("rename") or [] if isinstance(a, exp.Alias)}
    return [renamed.get(key(c), c) for c in columns if key(c) not in drop]


MAX_NESTED_QUERIES = 1_000
"""SELECTs nested deeper are not resolved. sqlglot's traverse_scope hands each scope up a chain
of generators as long as its nesting, so its time grows with the square of the depth (measured
on subqueries in FROM: 1,000 levels 0.07 s, 2,000 0.28 s, 4,000 1.3 s, 7,000 9.6 s)."""

MAX_CTES = 1_000
"""Statements with more CTEs are not resolved. traverse_scope copies the CTEs defined so far
into every scope it builds, so its time grows with the square of their number (measured:
1,000 CTEs 0.04 s, 2,000 0.14 s, 4,000 0.66 s, 8,000 2.7 s, 16,000 24 s)."""


def too_complex(query: exp.Expr) -> str | None:
    """Why a query is beyond what the resolver takes on (MAX_NESTED_QUERIES, MAX_CTES), or None.
    One walk of the tree; the nesting of each SELECT is inherited, not counted per SELECT."""
    nesting = ancestry.Inherited(lambda node, above: above + 1 if isinstance(node, exp.Select) else above, 0)
    deepest = ctes = 0
    for node in query.find_all(exp.Select, exp.CTE):
        if isinstance(node, exp.CTE):
            ctes += 1
        else:
            deepest = max(deepest, nesting(node))
    if deepest > MAX_NESTED_QUERIES:
        return f"{deepest:,} nested queries (limit {MAX_NESTED_QUERIES:,})"
    if ctes > MAX_CTES:
        return f"{ctes:,} CTEs (limit {MAX_CTES:,})"
    return None


def query_outputs(query: exp.Expr, ctx: Context) -> list[str] | None:
    """Output column names of a query (for CREATE VIEW / CREATE TABLE AS)."""
    if too_complex(query) is not None:
        return None
    try:
        scopes = traverse_scope(query)
    except Exception:
        return None
    outputs_bottom_up(scopes, ctx)
    return source_columns(scopes[-1], ctx) if scopes else None


def outputs_bottom_up(scopes: list[Scope], ctx: Context) -> None:
    """Cache every scope's outputs, inner scopes first (traverse_scope's order), so that asking
    for an outer one never recurses more than a level: `SELECT x FROM (SELECT * FROM (...))` 400
    levels deep, a UNION of 1,000 branches or a chain of 400 `SELECT *` CTEs raised
    RecursionError when the outermost was asked first. The sources of a scope are scopes built
    before it (a DAG), so the order changes no result."""
    for scope in scopes:
        source_columns(scope, ctx)


# -- checking ------------------------------------------------------------------------------------


class StatementChecker:
    """One pass over a statement that records what each of its names refers to (bindings.py);
    the rules (rules/) turn the problems among them into findings."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.bindings = StatementBindings("other", catalog_checked=False)
        self._table_refs: dict[int, tuple[exp.Expr, TableRef]] = {}
        self._scope_ids: dict[int, int] = {}
        self._target: Source | None = None
        """The DML target check_target last met: what check_target_columns' names belong to."""
        self._sources: dict[int, tuple[exp.Expr, Source]] = {}
        self._last_scope: tuple[Scope | None, int] = (None, -1)
        self._kept_scopes: list[Scope] = []
        """The scopes numbered in _scope_ids, kept alive so that their ids are not reused."""
        self._done_columns: set[int] = set()
        self._done_tables: set[int] = set()
        self._semi: dict[int, dict[str, tuple[exp.Expr, exp.Expr | Scope]]] = {}
        self._visible: dict[int, tuple[Scope, dict[str, tuple[exp.Expr, exp.Expr | Scope]]]] = {}
        self._aliases: dict[int, tuple[Scope, dict[str, tuple[str, exp.Expr, exp.Expr | Scope]]]] = {}
        self._output_aliases: dict[int, tuple[Scope, frozenset[str]]] = {}
        self._known: dict[int, tuple[Scope, list[str]]] = {}
        self.pseudo = PSEUDO_COLUMNS.get(ctx.dialect, frozenset())
        # What used to be learnt by walking up from each column or down from each scope, which
        # is quadratic in deep trees (see ancestry.py): memoised, or indexed once per query.
        self._column_ancestor = ancestry.nearest(*COLUMN_ANCESTORS)
        self._select_clause = ancestry.select_clause()
        self._bound_names = ancestry.bound_names()
        self._connect_by = ancestry.under_connect_by()
        self._query: exp.Expr | None = None
        self._with_pivot: set[int] = set()
        self._lambdas: dict[int, list[exp.Lambda]] = {}
        self._clause_columns: dict[tuple[int, str], list[exp.Column]] | None = None

    def bind(self, statement: exp.Expr) -> StatementBindings:
        self.bindings.kind = statement_kind(statement)
        self.check_functions(statement)
        if self.ctx.catalog.is_empty():
            return self.bindings
        self.bindings.catalog_checked = True
        statement = self._lift_dml_ctes(statement)
        if isinstance(statement, exp.Query):
            self.check_query(statement)
        elif isinstance(statement, DML):
            self.check_dml(statement)
        elif isinstance(statement, exp.Create):
            body = statement.expression
            if isinstance(body, exp.Subquery):  # CREATE TABLE t AS (SELECT ...)
                body = body.unnest()
            if isinstance(body, exp.Query):
                self.check_query(body)
        return self.bindings

    # -- recording ----------------------------------------------------------------------
    def table_ref(self, node: exp.Table, defined_by: int | None = None) -> TableRef:
        """The binding of a table node (built once per node); `defined_by` for a CTE's name: the
        index of its scope (-1 for the CTE a recursive branch reads, a scope of its own)."""
        cached = self._table_refs.get(id(node))
        if cached is not None:
            return cached[1]
        where = name_span(node) or (-1, -1)
        alias = node.args.get("alias")
        alias_at = span(alias.this) if isinstance(alias, exp.TableAlias) and isinstance(alias.this, exp.Expr) else None
        alias_start, alias_end = alias_at or (-1, -1)
        if defined_by is not None:
            ref = TableRef(
                node.name,
                node.db,
                *where,
                "cte",
                alias_start=alias_start,
                alias_end=alias_end,
                defined_by=defined_by,
            )
        else:
            resolution = self.ctx.resolve_table(node)
            kind: TableKind = (
                "catalog"
                if resolution.table is not None
                else "system"
                if resolution.system
                else "unknown"
                if resolution.problem
                else "opaque"
            )
            first = span(node.parts[0]) if node.parts else None
            db = node.args.get("db")
            schema_at = span(db) if resolution.problem == "unknown-schema" and isinstance(db, exp.Expr) else None
            ref = TableRef(
                node.name,
                node.db,
                where[0],
                where[1],
                kind,
                resolution.table,
                resolution.problem,
                resolution.candidates,
                resolution.looked_in,
                qualified_start=first[0] if first else where[0],
                schema_start=schema_at[0] if schema_at else -1,
                schema_end=schema_at[1] if schema_at else -1,
                alias_start=alias_start,
                alias_end=alias_end,
            )
        self._table_refs[id(node)] = (node, ref)
        return ref

    def _path(self, node: exp.Table) -> TableRef:
        """A FROM item that turned out to be a struct path: not a table reference."""
        ref = dataclasses.replace(self.table_ref(node), kind="path", problem="", candidates=(), looked_in="")
        self._table_refs[id(node)] = (node, ref)
        return ref

    def source_of(self, alias: str, node: exp.Expr, source: exp.Expr | Scope) -> Source:
        """The binding of a FROM item, built once per item (`node`: its Table or Subquery node;
        every column of the item shares it, so 2,000 columns build a handful)."""
        cached = self._sources.get(id(node))
        if cached is not None:
            return cached[1]
        if isinstance(source, Scope):
            index = self._scope_ids.get(id(source), -1)
            found = Source(alias, self.table_ref(node, index) if isinstance(node, exp.Table) else None, index)
        elif isinstance(source, exp.Table):
            found = Source(alias, self.table_ref(source))
        else:
            found = Source(alias)
        self._sources[id(node)] = (node, found)
        return found

    def resolved(self, column: exp.Column, scope: Scope, alias: str, node: exp.Expr, source: exp.Expr | Scope) -> None:
        """Record a column one FROM item provides. The hot path of the pass (one call per column
        of every statement): span() and source_of() are inlined."""
        meta = column.this._meta
        if not meta or "start" not in meta:
            return
        cached = self._sources.get(id(node))
        found = cached[1] if cached is not None else self.source_of(alias, node, source)
        ref = found.table
        qualifier = column.args.get("table")
        qualifier_meta = qualifier._meta if qualifier is not None else None
        if qualifier_meta and "start" in qualifier_meta:
            start, end = qualifier_meta["start"], qualifier_meta["end"] + 1
        else:
            start = end = -1
        last = self._last_scope
        index = last[1] if last[0] is scope else self._scope_index(scope)
        self.bindings.columns.append(
            ColumnRef(
                column.name,
                meta["start"],
                meta["end"] + 1,
                "resolved",
                index,
                column.table,
                start,
                end,
                found,
                ref.table if ref is not None else None,
            )
        )

    def noted(
        self, column: exp.Column, scope: Scope | None, status: ColumnStatus, source: Source | None = None
    ) -> None:
        """A column that is not checked further: undecided, or not a column at all."""
        where = span(column.this)
        if where is not None:
            self._column(column, where, status, scope, source=source)

    def _scope_index(self, scope: Scope | None) -> int:
        if scope is None:
            return -1
        last = self._last_scope
        if last[0] is scope:
            return last[1]
        index = self._scope_ids.get(id(scope), -1)
        self._last_scope = (scope, index)
        return index

    def _column(
        self,
        column: exp.Column,
        where: tuple[int, int],
        status: ColumnStatus,
        scope: Scope | None,
        **fields: object,
    ) -> None:
        qualifier = column.args.get("table")
        qualifier_at = span(qualifier) if isinstance(qualifier, exp.Expr) else None
        self.bindings.columns.append(
            ColumnRef(
                column.name,
                where[0],
                where[1],
                status,
                self._scope_index(scope),
                column.table,
                qualifier_at[0] if qualifier_at else -1,
                qualifier_at[1] if qualifier_at else -1,
                **fields,  # type: ignore[arg-type]
            )
        )

    def index_scopes(self, scopes: list[Scope]) -> None:
        """Number the scopes of one traversal and record each one's name and outputs."""
        base = len(self.bindings.scopes)
        self._kept_scopes.extend(scopes)
        for i, scope in enumerate(scopes):
            self._scope_ids[id(scope)] = base + i
        for i, scope in enumerate(scopes):
            name, where = "", None
            holder = scope.expression.parent
            if isinstance(holder, (exp.CTE, exp.Subquery)):
                alias = holder.args.get("alias")
                if isinstance(alias, exp.TableAlias) and isinstance(alias.this, exp.Identifier):
                    name, where = alias.this.name, span(alias.this)
            outputs = source_columns(scope, self.ctx)
            self.bindings.scopes.append(
                ScopeInfo(
                    base + i,
                    str(scope.scope_type.name).lower(),
                    name,
                    tuple(outputs) if outputs is not None else None,
                    self._scope_ids.get(id(scope.parent), -1) if scope.parent is not None else -1,
                    where[0] if where else -1,
                    where[1] if where else -1,
                )
            )

    def check_dml(self, statement: exp.Expr) -> None:
        if isinstance(statement, exp.Insert):
            self.check_insert(statement)
        elif isinstance(statement, exp.Update):
            self.check_update(statement)
        elif isinstance(statement, exp.Delete):
            self.check_delete(statement)

    def _lift_dml_ctes(self, statement: exp.Expr) -> exp.Expr:
        """`WITH m AS (DELETE ... RETURNING ...)`: check the DML, then let the statement read the
        RETURNING list as the CTE's columns. Works on a copy: other features share the tree."""
        with_ = statement.args.get("with_")
        if not isinstance(with_, exp.With) or not any(isinstance(c.this, DML) for c in with_.expressions):
            return statement
        for cte in with_.expressions:
            if isinstance(cte.this, DML):
                self.check_dml(cte.this)
        statement = statement.copy()
        for cte in statement.args["with_"].expressions:
            if isinstance(cte.this, DML):
                returning = cte.this.args.get("returning")
                projections = [e.copy() for e in returning.expressions] if returning is not None else []
                select = self._as_select(cte.this, projections) if projections else None
                if select is not None:
                    cte.set("this", select)
        return statement

    # -- queries ------------------------------------------------------------------------
    def check_query(self, query: exp.Expr) -> None:
        if any(select.args.get("locks") for select in query.find_all(exp.Select)):
            # sqlglot counts `FOR UPDATE OF c` as a second source named c: check a copy without it
            query = query.copy()
            for select in query.find_all(exp.Select):
                select.set("locks", None)
        problem = too_complex(query)
        if problem is not None:
            self._too_complex(query, problem)
            return
        try:
            scopes = traverse_scope(query)
            for scope in scopes:
                scope.selected_sources  # noqa: B018 - raises on an alias used twice
        except Exception:
            return  # e.g. OptimizeError for an alias used twice, which the database rejects anyway
        self._index_query(query)
        outputs_bottom_up(scopes, self.ctx)
        self.index_scopes(scopes)
        for scope in scopes:
            self.check_scope(scope)

    def _index_query(self, query: exp.Expr) -> None:
        """One walk of the query finds its PIVOTs and lambdas; each scope then looks them up
        instead of searching its whole subtree (5,000 nested subqueries: 12.5 million nodes)."""
        pivots: list[exp.Expr] = []
        self._query = query  # keeps the indexed nodes, and so their ids, alive
        self._lambdas = {}
        self._clause_columns = None
        for node in query.find_all(exp.Pivot, exp.Lambda):
            if isinstance(node, exp.Pivot):
                pivots.append(node)
            elif isinstance(node, exp.Lambda) and self.ctx.dialect in NO_LAMBDA_DIALECTS:
                select = self._select_clause(node)[0]
                self._lambdas.setdefault(id(select), []).append(node)
        self._with_pivot = ancestry.holders(query, pivots)

    def check_scope(self, scope: Scope) -> None:
        for node, source in self.visible(scope).values():
            if isinstance(source, exp.Table) and id(source) not in self._done_tables:
                self._done_tables.add(id(source))
                ref = self.table_ref(source)
                if ref.problem and self._alias_path(source, scope):
                    ref = self._path(source)
                self.bindings.tables.append(ref)
            elif isinstance(source, Scope) and isinstance(node, exp.Table) and id(node) not in self._done_tables:
                self._done_tables.add(id(node))  # a CTE's name
                self.bindings.tables.append(self.table_ref(node, self._scope_ids.get(id(source), -1)))
        self.check_using(scope)
        if id(scope.expression) in self._with_pivot:
            return
        for column in self.scope_columns(scope):
            if id(column) in self._done_columns:
                continue
            self._done_columns.add(id(column))
            self.check_column(column, scope)
        if self.ctx.dialect in NO_LAMBDA_DIALECTS and isinstance(scope.expression, exp.Select):
            self.check_misread_lambdas(scope)

    def scope_columns(self, scope: Scope) -> list[exp.Column]:
        """The columns sqlglot's `scope.columns` gives, plus the unqualified ones in HAVING and
        QUALIFY that it leaves out because they may name a select alias (check_unqualified
        accepts aliases itself).

        `scope.columns` finds each column's ancestor by walking up (20,000 ANDs: 200 million
        steps), so its rule is applied here with memoised ancestors. It also lists the columns
        of inner scopes that may be correlated; those are left out: scopes are checked inner
        first, so they are checked already (or skipped, with this scope, for a PIVOT).
        """
        expression = scope.expression
        named_selects: set[str] | None = None
        columns: list[exp.Column] = []
        for node in scope.walk():  # what Scope._collect walks for its raw columns
            if type(node) is not exp.Column or node is expression or isinstance(node.this, exp.Star):
                continue
            ancestor = self._column_ancestor(node.parent)
            if isinstance(ancestor, (exp.Order, exp.Cluster, exp.Distinct)) and named_selects is None:
                named_selects = set(expression.named_selects) if isinstance(expression, exp.Query) else set()
            if (
                not ancestor
                or node.text("table")
                or isinstance(ancestor, exp.Select)
                or (isinstance(ancestor, exp.Table) and not isinstance(ancestor.this, exp.Func))
                or (
                    isinstance(ancestor, (exp.Order, exp.Cluster, exp.Distinct))
                    and (
                        isinstance(ancestor.parent, (exp.Window, exp.WithinGroup))
                        or not isinstance(ancestor.parent, exp.Select)
                        or node.name not in (named_selects or ())
                    )
                )
                or (isinstance(ancestor, exp.Star) and not node.arg_key == "except_")
            ):
                columns.append(node)
        if isinstance(expression, exp.Select) and (expression.args.get("having") or expression.args.get("qualify")):
            clauses = self.clause_columns()
            columns.extend(clauses.get((id(expression), "having"), []))
            columns.extend(clauses.get((id(expression), "qualify"), []))
        return columns

    def clause_columns(self) -> dict[tuple[int, str], list[exp.Column]]:
        """The query's unqualified columns by (their SELECT, the clause they sit in), in the
        order find_all gives (level by level): one walk for every HAVING and QUALIFY."""
        if self._clause_columns is None:
            self._clause_columns = {}
            assert self._query is not None
            for column in self._query.find_all(exp.Column):
                if not column.table:
                    select, clause = self._select_clause(column)
                    self._clause_columns.setdefault((id(select), clause), []).append(column)
        return self._clause_columns

    def check_misread_lambdas(self, scope: Scope) -> None:
        """sqlglot reads `f(payload -> 'key')` as a lambda with parameter `payload`; in a
        dialect without lambdas that is a JSON operator on column `payload`: check it."""
        for lam in self._lambdas.get(id(scope.expression), []):
            for param in lam.expressions:
                if isinstance(param, exp.Identifier) and id(param) not in self._done_columns:
                    self._done_columns.add(id(param))
                    self.check_unqualified(exp.Column(this=param.copy()), scope)

    def check_using(self, scope: Scope) -> None:
        """`JOIN b USING (x)`: x must be a column of b and of a FROM item before it."""
        expression = scope.expression
        from_ = expression.args.get("from_") if isinstance(expression, exp.Select) else None
        if not isinstance(from_, exp.From):
            return
        joins = expression.args.get("joins") or []
        if not any(join.args.get("using") for join in joins):
            return
        sources = self.visible(scope)
        # The items before a join as the union of their columns and whether one is unknown,
        # kept as the joins go: recomputed per join, 2,000 joins made 2 million lookups.
        left_keys: set[str] = set()
        left_unknown = False
        items = [(from_.this, []), *((join.this, join.args.get("using") or []) for join in joins)]
        for item, using in items:
            keys = self._item_columns(item, sources)
            for ident in using:
                name = key(ident.name)
                missing = keys is not None and name not in keys
                if not missing and not left_unknown:
                    missing = name not in left_keys
                if missing:
                    where = span(ident)
                    if where is not None:
                        self.bindings.columns.append(
                            ColumnRef(ident.name, *where, "unknown", self._scope_ids.get(id(scope), -1), in_using=True)
                        )
            if keys is None:
                left_unknown = True
            else:
                left_keys.update(keys)

    def _item_columns(
        self, item: exp.Expr, sources: dict[str, tuple[exp.Expr, exp.Expr | Scope]]
    ) -> frozenset[str] | None:
        entry = sources.get(item.alias_or_name)
        return self.ctx.column_keys(entry[1]) if entry is not None else None

    def check_column(self, column: exp.Column, scope: Scope) -> None:
        if isinstance(column.this, exp.Star):
            if column.table and self.find_source(column.table, scope) is None:
                self._unknown_qualifier(column, scope)
            return
        if not column.name or not isinstance(column.this, exp.Identifier):
            return
        if column.args.get("db"):
            self.check_schema_qualified(column, scope)
            return
        if column.table and self._bound_variable(column.table, column):
            self.noted(column, scope, "not-a-column")
            return  # x.field where x is a lambda or comprehension variable
        if column.table:
            self.check_qualified(column, scope)
        else:
            self.check_unqualified(column, scope)

    def check_schema_qualified(self, column: exp.Column, scope: Scope) -> None:
        """schema.table.column: checked only where it cannot be a struct path, and only against an
        unaliased FROM item of exactly that schema and table; anything else is left alone."""
        if column.args.get("catalog") or self.ctx.dialect in STRUCT_DIALECTS:
            return
        current: Scope | None = scope
        while current is not None:
            for alias, (node, source) in self.visible(current).items():
                if (
                    isinstance(node, exp.Table)
                    and key(alias) == key(node.name) == key(column.table)
                    and key(node.db) == key(column.args["db"].name)
                ):
                    keys = self.ctx.column_keys(source)
                    if keys is None:
                        self.noted(column, scope, "undecided")
                    elif key(column.name) in self.pseudo:
                        self.noted(column, scope, "not-a-column")
                    elif key(column.name) not in keys:
                        columns = source_columns(source, self.ctx) or []
                        self._unknown_column(column, scope, columns, f"`{node.db}.{node.name}`")
                    else:
                        self.resolved(column, scope, alias, node, source)
                    return
            current = self.outer(current)
        self.noted(column, scope, "undecided")

    def check_qualified(self, column: exp.Column, scope: Scope) -> None:
        entry = self.find_entry(column.table, scope)
        if entry is None:
            if self.ctx.dialect in STRUCT_DIALECTS and self._visible_column(column.table, scope):
                self.noted(column, scope, "not-a-column")
                return  # struct_column.field
            self._unknown_qualifier(column, scope)
            return
        alias, node, source = entry
        keys = self.ctx.column_keys(source)
        if keys is None:
            self.noted(column, scope, "undecided", self.source_of(alias, node, source))
        elif key(column.name) in self.pseudo:
            self.noted(column, scope, "not-a-column", self.source_of(alias, node, source))
        elif key(column.name) not in keys:
            columns = source_columns(source, self.ctx) or []
            self._unknown_column(column, scope, columns, f"`{column.table}`", self.source_of(alias, node, source))
        else:
            self.resolved(column, scope, alias, node, source)

    def check_unqualified(self, column: exp.Column, scope: Scope) -> None:
        name = key(column.name)
        if name in self.pseudo or self._is_special(column):
            self.noted(column, scope, "not-a-column")
            return
        outputs: list[str] | None = None
        current: Scope | None = scope
        inner: set[int] = set()  # scopes walked out of: a LATERAL cannot read its own outputs
        while current is not None:
            found, open_sources = self._lookup(name, current, inner)
            if len(found) > 1 and not self._merged(name, current):
                self._ambiguous(column, scope, found)
                return
            if found:
                node, source = self.visible(current)[found[0]]
                self.resolved(column, scope, found[0], node, source)
                return
            if open_sources:
                self.noted(column, scope, "undecided")
                return
            if self._is_output_alias(name, current) or name in self._by_alias(current):
                self.noted(column, scope, "not-a-column")
                return
            if isinstance(current.expression, exp.SetOperation) and current is scope:
                # ORDER BY of a UNION reads its outputs; its branches cannot see them
                keys = self.ctx.column_keys(current)
                if keys is None:
                    self.noted(column, scope, "undecided")
                    return
                if name in keys:
                    self.noted(column, scope, "not-a-column")
                    return
                outputs = source_columns(current, self.ctx)
            inner.add(id(current))
            current = self.outer(current)
        if self.ctx.dialect == "sqlite" and column.this.quoted:
            self.noted(column, scope, "not-a-column")
            return  # SQLite reads a double-quoted name that matches no column as a string
        if self.ctx.dialect in SCRIPT_VARIABLE_DIALECTS and name in declared_variables(self.ctx.text):
            self.noted(column, scope, "not-a-column")
            return  # a script variable (DECLARE x ...)
        if not scope.selected_sources and not isinstance(scope.expression, exp.SetOperation) and scope.parent is None:
            self.noted(column, scope, "undecided")
            return  # SELECT without FROM: nothing to resolve against
        suggestions = outputs if outputs is not None else self._known_columns(scope)
        self._unknown_column(column, scope, suggestions, None)

    def _lookup(self, name: str, scope: Scope, inner: set[int] | None = None) -> tuple[list[str], bool]:
        """Sources of `scope` that have column `name`, and whether any source is opaque;
        sources that are one of the `inner` scopes (the lookup came from there) are skipped."""
        found: list[str] = []
        open_sources = False
        for alias, (_, source) in scope.selected_sources.items():
            if inner and id(source) in inner:
                continue
            keys = self.ctx.column_keys(source)
            if keys is None:
                open_sources = True
            elif name in keys:
                found.append(alias)
        if not found and not open_sources:
            for alias, (_, semi) in self._semi_sources(scope).items():
                keys = self.ctx.column_keys(semi)
                if keys is None or name in keys:
                    return [alias], keys is None
        return found, open_sources

    def _known_columns(self, scope: Scope) -> list[str]:
        """Every column the scope's FROM items provide: the pool for suggestions, kept per scope
        (2,000 joined tables make it 10,000 names long, for each unknown column)."""
        cached = self._known.get(id(scope))
        if cached is None:
            sources = scope.selected_sources.values()
            known = [c for _, source in sources for c in source_columns(source, self.ctx) or []]
            cached = self._known[id(scope)] = (scope, known)
        return cached[1]

    def _semi_sources(self, scope: Scope) -> dict[str, tuple[exp.Expr, exp.Expr | Scope]]:
        """SEMI/ANTI joined items: their ON clause reads them, but they add no output columns,
        so sqlglot leaves them out of selected_sources."""
        cached = self._semi.get(id(scope))
        if cached is None:
            cached = self._semi[id(scope)] = {}
            for join in scope.expression.args.get("joins") or [] if isinstance(scope.expression, exp.Select) else []:
                if str(join.args.get("kind") or "").upper() in ("SEMI", "ANTI"):
                    alias = join.this.alias_or_name
                    source = scope.sources.get(alias)
                    if source is not None:
                        cached[alias] = (join.this, source)
        return cached

    def visible(self, scope: Scope) -> dict[str, tuple[exp.Expr, exp.Expr | Scope]]:
        """FROM items whose names the scope's expressions may use (cached: not to be changed)."""
        cached = self._visible.get(id(scope))
        if cached is None:
            selected: dict[str, tuple[exp.Expr, exp.Expr | Scope]] = dict(scope.selected_sources)
            selected.update(self._semi_sources(scope))
            cached = self._visible[id(scope)] = (scope, selected)
        return cached[1]

    def _by_alias(self, scope: Scope) -> dict[str, tuple[str, exp.Expr, exp.Expr | Scope]]:
        """visible() by case-folded alias, the first of equal ones winning: a qualified column
        is found in one step instead of a pass over 2,000 joined tables."""
        cached = self._aliases.get(id(scope))
        if cached is None:
            aliases: dict[str, tuple[str, exp.Expr, exp.Expr | Scope]] = {}
            for alias, (node, source) in self.visible(scope).items():
                aliases.setdefault(key(alias), (alias, node, source))
            cached = self._aliases[id(scope)] = (scope, aliases)
        return cached[1]

    def _merged(self, name: str, scope: Scope) -> bool:
        """USING (name) or a NATURAL join merges same-named columns into one."""
        for join in scope.expression.args.get("joins") or []:
            if join.args.get("method") and "natural" in str(join.args.get("method")).lower():
                return True
            if any(key(u.name) == name for u in join.args.get("using") or []):
                return True
        return False

    def _is_output_alias(self, name: str, scope: Scope) -> bool:
        """Whether a select alias of the scope is `name`; the aliases are kept per scope (a scan
        per column made 10,000 unknown columns in one SELECT cost 100 million steps)."""
        cached = self._output_aliases.get(id(scope))
        if cached is None:
            expression = scope.expression
            projections = expression.expressions if isinstance(expression, exp.Select) else []
            aliases = frozenset(key(p.alias) for p in projections if isinstance(p, exp.Alias))
            cached = self._output_aliases[id(scope)] = (scope, aliases)
        return name in cached[1]

    def _bound_variable(self, name: str, column: exp.Column) -> bool:
        if self.ctx.dialect in NO_LAMBDA_DIALECTS:
            return False  # what sqlglot read as a lambda there is a JSON operator
        return key(name) in self._bound_names(column.parent)

    def _is_special(self, column: exp.Column) -> bool:
        """Unqualified names that are not column references in context."""
        name = key(column.name)
        if not column.this.quoted and name in DATE_PARTS and isinstance(column.parent, exp.Func):
            return True
        if not column.this.quoted and name in VALUE_KEYWORDS:
            return True
        if name in CONNECT_BY_PSEUDO_COLUMNS and self._connect_by(column.parent):
            return True
        return self._bound_variable(name, column)  # [f(x) FOR x IN list], x -> f(x)

    def _alias_path(self, table: exp.Table, scope: Scope) -> bool:
        """`FROM t AS i JOIN i.lines`: bigquery unnests the array column of an earlier item."""
        if not table.db or table.catalog or self.ctx.dialect not in STRUCT_DIALECTS:
            return False
        return self.find_source(table.db, scope) is not None

    def outer(self, scope: Scope) -> Scope | None:
        """The next scope whose sources `scope` can see: a CTE, or a derived table that is not
        LATERAL, skips the query that holds it (it cannot read its siblings in FROM)."""
        parent = scope.parent
        if parent is None or scope.can_be_correlated:
            return parent
        if scope.scope_type == ScopeType.CTE or (
            scope.scope_type == ScopeType.DERIVED_TABLE and self.ctx.dialect not in IMPLICIT_LATERAL
        ):
            # Past the holding query to what *it* can see: when the holder is itself a derived
            # table, its own FROM siblings (and the chain's outputs) are out of reach too.
            return self.outer(parent)
        return parent

    def _visible_column(self, name: str, scope: Scope) -> bool:
        current: Scope | None = scope
        while current is not None:
            found, open_sources = self._lookup(key(name), current)
            if found or open_sources:
                return True
            current = self.outer(current)
        return False

    def find_source(self, qualifier: str, scope: Scope) -> exp.Expr | Scope | None:
        entry = self.find_entry(qualifier, scope)
        return entry[2] if entry is not None else None

    def find_entry(self, qualifier: str, scope: Scope) -> tuple[str, exp.Expr, exp.Expr | Scope] | None:
        """The FROM item `qualifier` names, seen from `scope`: (its alias, its node, its source)."""
        wanted = key(qualifier)
        current: Scope | None = scope
        while current is not None:
            entry = self._by_alias(current).get(wanted)
            if entry is not None:
                return entry
            current = self.outer(current)
        return None

    # -- problems -----------------------------------------------------------------------
    def _too_complex(self, query: exp.Expr, problem: str) -> None:
        """The statement's names go unchecked: say so over the query's extent (document.py moves
        the finding onto the statement's first word; the statement's own range is not known here)."""
        spans = [where for where in map(span, query.walk()) if where is not None]
        if spans:
            self.bindings.limits.append(Limit(problem, min(s[0] for s in spans), max(s[1] for s in spans)))

    def _unknown_qualifier(self, column: exp.Column, scope: Scope) -> None:
        ident = column.args["table"]
        aliases: list[str] = []
        current: Scope | None = scope
        while current is not None:
            aliases.extend(self.visible(current))
            current = self.outer(current)
        hint = ""
        for alias, (node, _) in scope.selected_sources.items():
            if isinstance(node, exp.Table) and key(node.name) == key(column.table) and key(alias) != key(node.name):
                hint = alias
                aliases = [alias]
                break
        suggestions = closest(column.table, aliases) if not hint else aliases
        where = span(column.this) or (-1, -1)
        qualifier_at = span(ident)
        if qualifier_at is None:
            return
        self.bindings.columns.append(
            ColumnRef(
                column.name,
                *where,
                "unknown-qualifier",
                self._scope_ids.get(id(scope), -1),
                column.table,
                *qualifier_at,
                candidates=tuple(suggestions),
                aliased_as=hint,
            )
        )

    def _unknown_column(
        self,
        column: exp.Column,
        scope: Scope | None,
        columns: list[str],
        owner: str | None,
        found: Source | None = None,
    ) -> None:
        where = span(column.this)
        if where is not None:
            suggestions = closest(column.name, columns)
            self._column(
                column, where, "unknown", scope, candidates=tuple(suggestions), looked_in=owner or "", source=found
            )

    def _ambiguous(self, column: exp.Column, scope: Scope, aliases: list[str]) -> None:
        where = span(column.this)
        if where is not None:
            self._column(column, where, "ambiguous", scope, candidates=tuple(aliases))

    # -- DML ----------------------------------------------------------------------------
    def check_target(self, target: exp.Expr | None) -> Table | None:
        if isinstance(target, exp.Schema):
            target = target.this
        if not isinstance(target, exp.Table):
            return None
        self._done_tables.add(id(target))
        ref = self.table_ref(target)
        self.bindings.tables.append(ref)
        self._target = Source(target.alias_or_name, ref)
        return ref.table

    def check_target_columns(self, table: Table | None, columns: list[exp.Expr]) -> None:
        """Columns of the DML target itself (INSERT's list, SET, ON CONFLICT, RETURNING)."""
        if table is None:
            return
        for ident in columns:
            node = ident.this if isinstance(ident, exp.Column) else ident
            if not isinstance(node, exp.Identifier):
                continue
            where = span(node)
            if where is None:
                continue
            if key(node.name) in self.pseudo and table.column(node.name) is None:
                status: ColumnStatus = "not-a-column"
            elif table.column(node.name) is None:
                suggestions = closest(node.name, table.column_names())
                self.bindings.columns.append(
                    ColumnRef(
                        node.name,
                        *where,
                        "unknown",
                        candidates=tuple(suggestions),
                        looked_in=f"`{table.qualified_name}`",
                    )
                )
                continue
            else:
                status = "resolved"
            self.bindings.columns.append(ColumnRef(node.name, *where, status, source=self._target, table=table))

    def check_insert(self, insert: exp.Insert) -> None:
        target = insert.this
        table = self.check_target(target)
        if isinstance(target, exp.Schema):
            self.check_target_columns(table, list(target.expressions))
        body = insert.expression
        with_ = insert.args.get("with_")
        if isinstance(body, exp.Query) and with_ is not None and body.args.get("with_") is None:
            body = body.copy()  # `WITH x AS (...) INSERT ... SELECT ... FROM x`: the body reads the CTEs
            body.set("with_", with_.copy())
        if isinstance(body, exp.Query):
            self.check_query(body)
        conflict = insert.args.get("conflict")
        if isinstance(conflict, exp.OnConflict) and table is not None:
            keys = [k.this if isinstance(k, exp.Ordered) else k for k in conflict.args.get("conflict_keys") or []]
            self.check_target_columns(table, keys)
            self.check_target_columns(table, _set_targets(conflict.expressions))
            # DO UPDATE SET ... WHERE ... reads the target row and the proposed one (excluded)
            target_node = target.this if isinstance(target, exp.Schema) else target
            names = {"excluded", "", key(table.name), key(target_node.alias_or_name)}
            where = conflict.args.get("where")
            values = [a.expression for a in conflict.expressions if isinstance(a, exp.EQ)]
            for value in [*values, *([where.this] if isinstance(where, exp.Where) else [])]:
                for column in value.find_all(exp.Column):
                    if key(column.table) in names and not column.args.get("db"):
                        self.check_target_columns(table, [column])
        returning = insert.args.get("returning")
        if returning is not None and table is not None:
            self.check_target_columns(table, [c for c in returning.find_all(exp.Column) if not c.table])

    def check_update(self, update: exp.Update) -> None:
        table = self.check_target(update.this)
        self.check_target_columns(table, _set_targets(update.expressions))
        values = [a.expression.copy() for a in update.expressions if isinstance(a, exp.EQ)]
        self._check_as_select(update, values)

    def check_delete(self, delete: exp.Delete) -> None:
        self.check_target(delete.this)
        self._check_as_select(delete, [])

    def _check_as_select(self, statement: exp.Expr, values: list[exp.Expr]) -> None:
        """Check a DML statement's expressions as the SELECT over the same sources they read."""
        returning = statement.args.get("returning")
        projections = values + ([e.copy() for e in returning.expressions] if returning is not None else [])
        select = self._as_select(statement, projections or [exp.Star()])
        if select is not None:
            self.check_query(select)

    def _as_select(self, statement: exp.Expr, projections: list[exp.Expr]) -> exp.Select | None:
        """`SELECT projections FROM target, <FROM/USING items> WHERE ...` with the statement's CTEs."""
        target = statement.this
        if isinstance(target, exp.Schema):
            target = target.this
        if not isinstance(target, exp.Table):
            return None
        select = exp.Select(expressions=projections)
        select.set("from_", exp.From(this=target.copy()))
        joins: list[exp.Expr] = []
        from_ = statement.args.get("from_")
        extra = [from_.this] if isinstance(from_, exp.From) else []
        for item in [*extra, *(statement.args.get("using") or [])]:
            item = item.copy()
            nested = item.args.get("joins") or []  # sqlglot hangs `FROM a JOIN b` under `a`
            item.set("joins", None)
            joins.append(exp.Join(this=item))
            joins.extend(nested)
        select.set("joins", joins)
        for arg in ("where", "with_"):
            node = statement.args.get(arg)
            if node is not None:
                select.set(arg, node.copy())
        # Table nodes were copied: resolve them from scratch, but never report the target twice.
        self._done_tables.add(id(select.args["from_"].this))
        return select

    # -- functions ----------------------------------------------------------------------
    def check_functions(self, statement: exp.Expr) -> None:
        known = functions.known_functions(self.ctx.dialect)
        if known is None:
            return
        text = self.ctx.text
        syntax = SYNTAX_FUNCTIONS.get(self.ctx.dialect, frozenset())
        prefixes = SYNTAX_FUNCTION_PREFIXES.get(self.ctx.dialect, ())
        for node in statement.find_all(exp.Func):
            where = span(node)
            if where is None or isinstance(node.parent, exp.Dot):
                continue
            if isinstance(node.parent, exp.PartitionedByProperty):
                continue  # `PARTITION BY RANGE (at)` / `HASH (id)`: a partitioning method, not a call
            start, end = where
            rest = text[end : end + 64].lstrip()
            if not rest.startswith("("):
                continue  # CAST(...)-like syntax or an operator sqlglot models as a function
            written = text[start:end]
            name = key(written)
            if not written.replace("_", "").isalnum() or name in known or name in syntax or name.startswith(prefixes):
                continue
            if self.ctx.catalog.functions_named(written):
                self.bindings.functions.append(FunctionRef(written, start, end, True))
                continue
            if isinstance(node.parent, exp.Table) and self.ctx.catalog.tables_named(written):
                continue  # sqlite: an fts5 table called as a table-valued function
            instead = functions.equivalent(self.ctx.dialect, written)
            if instead is not None:
                hint, replacement = instead
                suggestions = [replacement] if replacement else []
            else:
                hint, suggestions = "", closest(written, functions.suggestion_pool(self.ctx.dialect), limit=2)
            self.bindings.functions.append(FunctionRef(written, start, end, False, tuple(suggestions), hint))


DECLARE = re.compile(r"\bdeclare\s+((?:[A-Za-z_]\w*\s*,\s*)*[A-Za-z_]\w*)", re.IGNORECASE)


@lru_cache(maxsize=8)
def declared_variables(text: str) -> frozenset[str]:
    """Names a script DECLAREs anywhere in the text: the statements are checked one by one,
    and a variable may be used before a DECLARE the resolver has not seen."""
    if "declare" not in text.casefold():
        return frozenset()
    return frozenset(key(n.strip()) for m in DECLARE.finditer(text) for n in m.group(1).split(","))


def _set_targets(assignments: list[exp.Expr]) -> list[exp.Expr]:
    """The columns `SET a = ..., (b, c) = (...)` assigns."""
    targets: list[exp.Expr] = []
    for assignment in assignments:
        if isinstance(assignment, exp.EQ):
            target = assignment.this
            targets.extend(target.expressions if isinstance(target, exp.Tuple) else [target])
    return targets


def statement_kind(statement: exp.Expr) -> StatementKind:
    if isinstance(statement, exp.Query):
        return "select"
    if isinstance(statement, exp.Insert):
        return "insert"
    if isinstance(statement, exp.Update):
        return "update"
    if isinstance(statement, exp.Delete):
        return "delete"
    if isinstance(statement, exp.Create):
        return "create"
    return "other"


def bind_statement(statement: exp.Expr, ctx: Context) -> StatementBindings:
    """What every name of the statement refers to, in one pass (see bindings.py)."""
    return StatementChecker(ctx).bind(statement)


def check_statement(statement: exp.Expr, ctx: Context) -> list[Finding]:
    """The statement's findings: its bindings, through every registered rule."""
    return run_rules(bind_statement(statement, ctx), ctx, statement)
