"""The suggested-block tracker: which edits count as suggestions, and how ranges follow edits."""

from __future__ import annotations

from lsprotocol import types

from domain_lsp.server.suggestions import SuggestionTracker, is_suggestion


def change(
    line: int, character: int, end_line: int, end_character: int, text: str
) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=line, character=character),
            end=types.Position(line=end_line, character=end_character),
        ),
        text=text,
    )


def test_what_counts_as_a_suggestion() -> None:
    assert is_suggestion("SELECT a\nFROM t")
    assert is_suggestion("x" * 80)
    assert not is_suggestion("\n    ")  # Enter with auto-indent
    assert not is_suggestion("SELECT a")


def tracked(text: str = "-- report\n") -> SuggestionTracker:
    tracker = SuggestionTracker()
    tracker.open("u", text)
    return tracker


def test_block_recorded_at_its_offsets_and_shifted_by_edits_before_it() -> None:
    tracker = tracked()
    assert tracker.change("u", [change(1, 0, 1, 0, "SELECT a\nFROM t;\n")], "utf-16")
    (block,) = tracker.blocks("u")
    assert (block.start, block.end) == (10, 27)
    tracker.change("u", [change(0, 0, 0, 0, "-- ")], "utf-16")
    assert (block.start, block.end, block.reviewed) == (13, 30, False)


def test_edit_inside_marks_reviewed_and_edit_after_does_not() -> None:
    tracker = tracked()
    tracker.change("u", [change(1, 0, 1, 0, "SELECT a\nFROM t;\n")], "utf-16")
    tracker.change("u", [change(3, 0, 3, 0, "-- after\n")], "utf-16")
    assert tracker.blocks("u")
    tracker.change("u", [change(1, 7, 1, 8, "b")], "utf-16")
    assert tracker.blocks("u") == []
    assert tracker.blocks("u", unreviewed_only=False)[0].reviewed


def test_mark_reviewed_by_id_and_whole_document_replacement() -> None:
    tracker = tracked()
    tracker.change("u", [change(1, 0, 1, 0, "SELECT a\nFROM t;\n")], "utf-16")
    (block,) = tracker.blocks("u")
    assert tracker.mark_reviewed("u", block.id)
    assert not tracker.mark_reviewed("u", block.id)
    tracker.change("u", [change(0, 0, 0, 0, "SELECT 1\nFROM t;\n")], "utf-16")
    tracker.change("u", [types.TextDocumentContentChangeWholeDocument(text="new")], "utf-16")
    assert tracker.blocks("u", unreviewed_only=False) == []
    assert tracker.in_sync("u", "new")


def test_block_inserted_after_a_line_break_starts_on_its_first_line() -> None:
    # Neovim sends new lines as "\n…" appended to the line above.
    tracker = tracked("-- report")
    tracker.change("u", [change(0, 9, 0, 9, "\nSELECT a\nFROM t;")], "utf-16")
    (block,) = tracker.blocks("u")
    assert (block.start, block.end) == (10, 26)
