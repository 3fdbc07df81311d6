"""The language server: a thin pygls front-end over domain_lsp.analysis."""
