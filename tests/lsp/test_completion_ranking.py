"""Completion ranks fuzzily on the server and every client keeps that order (issue 19)."""

from __future__ import annotations

from lsprotocol import types

from tests.lsp.conftest import Session
from tests.lsp.test_completion import complete


def columns(items: list[types.CompletionItem]) -> list[str]:
    return [i.label for i in items if i.kind == types.CompletionItemKind.Field]


def assert_kept_in_order(items: list[types.CompletionItem], typed: str) -> None:
    """Each item filters on exactly what was typed (no client drops a fuzzy match or re-scores
    it), and sort_text gives the server's order."""
    assert items
    assert {i.filter_text for i in items} == {typed}
    sort_texts = [i.sort_text or "" for i in items]
    assert sort_texts == sorted(sort_texts)


async def test_word_starts_find_the_column_and_rank_it_first(session: Session) -> None:
    items = await complete(session, "SELECT o.ordat| FROM sales.orders o")
    assert columns(items)[0] == "ordered_at"
    assert_kept_in_order(items, "ordat")


async def test_two_letters_find_columns_by_their_words_then_by_their_letters(session: Session) -> None:
    items = await complete(session, "SELECT o.sa| FROM sales.orders o")
    # s(hipping) a(ddress) by word starts; s-t-a-tus by letters in order: ranked after it.
    assert columns(items)[:2] == ["shipping_address_id", "status"]
    assert_kept_in_order(items, "sa")


async def test_a_slip_still_finds_the_column(session: Session) -> None:
    items = await complete(session, "SELECT o.stauts| FROM sales.orders o")
    assert columns(items) == ["status"]
    assert_kept_in_order(items, "stauts")


async def test_a_prefix_beats_a_fuzzy_match_of_any_group(session: Session) -> None:
    items = await complete(session, "SELECT ord| FROM sales.orders o")
    labels = [i.label for i in items]
    # The prefix matches (columns first) come before `shipping_address_id`-like fuzzy matches.
    assert labels[:2] == ["order_id", "ordered_at"]
    assert_kept_in_order(items, "ord")


async def test_nothing_typed_filters_on_the_label(session: Session) -> None:
    items = await complete(session, "SELECT o.| FROM sales.orders o")
    assert {i.filter_text for i in items} == {None}
    assert columns(items)[:2] == ["order_id", "customer_id"]
