"""Pure analysis shared by the language server and the CLI; never imports pygls."""
