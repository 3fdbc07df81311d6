"""Pieces of SQL completion; the entry point is domain_lsp.analysis.sql.complete."""
