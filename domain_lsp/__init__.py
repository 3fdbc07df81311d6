"""domain-lsp: SQL and Python grounded in a team's own schemas, packages and conventions."""

__version__ = "0.1.0"
