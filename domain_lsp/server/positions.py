"""The one place where analysis offsets become LSP positions and back, in the encoding the
client negotiated (UTF-16 by default; Neovim asks for UTF-8).
"""

from __future__ import annotations

from lsprotocol import types

from domain_lsp.text import Encoding, LineIndex

_ENCODINGS: dict[str, Encoding] = {"utf-8": "utf-8", "utf-16": "utf-16", "utf-32": "utf-32"}


def encoding_of(kind: object) -> Encoding:
    value = getattr(kind, "value", kind)
    return _ENCODINGS.get(str(value), "utf-16")


class Positions:
    def __init__(self, lines: LineIndex, encoding: Encoding) -> None:
        self.lines = lines
        self.encoding = encoding

    def position(self, offset: int) -> types.Position:
        line, character = self.lines.position(offset, self.encoding)
        return types.Position(line=line, character=character)

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def offset(self, position: types.Position) -> int:
        return self.lines.offset(position.line, position.character, self.encoding)
