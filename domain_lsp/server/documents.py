"""Open documents split into lines the way the LSP specifies ("\\n", "\\r\\n", "\\r").

pygls splits with str.splitlines(), which also breaks at form feed, U+001C..U+001E, U+0085,
U+2028 and U+2029. A client does not, so an incremental edit after one of those characters
would land on the wrong line and the server's copy of the text would silently drift from the
editor's. Every document pygls creates for us is this subclass instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pygls.workspace import TextDocument, Workspace

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def lsp_lines(text: str) -> tuple[str, ...]:
    """The lines of `text`, each with its line break, as a client counts them."""
    return tuple(_LINE.findall(text))


class LspTextDocument(TextDocument):
    @property
    def lines(self) -> Sequence[str]:
        return lsp_lines(self.source)


class LspWorkspace(Workspace):
    def _create_text_document(self, *args: Any, **kwargs: Any) -> TextDocument:
        document = super()._create_text_document(*args, **kwargs)
        document.__class__ = LspTextDocument  # same state, LSP line breaks
        return document


def use_lsp_lines(workspace: Workspace) -> None:
    """Make `workspace` (created by pygls on initialize) create LspTextDocuments."""
    if type(workspace) is Workspace:
        workspace.__class__ = LspWorkspace
