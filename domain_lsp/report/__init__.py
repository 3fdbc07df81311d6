"""One writer per `--format`; each takes the checked files and returns the text to print."""
