"""The catalog: tables, columns and functions, indexed once for fast lookups.

Names are matched case-insensitively: keys are case-folded once at insertion. Matching more
leniently than some databases do (a quoted mixed-case name in PostgreSQL) can miss a mistake,
but never reports a correct query, which matters more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple


def key(name: str) -> str:
    return name.casefold()


class Location(NamedTuple):
    """Where something is defined: a file path and a 0-based line and code-point column. A named
    tuple: a warm start makes one per table, three times faster than a frozen dataclass."""

    path: str
    line: int
    character: int = 0


@dataclass(slots=True)
class Column:
    name: str
    type: str | None = None
    description: str | None = None
    location: Location | None = None
    tags: tuple[str, ...] = ()
    """Labels later rules use, e.g. "pii"; from dbt tags/meta, comments or the mapping file."""
    deprecated: str | None = None
    """Why, or what replaces it ("use customer_id"); "" when deprecated without a note."""
    not_null: bool = False
    """Declared NOT NULL (a primary key column is); False when unknown."""


class ForeignKey(NamedTuple):
    """A declared foreign key: `columns` of the owning table reference `target_columns` of
    `target`, the referenced table's name as written (possibly qualified, "core.customer").
    Empty `target_columns` means the target's primary key, as SQL's `REFERENCES t` does."""

    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...] = ()


ColumnUnpacker = Callable[[Any], dict[str, Column]]


class Table:
    """A table or view. Its columns may arrive packed (from the on-disk cache): unpacked on first
    use, because a start on 100,000 tables must not build 3 million Column objects that only
    the few tables a file names will ever need."""

    __slots__ = (
        "_columns",
        "_packed",
        "columns_known",
        "database",
        "deprecated",
        "description",
        "foreign_keys",
        "kind",
        "location",
        "name",
        "primary_key",
        "required_filters",
        "schema",
        "tags",
        "unique_keys",
    )

    def __init__(
        self,
        name: str,
        schema: str = "",
        database: str = "",
        kind: str = "table",
        columns: dict[str, Column] | None = None,
        description: str | None = None,
        location: Location | None = None,
        tags: tuple[str, ...] = (),
        deprecated: str | None = None,
        columns_known: bool = True,
        primary_key: tuple[str, ...] = (),
        unique_keys: tuple[tuple[str, ...], ...] = (),
        foreign_keys: tuple[ForeignKey, ...] = (),
        required_filters: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.schema = schema
        self.database = database
        self.kind = kind  # "table", "view" or "temporary"
        self._columns: dict[str, Column] | None = {} if columns is None else columns
        self._packed: tuple[ColumnUnpacker, Any, int] | None = None
        self.description = description
        self.location = location
        self.tags = tags
        # Why, or what replaces it; "" when deprecated without a note; None when current.
        self.deprecated = deprecated
        # False when a source names the table but not its columns (an undocumented dbt model):
        # its columns are unknown, so none may be reported as missing.
        self.columns_known = columns_known
        # Column names as declared, in definition order; () when none is declared.
        self.primary_key = primary_key
        self.unique_keys = unique_keys
        self.foreign_keys = foreign_keys
        # Columns a query must filter on (a partitioned table); any one of them satisfies.
        self.required_filters = required_filters

    @property
    def columns(self) -> dict[str, Column]:
        """Keyed by the case-folded name, in definition order."""
        if self._columns is None:
            assert self._packed is not None
            unpack, packed, _ = self._packed
            self._columns, self._packed = unpack(packed), None
        return self._columns

    @columns.setter
    def columns(self, columns: dict[str, Column]) -> None:
        self._columns, self._packed = columns, None

    def pack_columns(self, unpack: ColumnUnpacker, packed: Any, count: int) -> None:
        """Columns to be built by `unpack(packed)` when first read; `count` of them."""
        self._columns, self._packed = None, (unpack, packed, count)

    def column_count(self) -> int:
        return self._packed[2] if self._packed is not None else len(self.columns)

    def __repr__(self) -> str:
        return f"Table({self.qualified_name!r}, kind={self.kind!r})"

    @property
    def qualified_name(self) -> str:
        return ".".join(part for part in (self.database, self.schema, self.name) if part)

    @property
    def key(self) -> tuple[str, str, str]:
        return key(self.database), key(self.schema), key(self.name)

    def column(self, name: str) -> Column | None:
        return self.columns.get(key(name))

    def add_column(self, column: Column) -> None:
        self.columns[key(column.name)] = column

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns.values()]


@dataclass(slots=True)
class Function:
    name: str
    schema: str = ""
    signature: str | None = None
    description: str | None = None
    location: Location | None = None


class Catalog:
    """Tables by (database, schema, name) plus an index by bare name for unqualified lookups.

    A catalog may have a parent: a file's own CREATE statements go into a small child catalog
    layered over the workspace catalog, so the shared one is never copied or mutated.
    """

    def __init__(self, parent: Catalog | None = None) -> None:
        self.parent = parent
        self._tables: dict[tuple[str, str, str], Table] = {}
        self._by_name: dict[str, list[Table]] = {}
        self._schemas: dict[tuple[str, str], str] = {}
        self._functions: dict[str, list[Function]] = {}
        self._dropped: set[tuple[str, str, str]] = set()
        self.version = 0

    # -- building -----------------------------------------------------------------------
    def add_table(self, table: Table) -> None:
        k = table.key
        old = self._tables.get(k)
        if old is not None:
            self._by_name[k[2]].remove(old)
        self._tables[k] = table
        self._dropped.discard(k)
        self._by_name.setdefault(k[2], []).append(table)
        if table.schema:
            self.add_schema(table.schema, table.database)
        self.version += 1

    def add_distinct_tables(self, keyed: Iterable[tuple[tuple[str, str, str], Table]]) -> None:
        """Add tables known to have distinct keys, each with its key (Table.key), whose schemas
        are added separately: the cache's bulk path, skipping add_table's bookkeeping."""
        by_key, by_name = self._tables, self._by_name
        for k, table in keyed:
            by_key[k] = table
            by_name.setdefault(k[2], []).append(table)
        self.version += 1

    def drop_table(self, table: Table) -> None:
        k = table.key
        old = self._tables.pop(k, None)
        if old is not None:
            self._by_name[k[2]].remove(old)
        elif self.parent is not None:
            self._dropped.add(k)
        self.version += 1

    def add_schema(self, schema: str, database: str = "") -> None:
        self._schemas.setdefault((key(database), key(schema)), schema)

    def add_function(self, function: Function) -> None:
        self._functions.setdefault(key(function.name), []).append(function)
        self.version += 1

    def merge(self, other: Catalog) -> None:
        for table in other.tables():
            self.add_table(table)
        for (database, schema), name in other._schemas.items():
            self._schemas.setdefault((database, schema), name)
        for functions in other._functions.values():
            for function in functions:
                self.add_function(function)

    # -- reading ------------------------------------------------------------------------
    def tables(self) -> Iterator[Table]:
        seen: set[tuple[str, str, str]] = set()
        for table in self._tables.values():
            seen.add(table.key)
            yield table
        if self.parent is not None:
            for table in self.parent.tables():
                if table.key not in seen and table.key not in self._dropped:
                    yield table

    def __len__(self) -> int:
        return sum(1 for _ in self.tables()) if self.parent else len(self._tables)

    def is_empty(self) -> bool:
        return not self._tables and (self.parent is None or self.parent.is_empty())

    def owns(self, table: Table) -> bool:
        return self._tables.get(table.key) is table

    def tables_named(self, name: str) -> list[Table]:
        """Every table with this bare name, in any schema; own definitions shadow the parent's."""
        own = self._by_name.get(key(name), [])
        if self.parent is None:
            return list(own)
        keys = {t.key for t in own}
        inherited = [t for t in self.parent.tables_named(name) if t.key not in keys and t.key not in self._dropped]
        return [*own, *inherited]

    def get(self, name: str, schema: str = "", database: str = "") -> Table | None:
        k = (key(database), key(schema), key(name))
        table = self._tables.get(k)
        if table is None and self.parent is not None and k not in self._dropped:
            return self.parent.get(name, schema, database)
        return table

    def has_schema(self, schema: str, database: str = "") -> bool:
        if database:
            found = (key(database), key(schema)) in self._schemas
        else:
            found = any(s == key(schema) for _, s in self._schemas)
        return found or (self.parent is not None and self.parent.has_schema(schema, database))

    def schemas(self) -> list[str]:
        names = set(self._schemas.values())
        if self.parent is not None:
            names.update(self.parent.schemas())
        return sorted(names)

    def schema_entries(self) -> list[tuple[str, str]]:
        """This catalog's own schemas as (schema name, case-folded database), for the cache."""
        return [(name, database) for (database, _), name in self._schemas.items()]

    def resolve_reference(self, fk: ForeignKey, schema_hint: str = "") -> Table | None:
        """The table a foreign key references: qualified as written, else in `schema_hint` (the
        referencing table's schema), else the only table of that bare name; None when unknown
        or ambiguous, so no rule guesses."""
        parts = fk.target.split(".")
        name = parts[-1]
        if len(parts) >= 3:
            return self.get(name, parts[-2], parts[-3])
        if len(parts) == 2:
            found = self.get(name, parts[0])
            if found is not None:
                return found
            candidates = [t for t in self.tables_named(name) if key(t.schema) == key(parts[0])]
            return candidates[0] if len(candidates) == 1 else None
        candidates = self.tables_named(name)
        if schema_hint:
            in_schema = [t for t in candidates if key(t.schema) == key(schema_hint)]
            if len(in_schema) == 1:
                return in_schema[0]
        return candidates[0] if len(candidates) == 1 else None

    def foreign_keys_between(self, a: Table, b: Table) -> list[tuple[Table, ForeignKey, Table]]:
        """Declared foreign keys from a to b and from b to a, each as (referencing table, key,
        referenced table); a table joined with itself lists its self-references once."""
        found: list[tuple[Table, ForeignKey, Table]] = []
        for source, other in ((a, b), (b, a)) if a is not b else ((a, a),):
            for fk in source.foreign_keys:
                target = self.resolve_reference(fk, source.schema)
                if target is not None and target.key == other.key:
                    found.append((source, fk, target))
        return found

    def functions_named(self, name: str) -> list[Function]:
        own = self._functions.get(key(name), [])
        if self.parent is None:
            return list(own)
        return [*own, *self.parent.functions_named(name)]

    def functions(self) -> Iterable[Function]:
        for functions in self._functions.values():
            yield from functions
        if self.parent is not None:
            yield from self.parent.functions()
