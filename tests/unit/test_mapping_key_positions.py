"""Key positions in JSON mappings, against the parsed data for arbitrary JSON: every key of an
object nested in objects (up to MAX_KEY_DEPTH) is found, at the offset where its quote opens."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain_lsp.catalog.sources.mapping import MAX_KEY_DEPTH, KeyPath, _json_keys
from domain_lsp.text import LineIndex

names = st.text(st.characters(codec="utf-8"), max_size=6)
scalars = st.none() | st.booleans() | st.integers() | names
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(names, children, max_size=3),
    max_leaves=12,
)


def expected_paths(value: Any, path: KeyPath = ()) -> set[KeyPath]:
    if not isinstance(value, dict) or len(path) >= MAX_KEY_DEPTH:
        return set()
    found: set[KeyPath] = set()
    for key, child in value.items():
        found.add((*path, key))
        found |= expected_paths(child, (*path, key))
    return found


@settings(max_examples=150, deadline=None)
@given(documents, st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_every_key_is_found_where_it_is_written(document: Any, newline: str, ascii_only: bool) -> None:
    text = json.dumps(document, indent=1, ensure_ascii=ascii_only).replace("\n", newline)
    positions: dict[KeyPath, tuple[int, int]] = {}
    _json_keys(text, positions)
    assert set(positions) == expected_paths(json.loads(text))
    lines = LineIndex(text)
    for path, (line, character) in positions.items():
        offset = lines.line_start(line) + character
        assert json.JSONDecoder().raw_decode(text, offset)[0] == path[-1]
