"""Which code just arrived as a suggestion: a single change inserting at least two non-empty
lines or 80 characters (an accepted inline completion or a paste) becomes a *suggested block*.
Its range follows later edits; it is *reviewed* once the user edits inside it or marks it.

Kept per document with a shadow copy of the text, because the offsets of a change are only
known against the text before it (pygls has already applied it when handlers run).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from lsprotocol import types

from domain_lsp.text import Encoding, LineIndex

MIN_CHARACTERS = 80
MIN_LINES = 2


@dataclass
class SuggestedBlock:
    id: int
    start: int
    end: int
    created: float = field(default_factory=time.time)
    reviewed: bool = False

    def contains(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end


def is_suggestion(text: str) -> bool:
    return len(text) >= MIN_CHARACTERS or sum(1 for line in text.splitlines() if line.strip()) >= MIN_LINES


@dataclass
class _Document:
    text: str
    blocks: list[SuggestedBlock] = field(default_factory=list)


class SuggestionTracker:
    def __init__(self) -> None:
        self._documents: dict[str, _Document] = {}
        self._ids = itertools.count(1)

    def open(self, uri: str, text: str) -> None:
        self._documents[uri] = _Document(text)

    def close(self, uri: str) -> None:
        self._documents.pop(uri, None)

    def change(self, uri: str, changes: list[types.TextDocumentContentChangeEvent], encoding: Encoding) -> bool:
        """Apply a didChange's content changes; True when the blocks changed."""
        document = self._documents.get(uri)
        if document is None:
            return False
        changed = False
        for change in changes:
            if not isinstance(change, types.TextDocumentContentChangePartial):
                document.text = change.text  # a whole-document replacement: offsets are lost
                changed |= bool(document.blocks)
                document.blocks.clear()
                continue
            lines = LineIndex(document.text)
            start = lines.offset(change.range.start.line, change.range.start.character, encoding)
            end = lines.offset(change.range.end.line, change.range.end.character, encoding)
            changed |= self._shift(document, start, end, len(change.text))
            document.text = document.text[:start] + change.text + document.text[end:]
            if is_suggestion(change.text):
                # Neovim inserts lines as "\nline…" at the end of the line above: the block
                # starts after that leading line break.
                lead = len(change.text) - len(change.text.lstrip("\r\n"))
                document.blocks.append(SuggestedBlock(next(self._ids), start + lead, start + len(change.text)))
                changed = True
        return changed

    @staticmethod
    def _shift(document: _Document, start: int, end: int, inserted: int) -> bool:
        delta = inserted - (end - start)
        changed = False
        for block in document.blocks:
            if end <= block.start and not (start == end == block.start and inserted == 0):
                block.start += delta
                block.end += delta
            elif start >= block.end:
                continue
            else:  # an edit inside (or across) the block: the user has looked at it
                block.end = max(block.start, block.end + delta)
                if not block.reviewed:
                    block.reviewed = True
                    changed = True
        return changed

    def in_sync(self, uri: str, text: str) -> bool:
        document = self._documents.get(uri)
        return document is None or document.text == text

    def blocks(self, uri: str, unreviewed_only: bool = True) -> list[SuggestedBlock]:
        document = self._documents.get(uri)
        if document is None:
            return []
        return [b for b in document.blocks if not (unreviewed_only and b.reviewed)]

    def mark_reviewed(self, uri: str, block_id: int | None = None) -> bool:
        marked = False
        for block in self.blocks(uri):
            if block_id is None or block.id == block_id:
                block.reviewed = True
                marked = True
        return marked

    def block_at(self, uri: str, start: int, end: int) -> SuggestedBlock | None:
        return next((b for b in self.blocks(uri) if b.contains(start, end)), None)
