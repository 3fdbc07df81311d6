"""What tables, columns and functions exist: the model, its sources and how they merge."""

from domain_lsp.catalog.model import Catalog, Column, Function, Location, Table

__all__ = ["Catalog", "Column", "Function", "Location", "Table"]
