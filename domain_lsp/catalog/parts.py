"""Each schema file's share of the catalog, kept so that a change to one file of many re-reads
that file only.

While the loader reads a file into the shared catalog, a RecordingCatalog notes what the file
does to it (tables added or dropped, schemas, functions, in order) and whether any question the
file asked of the catalog was answered by something the file did not write itself: another
file's table, or a table's absence. A file whose every question was about its own tables is
*self-contained*: read alone it does what it did in sequence, so replaying every file's notes in
order builds the catalog a full load builds, table for table and in the same order. A file that
asked about others (a view over another file's table, an ALTER of one, key constraints read onto
another dump's columns) makes a one-file reload fall back to reading every file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from domain_lsp.catalog.model import Catalog, ForeignKey, Function, Table, key

if TYPE_CHECKING:
    from domain_lsp.catalog.load import SourceReport
    from domain_lsp.catalog.sources.dbt import DbtProject

TableKey = tuple[str, str, str]


@dataclass
class Notes:
    """What one file did to the catalog, in order, and what it asked."""

    done: list[Table | Function | tuple[str, str]] = field(default_factory=list)
    """Tables and functions added and schemas (schema, database) declared, in the file's order."""
    own: dict[TableKey, Table] = field(default_factory=dict)
    """The tables the file added, by their key when added: a lookup of one of these keys is
    answered by the file itself."""
    schemas: set[tuple[str, str]] = field(default_factory=set)
    """The schemas the file declared or put a table in, as (database, schema) keys."""
    asked_others: bool = False
    dropped: bool = False
    """The file dropped a table: replaying its additions would not do the same."""

    def replayable(self) -> bool:
        """Whether replaying `done` redoes the file: it asked nothing of other files, dropped
        nothing and renamed none of its tables (a table's key is where the catalog put it)."""
        return not self.asked_others and not self.dropped and all(t.key == k for k, t in self.own.items())


@dataclass
class FilePart:
    """One schema file's result, as a reload reuses it."""

    path: Path
    report: SourceReport
    notes: Notes
    dbt: DbtProject | None = None
    self_contained: bool = True
    """Read alone, the file does what it did in sequence (see the module's docs)."""


class RecordingCatalog(Catalog):
    """The catalog being loaded; while `notes` is set, what is added is noted there and any
    question not answered by the file's own tables marks it as asking others."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: Notes | None = None

    def done(self) -> Catalog:
        """This catalog as a plain Catalog, for the analysis: no recording on its lookups."""
        self.notes = None
        self.__class__ = Catalog  # type: ignore[assignment]  # same layout; saves a call per lookup
        return self

    # -- building, noted --------------------------------------------------------------------
    def add_table(self, table: Table) -> None:
        super().add_table(table)
        if self.notes is not None:
            self.notes.done.append(table)
            self.notes.own[table.key] = table

    def drop_table(self, table: Table) -> None:
        super().drop_table(table)
        if self.notes is not None:
            self.notes.dropped = True

    def add_schema(self, schema: str, database: str = "") -> None:
        super().add_schema(schema, database)
        if self.notes is not None:
            self.notes.done.append((schema, database))
            self.notes.schemas.add((key(database), key(schema)))

    def add_function(self, function: Function) -> None:
        super().add_function(function)
        if self.notes is not None:
            self.notes.done.append(function)

    def add_distinct_tables(self, keyed: Iterable[tuple[TableKey, Table]]) -> None:
        self._asked()  # the cache's bulk path: never a source's
        super().add_distinct_tables(keyed)

    def merge(self, other: Catalog) -> None:
        self._asked()  # a live source's catalog, merged whole: not a file's
        super().merge(other)

    # -- reading, watched ---------------------------------------------------------------------
    def _asked(self) -> None:
        if self.notes is not None:
            self.notes.asked_others = True

    def get(self, name: str, schema: str = "", database: str = "") -> Table | None:
        if self.notes is not None and (key(database), key(schema), key(name)) not in self.notes.own:
            self.notes.asked_others = True
        return super().get(name, schema, database)

    def owns(self, table: Table) -> bool:
        if self.notes is not None and table.key not in self.notes.own:
            self.notes.asked_others = True
        return super().owns(table)

    def has_schema(self, schema: str, database: str = "") -> bool:
        found = super().has_schema(schema, database)
        notes = self.notes
        if notes is not None:
            wanted = key(schema)
            if database:
                own = (key(database), wanted) in notes.schemas
            else:
                own = any(s == wanted for _, s in notes.schemas)
            if not (found and own):
                notes.asked_others = True
        return found

    def tables(self) -> Iterator[Table]:
        self._asked()
        return super().tables()

    def tables_named(self, name: str) -> list[Table]:
        self._asked()
        return super().tables_named(name)

    def is_empty(self) -> bool:
        self._asked()
        return super().is_empty()

    def schemas(self) -> list[str]:
        self._asked()
        return super().schemas()

    def schema_entries(self) -> list[tuple[str, str]]:
        self._asked()
        return super().schema_entries()

    def resolve_reference(self, fk: ForeignKey, schema_hint: str = "") -> Table | None:
        self._asked()
        return super().resolve_reference(fk, schema_hint)

    def functions_named(self, name: str) -> list[Function]:
        self._asked()
        return super().functions_named(name)

    def functions(self) -> Iterable[Function]:
        self._asked()
        return super().functions()


def replay(notes: Notes, catalog: Catalog) -> None:
    """Do to `catalog` what the file did to the catalog it was read into (when `replayable`)."""
    for item in notes.done:
        if isinstance(item, Table):
            catalog.add_table(item)
        elif isinstance(item, Function):
            catalog.add_function(item)
        else:
            catalog.add_schema(*item)
