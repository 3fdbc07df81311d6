"""Sorted table names for prefix lookups, so that completing in a catalog of 100,000 tables
costs a binary search plus the items returned, not a scan.

An index is built lazily, once per catalog and version (including the versions of its
parents), and kept in a weak map so that it goes away with its catalog.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Iterator

from domain_lsp.catalog.model import Catalog, Table, key


class _Sorted:
    """Tables sorted by case-folded name."""

    __slots__ = ("keys", "tables")

    def __init__(self, tables: list[Table]) -> None:
        tables.sort(key=lambda t: (key(t.name), key(t.schema), key(t.database)))
        self.tables = tables
        self.keys = [key(t.name) for t in tables]

    def prefixed(self, prefix: str) -> Iterator[Table]:
        folded = key(prefix)
        i = bisect.bisect_left(self.keys, folded)
        keys, tables = self.keys, self.tables
        while i < len(keys) and keys[i].startswith(folded):
            yield tables[i]
            i += 1


class NameIndex:
    def __init__(self, catalog: Catalog) -> None:
        everything = list(catalog.tables())
        by_schema: dict[str, list[Table]] = {}
        for table in everything:
            by_schema.setdefault(key(table.schema), []).append(table)
        self.all = _Sorted(everything)
        self.by_schema = {schema: _Sorted(tables) for schema, tables in by_schema.items()}

    def tables(self, prefix: str, schema: str | None = None) -> Iterator[Table]:
        """Tables whose name starts with `prefix` (case-insensitive), in name order."""
        if schema is None:
            return self.all.prefixed(prefix)
        found = self.by_schema.get(key(schema))
        return found.prefixed(prefix) if found is not None else iter(())


_INDEXES: weakref.WeakKeyDictionary[Catalog, tuple[tuple[tuple[int, int], ...], NameIndex]] = (
    weakref.WeakKeyDictionary()
)


def _stamp(catalog: Catalog) -> tuple[tuple[int, int], ...]:
    stamp: list[tuple[int, int]] = []
    current: Catalog | None = catalog
    while current is not None:
        stamp.append((id(current), current.version))
        current = current.parent
    return tuple(stamp)


def name_index(catalog: Catalog) -> NameIndex:
    stamp = _stamp(catalog)
    cached = _INDEXES.get(catalog)
    if cached is None or cached[0] != stamp:
        cached = (stamp, NameIndex(catalog))
        _INDEXES[catalog] = cached
    return cached[1]
