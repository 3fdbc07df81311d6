"""How well a typed word matches a name, as a tier: lower is better, None is no match.

The tiers, best first, as IDEs rank them: the name starts with the word; the word is made of
the starts of the name's words (`ordat` → `ordered_at`, `sa` → `shipping_address_id`,
`at` → `ordered_at`); the name holds the word; the name holds the word's letters in order
(`odat` → `ordered_at`); the word is a slip of the name's start (`stauts` → `status`). Words
are split at `_`, `$`, digits and lower-to-upper case changes. Everything is case-insensitive.
"""

from __future__ import annotations

import functools
import re

PREFIX, WORD_STARTS, SUBSTRING, SUBSEQUENCE, NEAR_MISS = range(5)

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


@functools.lru_cache(maxsize=1 << 14)
def words(name: str) -> tuple[str, ...]:
    """`shipping_address_id` → shipping, address, id; `orderedAt` → ordered, at (folded)."""
    return tuple(w.casefold() for w in _WORDS.findall(name))


def tier(typed: str, name: str, fuzzy: bool = True) -> int | None:
    """`typed` is folded already (catalog.model.key); `name` as written."""
    folded = name.casefold()
    if folded.startswith(typed):
        return PREFIX
    if not fuzzy:
        return None
    if _from_word_starts(typed, words(name)):
        return WORD_STARTS
    if typed in folded:
        return SUBSTRING
    if len(typed) >= 2 and _subsequence(typed, folded):
        return SUBSEQUENCE
    if len(typed) >= 4 and _near_miss(typed, folded):
        return NEAR_MISS
    return None


def _from_word_starts(typed: str, parts: tuple[str, ...]) -> bool:
    """Whether `typed` is a run of non-empty starts of consecutive words, from any word on."""
    return any(_starts_from(typed, parts, i) for i in range(len(parts)))


@functools.lru_cache(maxsize=1 << 14)
def _starts_from(typed: str, parts: tuple[str, ...], at: int) -> bool:
    if not typed:
        return True
    if at >= len(parts):
        return False
    word = parts[at]
    longest = 0
    while longest < min(len(word), len(typed)) and word[longest] == typed[longest]:
        longest += 1
    # The longest start first: `ordat` takes `ord` of `ordered`, then `at`.
    return any(_starts_from(typed[n:], parts, at + 1) for n in range(longest, 0, -1))


def _subsequence(typed: str, folded: str) -> bool:
    letters = iter(folded)
    return all(c in letters for c in typed)


def _near_miss(typed: str, folded: str) -> bool:
    """One slip (two from 7 letters on) against the name's start of about the same length: a
    letter left out, added, changed or two swapped."""
    allowed = 1 if len(typed) < 7 else 2
    return any(
        _distance(typed, folded[:length]) <= allowed
        for length in (len(typed) - 1, len(typed), len(typed) + 1)
        if 0 < length <= len(folded)
    )


def _distance(a: str, b: str) -> int:
    """Edit distance with adjacent swaps (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
