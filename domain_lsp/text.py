"""Offsets in a text ↔ (line, character) positions in the LSP position encodings.

Analysis works on Python string offsets (code points). Clients count characters in UTF-16
code units (the LSP default, VS Code), UTF-8 bytes (Neovim asks for it) or code points.
Lines end at "\n", "\r\n" or a lone "\r", as the LSP specifies; other characters Python's
str.splitlines() breaks at (form feed, U+2028...) are ordinary characters to a client.
"""

from __future__ import annotations

import bisect
import re
from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]

_BREAK = re.compile(r"\r\n?|\n")


def _units(text: str, encoding: Encoding) -> int:
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-16":
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
    return len(text.encode("utf-8", errors="surrogatepass"))


class LineIndex:
    """Line starts of a text, computed once, for converting offsets both ways."""

    __slots__ = ("_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        if "\r" in text:
            self._starts = [0, *(m.end() for m in _BREAK.finditer(text))]
            return
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._starts = starts

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_start(self, line: int) -> int:
        return self._starts[min(line, len(self._starts) - 1)]

    def line_end(self, line: int) -> int:
        """Where a line's text ends, before its line break."""
        line = min(line, len(self._starts) - 1)
        if line + 1 >= len(self._starts):
            return len(self.text)
        end = self._starts[line + 1] - 1
        return end - 1 if self.text[end] == "\n" and end > self._starts[line] and self.text[end - 1] == "\r" else end

    def line_text(self, line: int) -> str:
        return self.text[self.line_start(line) : self.line_end(line)]

    def line_col(self, offset: int) -> tuple[int, int]:
        """0-based line and code-point column of an offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._starts, offset) - 1
        return line, offset - self._starts[line]

    def position(self, offset: int, encoding: Encoding = "utf-16") -> tuple[int, int]:
        line, col = self.line_col(offset)
        start = self._starts[line]
        col = min(col, self.line_end(line) - start)  # between "\r" and "\n" is the line's end
        return line, _units(self.text[start : start + col], encoding)

    def offset(self, line: int, character: int, encoding: Encoding = "utf-16") -> int:
        """The offset of a client position; positions past a line's end clamp to its end."""
        if line >= len(self._starts):
            return len(self.text)
        start = self._starts[line]
        end = self.line_end(line)
        if encoding == "utf-32":
            return min(start + character, end)
        units = 0
        for i in range(start, end):
            if units >= character:
                return i
            ch = self.text[i]
            if encoding == "utf-16":
                units += 2 if ord(ch) > 0xFFFF else 1
            else:
                units += len(ch.encode("utf-8", errors="surrogatepass"))
        return end
