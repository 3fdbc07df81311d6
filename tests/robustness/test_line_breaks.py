"""Regressions the protocol fuzzer found: line breaks are "\\n", "\\r\\n" and "\\r" (as the LSP
says), nothing else, on both sides of the server (its text sync and its positions)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsp_driver import Driver
from lsprotocol import types

from domain_lsp.server.documents import lsp_lines
from domain_lsp.text import LineIndex

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"


def test_a_lone_carriage_return_ends_a_line() -> None:
    lines = LineIndex("\rSELECT x")
    assert lines.position(1) == (1, 0)
    assert lines.offset(1, 0) == 1
    assert lines.line_text(0) == ""
    assert lines.line_text(1) == "SELECT x"


def test_crlf_is_one_line_break() -> None:
    lines = LineIndex("a\r\nb\r\n")
    assert lines.line_count == 3
    assert lines.line_text(0) == "a"
    assert lines.offset(0, 99) == 1  # clamped to the line's end, before the "\r"
    assert lines.position(2) == (0, 1)  # between "\r" and "\n" is the end of the line


def test_form_feed_and_line_separator_are_not_line_breaks() -> None:
    text = "a\x0cb\u2028c\x85d\n"
    assert LineIndex(text).line_count == 2
    assert lsp_lines(text) == (text,)
    assert lsp_lines("x\r\ny\rz") == ("x\r\n", "y\r", "z")


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Driver]:
    root = tmp_path / "warehouse"
    shutil.copytree(EXAMPLE, root)
    driver = Driver(root, "neovim")
    driver.start()
    yield driver
    driver.stop()


def test_an_edit_after_a_form_feed_lands_where_the_client_put_it(driver: Driver) -> None:
    uri = (driver.root / "ff.sql").as_uri()
    driver.open(uri, "\x1eSELECT SELECT", "sql")
    # Delete "\x1eS": the client counts one line; pygls' splitlines() counted two.
    edit = types.Range(start=types.Position(0, 0), end=types.Position(0, 2))
    driver.change(uri, 2, [types.TextDocumentContentChangePartial(range=edit, text="")])
    (diagnostic,) = driver.pull(uri)
    assert diagnostic.code == "syntax-error"
    assert (diagnostic.range.start.character, diagnostic.range.end.character) == (0, 5)  # "ELECT"
