"""The catalog a completion sees: the workspace catalog with what the file's earlier
statements create, alter or drop layered on top (as analysis/sql/document.py does)."""

from __future__ import annotations

from sqlglot.tokens import Token

from domain_lsp.analysis.sql.completion.lookup import QuietContext
from domain_lsp.analysis.sql.parse import parse_statement
from domain_lsp.catalog.ddl import DdlApplier
from domain_lsp.catalog.model import Catalog, Table
from domain_lsp.config import SqlSettings
from domain_lsp.text import LineIndex

# One slot: the overlay of the last request, reused while the file's earlier DDL and the
# catalog's versions stay the same (typing below them). One slot, because the overlay holds
# its parent: a map of them would keep every replaced workspace catalog alive.
_last_local: list[tuple[tuple[object, ...], Catalog]] = []


def local_catalog(text: str, ddl: list[list[Token]], catalog: Catalog, settings: SqlSettings) -> Catalog:
    """The catalog with the tables that the earlier DDL statements `ddl` create (or alter, or
    drop) on top; reused while they stay the same."""
    stamp: list[object] = [settings.dialect, settings.search_path]
    current: Catalog | None = catalog
    while current is not None:
        stamp.append((id(current), current.version))
        current = current.parent
    stamp.extend(text[t[0].start : t[-1].end + 1] for t in ddl)
    signature = tuple(stamp)
    if _last_local and _last_local[0][0] == signature and _last_local[0][1].parent is catalog:
        return _last_local[0][1]
    local = Catalog(parent=catalog)
    if ddl:
        lines = LineIndex(text)
        for tokens in ddl:
            statement = parse_statement(tokens, text, settings.dialect, lines)
            if statement.expression is not None:
                ctx = QuietContext(local, settings.dialect, settings.search_path, text)
                DdlApplier(local, ctx, "", lines).apply(statement.expression)
    _last_local[:] = [(signature, local)]
    return local


def own_tables(local: Catalog) -> list[Table]:
    """Tables the file itself defines: Catalog.tables() lists a catalog's own tables first."""
    own: list[Table] = []
    for table in local.tables():
        if not local.owns(table):
            break
        own.append(table)
    return own
