"""`domain-lsp mcp`: the catalog and the checks as Model Context Protocol tools, over stdio.

A third front-end over the same Project as the CLI and the language server: it adds no
analysis of its own (docs/mcp.md).
"""
