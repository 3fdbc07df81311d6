"""The completion match tiers (domain_lsp/analysis/sql/completion/fuzzy.py)."""

from __future__ import annotations

import pytest

from domain_lsp.analysis.sql.completion.fuzzy import NEAR_MISS, PREFIX, SUBSEQUENCE, SUBSTRING, WORD_STARTS, tier, words


@pytest.mark.parametrize(
    ("typed", "name", "expected"),
    [
        ("ord", "ordered_at", PREFIX),
        ("ordat", "ordered_at", WORD_STARTS),
        ("at", "ordered_at", WORD_STARTS),
        ("sai", "shipping_address_id", WORD_STARTS),
        ("oat", "orderedAt", WORD_STARTS),
        ("dere", "ordered_at", SUBSTRING),
        ("odat", "ordered_at", SUBSEQUENCE),
        ("stauts", "status", NEAR_MISS),
        ("custmer", "customer_id", SUBSEQUENCE),
        ("cusotmer", "customer_id", NEAR_MISS),
        ("zz", "ordered_at", None),
        ("stat", "ordered_at", None),
        ("xyzw", "status", None),
    ],
)
def test_tiers(typed: str, name: str, expected: int | None) -> None:
    assert tier(typed, name) == expected


def test_only_a_prefix_without_fuzzy() -> None:
    assert tier("ord", "ORDERS", fuzzy=False) == PREFIX
    assert tier("ordat", "ordered_at", fuzzy=False) is None


def test_words_split_at_underscores_digits_and_case() -> None:
    assert words("shipping_address_id") == ("shipping", "address", "id")
    assert words("orderedAt2024") == ("ordered", "at", "2024")
    assert words("HTTPServer") == ("http", "server")
