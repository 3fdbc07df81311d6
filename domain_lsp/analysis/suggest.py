"""Closest real names for a mistyped one ("did you mean `ordered_at`?")."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Real names close to `name`, best first; case-insensitive, ties keep candidate order."""
    by_key: dict[str, str] = {}
    for candidate in candidates:
        by_key.setdefault(candidate.casefold(), candidate)
    wanted = name.casefold()
    matches = difflib.get_close_matches(wanted, list(by_key), n=limit, cutoff=0.6)
    if not matches:
        # Assistants often add or drop a word: `customer_name` for `name`, `order_date` for `order_ts`.
        parts = set(wanted.replace("-", "_").split("_")) - {""}
        scored = [(len(parts & set(k.split("_"))), k) for k in by_key if parts & set(k.split("_"))]
        scored.sort(key=lambda pair: -pair[0])
        matches = [k for score, k in scored[:limit] if score >= 1]
    return [by_key[m] for m in matches]


def did_you_mean(names: list[str]) -> str:
    if not names:
        return ""
    return "; did you mean " + " or ".join(f"`{n}`" for n in names) + "?"
