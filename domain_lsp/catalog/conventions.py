"""The config's `[conventions]` applied to a loaded catalog: PII tags, deprecations and required
filters for teams whose metadata lives nowhere else.

Applied after the catalog is read (or restored from the on-disk cache) and after it is cached,
so the cache holds only what the sources say and a changed convention needs no re-read. An
entry naming a table or column the catalog does not have, or naming several, is a problem on
its line of the config (a `source-error`), never silently ignored: a misspelt PII column would
otherwise go unguarded.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from domain_lsp.catalog.model import Catalog, Column, Table, key
from domain_lsp.catalog.sources import SourceProblem
from domain_lsp.config import Config, Convention, dotted_parts

if TYPE_CHECKING:
    from domain_lsp.catalog.load import LoadedCatalog

PII = "pii"


def apply_conventions(config: Config, loaded: LoadedCatalog) -> LoadedCatalog:
    """`loaded` with the conventions applied and, when there are any, a source report holding
    their problems."""
    if not config.conventions:
        return loaded
    from domain_lsp.catalog.load import SourceReport

    started = time.perf_counter()
    path = config.path or config.root
    report = SourceReport(path, "conventions", name=f"[conventions] in {path.name}")
    for convention in config.conventions:
        problem = _apply(loaded.catalog, convention)
        if problem is not None:
            line = (convention.line or 1) - 1
            message = f"conventions.{convention.kind} `{convention.name}`: {problem}"
            report.problems.append(SourceProblem(message, line, convention.character))
    report.seconds = time.perf_counter() - started
    loaded.sources.append(report)
    return loaded


def _apply(catalog: Catalog, convention: Convention) -> str | None:
    """Apply one entry; what is wrong with it, or None."""
    parts = dotted_parts(convention.name)
    if convention.kind == "deprecated":
        tables = _tables(catalog, parts)
        if len(tables) == 1:
            tables[0].deprecated = convention.note
            return None
        if len(tables) > 1:
            return _ambiguous(convention.name, tables)
        # not a table: a column of one
    if len(parts) < 2 and convention.kind != "required_filters":
        return f"no table `{convention.name}` in the catalog; fix the name or remove the entry"
    table_parts = parts if convention.kind == "required_filters" else parts[:-1]
    written = ".".join(table_parts)
    tables = _tables(catalog, table_parts)
    if not tables:
        what = "table" if convention.kind == "required_filters" else "table or column"
        return f"no {what} of that name in the catalog; fix the name or remove the entry"
    if len(tables) > 1:
        return _ambiguous(written, tables)
    table = tables[0]
    if convention.kind == "required_filters":
        missing = [c for c in convention.columns if table.column(c) is None]
        if missing:
            return _no_column(table, missing)
        table.required_filters = convention.columns
        return None
    column = table.column(parts[-1])
    if column is None:
        return _no_column(table, [parts[-1]])
    if convention.kind == "pii":
        _tag(column, PII)
    else:
        column.deprecated = convention.note
    return None


def _tables(catalog: Catalog, parts: list[str]) -> list[Table]:
    """The tables `parts` names: `table`, `schema.table` or `database.schema.table`."""
    if not parts or len(parts) > 3:
        return []
    *qualifiers, name = parts
    found = catalog.tables_named(name)
    if qualifiers:
        found = [t for t in found if key(t.schema) == key(qualifiers[-1])]
    if len(qualifiers) == 2:
        found = [t for t in found if key(t.database) == key(qualifiers[0])]
    return sorted(found, key=lambda t: t.key)


def _tag(column: Column, tag: str) -> None:
    if tag not in column.tags:
        column.tags = (*column.tags, tag)


def _ambiguous(written: str, tables: list[Table]) -> str:
    names = ", ".join(f"`{t.qualified_name}`" for t in tables[:3])
    more = f" and {len(tables) - 3} more" if len(tables) > 3 else ""
    return f"`{written}` names {len(tables)} tables ({names}{more}); qualify it with its schema"


def _no_column(table: Table, missing: list[str]) -> str:
    names = ", ".join(f"`{c}`" for c in missing)
    if not table.columns_known:
        return (
            f"the columns of `{table.qualified_name}` are not known (a dbt model without documented columns),"
            f" so {names} cannot be checked; document them or remove the entry"
        )
    return f"`{table.qualified_name}` has no column {names}; fix the name or remove the entry"
