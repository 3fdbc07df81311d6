"""SQL completion: what may be typed at a cursor in a SQL file, from the workspace catalog,
the file's own CREATE statements, and the statement being written (aliases, CTEs).

`complete_sql` works on unfinished text. It reads the statement around the cursor from tokens
(completion.cursor), decides the context from the tokens before it (completion.context), and
finds the query's sources from a sanitized parse (completion.sources). Table names come from a
sorted index built once per catalog version (completion.index), so one request costs a binary
search plus the items returned, even with 100,000 tables. At most MAX_ITEMS items come back,
best first (sort_text); a client should treat a full list as incomplete and ask again as the
user types.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from sqlglot.tokens import Token, TokenType

from domain_lsp.analysis.sql import functions
from domain_lsp.analysis.sql.completion.context import Kind, Where, classify
from domain_lsp.analysis.sql.completion.cursor import Cursor, find_cursor, is_word, name_of
from domain_lsp.analysis.sql.completion.fuzzy import tier
from domain_lsp.analysis.sql.completion.index import name_index
from domain_lsp.analysis.sql.completion.keywords import keywords_for
from domain_lsp.analysis.sql.completion.lookup import QuietContext
from domain_lsp.analysis.sql.completion.overlay import local_catalog, own_tables
from domain_lsp.analysis.sql.completion.quoting import quote as quote_name
from domain_lsp.analysis.sql.completion.sources import Source, Sources, find_sources
from domain_lsp.analysis.sql.dialects import DEFAULT_SCHEMA
from domain_lsp.catalog.model import Catalog, Column, Table, key
from domain_lsp.config import SqlSettings

MAX_ITEMS = 200

# Groups, best first; sort_text is "<match tier><group><order>" so a prefix match beats a
# fuzzy one (completion.fuzzy) whatever its group.
_COLUMN, _OUTPUT, _SOURCE, _OUTER, _CTE, _LOCAL, _TABLE, _SCHEMA, _ELSEWHERE, _FUNCTION, _KEYWORD = range(11)


@dataclass(frozen=True, slots=True)
class Completion:
    label: str
    """What is shown."""
    kind: str
    """One of: "table", "view", "schema", "column", "cte", "alias", "keyword", "function"."""
    detail: str | None
    """A column's type, "table in sales", a function's signature."""
    documentation: str | None
    """The table's or column's comment, when there is one."""
    insert_text: str | None = None
    """What to insert when it differs from the label (quoted or qualified names); it replaces
    text[replace_range(...)]."""
    sort_text: str | None = None


def complete_sql(text: str, offset: int, catalog: Catalog, settings: SqlSettings, path: str = "") -> list[Completion]:
    """Completions at `offset` (a str index) in `text`, a whole SQL file; best first.

    `catalog` is the workspace catalog, not an analysis overlay (SqlAnalysis.catalog): the
    file's statements before the cursor are layered on here, and the table index is built per
    catalog version, so a fresh overlay per edit would rebuild it every time."""
    cursor = find_cursor(text, offset, settings.dialect, path)
    if cursor is None:
        return []
    where = classify(cursor.before, bool(cursor.qualifier))
    if where.kind == Kind.NONE:
        return []
    text = cursor.text
    local = local_catalog(text, cursor.earlier, catalog, settings)
    ctx = QuietContext(local, settings.dialect, settings.search_path, text)
    return _Builder(text, cursor, where, ctx, settings).build()


def replace_range(text: str, offset: int, dialect: str = "", path: str = "") -> tuple[int, int]:
    """The span a completion replaces: the word typed before the cursor, with an opening quote."""
    cursor = find_cursor(text, offset, dialect, path)
    if cursor is None:
        return offset, offset
    return cursor.word_start, max(cursor.word_start, min(offset, len(text)))


# -- building the list ----------------------------------------------------------------------


class _Builder:
    def __init__(self, text: str, cursor: Cursor, where: Where, ctx: QuietContext, settings: SqlSettings) -> None:
        self.text = text
        self.cursor = cursor
        self.where = where
        self.ctx = ctx
        self.catalog = ctx.catalog
        self.dialect = settings.dialect
        self.search_path = settings.search_path
        self.prefix = key(cursor.prefix)
        self.items: dict[tuple[str, str, str | None], tuple[str, Completion]] = {}
        self._sources: Sources | None = None

    # -- plumbing -------------------------------------------------------------------------
    def match(self, name: str, fuzzy: bool) -> int | None:
        """The match's tier (completion.fuzzy), 0 for a prefix; None for no match. Without
        `fuzzy` only a prefix matches (keywords, functions, the catalog's table index)."""
        return tier(self.prefix, name, fuzzy)

    def add(
        self,
        group: int,
        order: int,
        label: str,
        kind: str,
        detail: str | None = None,
        documentation: str | None = None,
        insert: str | None = None,
        fuzzy: bool = True,
        match_on: str | None = None,
    ) -> bool:
        rank = self.match(match_on or label, fuzzy)
        if rank is None:
            return False
        if insert is None or insert == label:
            insert = None
        if self.cursor.quoted and kind not in ("keyword", "function"):
            insert = quote_name(insert or label, self.dialect, always=True) if insert is None else insert
        sort = f"{rank}{group:02d}{order:05d}"
        slot = (label, kind, insert)  # same-named tables of two schemas are two items
        if slot not in self.items or sort < self.items[slot][0]:
            self.items[slot] = (sort, Completion(label, kind, detail, documentation, insert, sort))
        return True

    def quote(self, name: str) -> str:
        return quote_name(name, self.dialect, always=self.cursor.quoted)

    def sources(self) -> Sources:
        if self._sources is None:
            self._sources = find_sources(self.text, self.cursor, self.ctx)
        return self._sources

    def build(self) -> list[Completion]:
        kind = self.where.kind
        if kind == Kind.TABLE:
            self.tables()
        elif kind == Kind.EXPRESSION:
            self.expression()
        elif kind == Kind.INSERT_COLUMNS:
            self.insert_columns()
        if not self.cursor.qualifier and not self.cursor.quoted:
            self.keywords()
        ranked = sorted(self.items.values(), key=lambda item: (item[0], item[1].label))
        return [completion for _, completion in ranked[:MAX_ITEMS]]

    # -- keywords and functions -----------------------------------------------------------
    def keywords(self) -> None:
        lower = bool(self.cursor.prefix) and self.cursor.prefix == self.cursor.prefix.lower()
        for i, word in enumerate(keywords_for(self.where)):
            self.add(_KEYWORD, i, word.lower() if lower else word, "keyword", fuzzy=False)

    def functions(self) -> None:
        if not self.prefix:
            return  # thousands of names: offered once the user starts typing one
        pool = functions.suggestion_pool(self.dialect)
        start = bisect.bisect_left(pool, self.prefix)
        count = 0
        for name in pool[start:]:
            if not name.startswith(self.prefix) or count >= MAX_ITEMS:
                break
            count += self.add(_FUNCTION, count, name, "function", "function", fuzzy=False)
        for function in self.catalog.functions():
            if key(function.name).startswith(self.prefix):
                detail = function.signature or (f"function in {function.schema}" if function.schema else "function")
                self.add(_FUNCTION, 0, function.name, "function", detail, function.description, fuzzy=False)

    # -- tables ---------------------------------------------------------------------------
    def tables(self) -> None:
        qualifier = self.cursor.qualifier
        if qualifier:
            self.schema_tables(qualifier[-1], qualifier[-2] if len(qualifier) > 1 else None)
            return
        for i, cte in enumerate(self.sources().ctes):
            self.add(_CTE, i, cte.name, "cte", "CTE", None, self.quote(cte.name))
        index = name_index(self.catalog.parent or self.catalog)
        own = own_tables(self.catalog)
        for i, table in enumerate(own):
            if self.match(table.name, False) is not None:
                self.add_table(_LOCAL, i, table)
        home = list(self.search_path) or [DEFAULT_SCHEMA.get(self.dialect, ""), ""]
        seen = {id(t) for t in own}
        order = 0
        for schema in home:
            if order >= MAX_ITEMS:
                break  # the tables found next would rank below MAX_ITEMS others: never shown
            for table in self._bounded(index.tables(self.prefix, schema), seen):
                order += 1
                self.add_table(_TABLE, order, table)
        if self.prefix and order < MAX_ITEMS:
            for table in self._bounded(index.tables(self.prefix), seen):
                order += 1
                self.add_table(_TABLE, order, table)
        for i, schema in enumerate(self.catalog.schemas()):
            self.add(_SCHEMA, i, schema, "schema", "schema", None, self.quote(schema), fuzzy=False)

    def _bounded(self, tables: Iterable[Table], seen: set[int]) -> Iterable[Table]:
        """Up to MAX_ITEMS tables not yet offered and not shadowed or dropped by the file."""
        count = 0
        for table in tables:
            if count >= MAX_ITEMS:
                return
            if id(table) in seen or self.catalog.get(table.name, table.schema, table.database) is not table:
                continue
            seen.add(id(table))
            count += 1
            yield table

    def add_table(self, group: int, order: int, table: Table) -> None:
        """A table by its bare name when that resolves to it, else qualified."""
        bare = self.ctx.lookup((table.name,)) is table
        where = f" in {table.schema}" if table.schema else ""
        kind = "view" if table.kind == "view" else "table"
        detail = f"{'temporary table' if table.kind == 'temporary' else kind}{where}"
        name = self.quote(table.name)
        if not bare:
            qualified = [table.database, table.schema] if table.database else [table.schema]
            name = ".".join([*(self.quote(p) for p in qualified if p), name])
            group = max(group, _ELSEWHERE)
        self.add(group, order, table.name, kind, detail, table.description, name, fuzzy=False)

    def schema_tables(self, schema: str, database: str | None) -> None:
        index = name_index(self.catalog.parent or self.catalog)
        seen: set[int] = set()
        own = [t for t in own_tables(self.catalog) if key(t.schema) == key(schema)]
        found = [*own, *self._bounded(index.tables(self.prefix, schema), {id(t) for t in own})]
        for i, table in enumerate(found):
            if database is not None and key(table.database) != key(database):
                continue
            if id(table) in seen:
                continue
            seen.add(id(table))
            kind = "view" if table.kind == "view" else "table"
            self.add(
                _TABLE,
                i,
                table.name,
                kind,
                f"{kind} in {table.schema}",
                table.description,
                self.quote(table.name),
                fuzzy=False,
            )

    # -- columns --------------------------------------------------------------------------
    def expression(self) -> None:
        qualifier = self.cursor.qualifier
        if qualifier:
            self.qualified_columns(qualifier)
            return
        found = self.sources()
        inner = [s for s in found.sources if not s.outer]
        counts: dict[str, int] = {}
        for source in inner:
            for column in source.columns or []:
                counts[key(column.name)] = counts.get(key(column.name), 0) + 1
        order = 0
        for source in found.sources:
            group = _OUTER if source.outer else _COLUMN
            for column in source.columns or []:
                order += 1
                if not source.outer and counts.get(key(column.name), 0) > 1:
                    label = f"{source.name}.{column.name}"  # bare, it would be ambiguous
                    insert = f"{self.quote(source.name)}.{self.quote(column.name)}"
                    self.add(
                        group,
                        order,
                        label,
                        "column",
                        _column_detail(column, source),
                        column.description,
                        insert,
                        match_on=column.name,
                    )
                else:
                    self.add_column(group, order, column, source)
        if self.where.clause == "ON" and self.where.previous == "ON":
            self.join_conditions(inner)
        if self.where.clause in ("BY", "HAVING", "QUALIFY"):
            for i, name in enumerate(found.outputs):
                self.add(_OUTPUT, i, name, "column", "output column", None, self.quote(name))
        for i, source in enumerate(found.sources):
            self.add_source(_SOURCE if not source.outer else _OUTER, i, source)
        if not self.cursor.quoted:
            self.functions()

    def join_conditions(self, inner: list[Source]) -> None:
        """`JOIN t x ON |`: the declared foreign keys between the table just joined (the last
        source) and the ones before it, each as one whole condition, ahead of everything."""
        if len(inner) < 2 or self.prefix or self.cursor.quoted:
            return
        joined = inner[-1]
        if joined.table is None:
            return
        for other in inner[:-1]:
            if other.table is None:
                continue
            for source, fk, target in self.catalog.foreign_keys_between(joined.table, other.table):
                targets = fk.target_columns or target.primary_key
                if len(targets) != len(fk.columns) or not targets:
                    continue
                src, dst = (joined, other) if source.key == joined.table.key else (other, joined)
                condition = " AND ".join(
                    f"{self.quote(src.name)}.{self.quote(c)} = {self.quote(dst.name)}.{self.quote(t)}"
                    for c, t in zip(fk.columns, targets, strict=True)
                )
                detail = f"foreign key {source.name}({', '.join(fk.columns)}) → {target.name}"
                # sort text "0" ranks before every "<tier><group><order>" of the other items
                self.items[(condition, "join", None)] = ("0", Completion(condition, "join", detail, None, None, "0"))

    def add_column(self, group: int, order: int, column: Column, source: Source) -> None:
        self.add(
            group,
            order,
            column.name,
            "column",
            _column_detail(column, source),
            column.description,
            self.quote(column.name),
        )

    def add_source(self, group: int, order: int, source: Source) -> None:
        table = source.table
        if source.kind in ("cte", "subquery"):
            kind, detail = ("cte", "CTE") if source.kind == "cte" else ("alias", "subquery")
        elif table is not None and key(table.name) != key(source.name):
            kind, detail = "alias", f"alias of {table.qualified_name}"
        else:
            kind = source.kind
            detail = f"{kind} in {table.schema}" if table is not None and table.schema else kind
        self.add(group, order, source.name, kind, detail, table.description if table else None, self.quote(source.name))

    def qualified_columns(self, qualifier: tuple[str, ...]) -> None:
        found = self.sources()
        columns: list[Column] | None = None
        source: Source | None = None
        if len(qualifier) == 1:
            source = found.find(qualifier[0])
            if source is not None:
                columns = source.columns
            else:
                cte = found.cte(qualifier[0])
                if cte is not None:
                    source, columns = Source(cte.name, "cte", None, cte.columns), cte.columns
        if source is None:
            table = self.ctx.lookup(qualifier[-3:])
            if table is not None:
                source, columns = (
                    Source(qualifier[-1], table.kind, table, list(table.columns.values())),
                    list(table.columns.values()),
                )
            elif len(qualifier) == 1 and self.catalog.has_schema(qualifier[0]):
                self.schema_tables(qualifier[0], None)  # schema.table.column, being written
                return
        if source is None or columns is None:
            return
        for i, column in enumerate(columns):
            self.add_column(_COLUMN, i, column, source)

    def insert_columns(self) -> None:
        table = self.ctx.lookup(self.where.table[-3:])
        if table is None:
            return
        listed = _listed_names(self.cursor.before)
        source = Source(table.name, table.kind, table, list(table.columns.values()))
        for i, column in enumerate(table.columns.values()):
            if key(column.name) not in listed:
                self.add_column(_COLUMN, i, column, source)


def _listed_names(before: list[Token]) -> set[str]:
    """Names already written in the innermost open parenthesis."""
    names: set[str] = set()
    for token in reversed(before):
        if token.token_type == TokenType.L_PAREN:
            break
        if is_word(token):
            names.add(key(name_of(token)))
    return names


def _column_detail(column: Column, source: Source) -> str:
    return f"{column.type} · {source.name}" if column.type else source.name
