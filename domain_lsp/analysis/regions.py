"""A stretch of SQL inside a document: the whole of a .sql file, or a string in a .py file.
Features that work on SQL (completion, hover, definition) go through a region so offsets map
between the document and the SQL text in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain_lsp.analysis.python.embedded_sql import EmbeddedSql
from domain_lsp.analysis.sql.document import SqlAnalysis


@dataclass
class SqlRegion:
    analysis: SqlAnalysis
    embedded: EmbeddedSql | None = None
    """None when the whole document is SQL."""

    def to_sql(self, offset: int) -> int | None:
        if self.embedded is None:
            return offset
        return self.embedded.to_sql(offset)

    def to_document(self, start: int, end: int) -> tuple[int, int]:
        if self.embedded is None:
            return start, end
        return self.embedded.to_source_range(start, end)
