"""Table lookups for completion: the checker's resolution rules without its findings, whose
"did you mean" suggestions scan every table of the catalog (too slow per keystroke)."""

from __future__ import annotations

from sqlglot import exp

from domain_lsp.analysis.sql.dialects import DEFAULT_SCHEMA
from domain_lsp.analysis.sql.resolve import Context, Resolution
from domain_lsp.catalog.model import Catalog, Table, key


def find_table(
    catalog: Catalog,
    name: str,
    schema: str = "",
    database: str = "",
    dialect: str = "",
    search_path: tuple[str, ...] = (),
) -> Table | None:
    """The table a name resolves to, as resolve.Context does; None when unknown or ambiguous."""
    if schema:
        table = catalog.get(name, schema, database) or (catalog.get(name, schema) if database else None)
        if table is None and not catalog.has_schema(schema, database) and not catalog.has_schema(schema):
            table = catalog.get(name)  # the catalog knows the table without a schema
        return table
    candidates = catalog.tables_named(name)
    if search_path:
        for path_schema in search_path:
            for table in candidates:
                if key(table.schema) == key(path_schema):
                    return table
        return next((t for t in candidates if not t.schema), None)
    if len(candidates) == 1:
        return candidates[0]
    default = DEFAULT_SCHEMA.get(dialect, "")
    preferred = [t for t in candidates if not t.schema or (default and key(t.schema) == default)]
    return preferred[0] if len(preferred) == 1 else None


class QuietContext(Context):
    """A resolve.Context whose table resolution never builds findings."""

    def _resolve_table(self, node: exp.Table) -> Resolution:
        if not isinstance(node.this, exp.Identifier) or not node.name:
            return Resolution()  # a table function or an expression: columns unknown
        return Resolution(find_table(self.catalog, node.name, node.db, node.catalog, self.dialect, self.search_path))

    def lookup(self, parts: tuple[str, ...]) -> Table | None:
        """The table `parts` names. Not through resolve_table: its cache is keyed by node id,
        and a temporary node's id is reused once it is freed."""
        if not parts:
            return None
        schema = parts[-2] if len(parts) > 1 else ""
        database = parts[-3] if len(parts) > 2 else ""
        return find_table(self.catalog, parts[-1], schema, database, self.dialect, self.search_path)
