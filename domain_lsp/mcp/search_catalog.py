"""`search_catalog {query, kind?, limit?}`: tables, views and columns matching words or near-misses.

Names are split into words (`ordered_at` → ordered, at); a query word counts fully when it is
one of them, less for a prefix (`order` → `ordered`), a common synonym (`date` → `at`, `ts`) or
a one-letter slip, less again when it is only in the table's name or description. The catalog's
word index is built once per catalog (in the background when the server starts); columns are
scored in the best-matching tables only, so a look-up stays fast on 100,000 tables.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import heapq
import itertools
import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from domain_lsp.catalog.model import Catalog, Column, Table
from domain_lsp.mcp.registry import ArgumentError, Tool, limit_argument, optional_text, register, text_argument
from domain_lsp.mcp.results import column_brief, table_brief
from domain_lsp.mcp.state import Workspace

KINDS = ("table", "view", "column")
COLUMN_TABLES = 50
"""Columns are scored in this many of the best-matching tables (every table of a catalog this small)."""
FULL_SCAN_TABLES = 5_000
"""Above this many tables, tables are scored from the word index (their names), not read one by one."""
FUZZY_VOCABULARY = 20_000
"""Above this many distinct words, near-misses are prefixes only (difflib over more is too slow)."""
_WORD = re.compile(r"[a-z0-9]+")
SYNONYMS: dict[str, frozenset[str]] = {
    word: group
    for group in (
        frozenset({"date", "day", "at", "on", "ts", "time", "timestamp", "datetime", "when"}),
        frozenset({"id", "key", "pk", "identifier"}),
        frozenset({"amount", "total", "sum", "price", "revenue", "value"}),
        frozenset({"qty", "quantity", "count", "number"}),
        frozenset({"customer", "client", "user", "account"}),
        frozenset({"name", "title", "label"}),
    )
    for word in group
}


@functools.lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower().replace("_", " ")))


@dataclass
class Index:
    tables: list[Table]
    by_word: dict[str, list[int]] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)
    spelled: list[str] = field(default_factory=list)
    """The vocabulary's words with a letter (`000123` is no word to misspell)."""


_indexes: weakref.WeakKeyDictionary[Catalog, Index] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def index_of(catalog: Catalog) -> Index:
    with _lock:
        index = _indexes.get(catalog)
        if index is None:
            tables = sorted(catalog.tables(), key=lambda t: t.qualified_name)
            index = Index(tables)
            for position, table in enumerate(tables):
                for word in set(_words(table.name)):
                    index.by_word.setdefault(word, []).append(position)
            index.vocabulary = sorted(index.by_word)
            index.spelled = [word for word in index.vocabulary if not word.isdigit()]
            _indexes[catalog] = index
        return index


@functools.lru_cache(maxsize=1 << 18)
def word_score(wanted: str, have: tuple[str, ...]) -> float:
    """How well a query word matches a name's words; cached, as names share their words."""
    return max((_token_score(wanted, word) for word in have), default=0.0)


@functools.lru_cache(maxsize=1 << 16)
def _token_score(wanted: str, word: str) -> float:
    """Cached: a catalog's names repeat the same few hundred words."""
    if wanted == word:
        return 3.0
    if len(wanted) >= 3 and (word.startswith(wanted) or (len(word) >= 3 and wanted.startswith(word))):
        return 2.0
    group = SYNONYMS.get(wanted)
    if group is not None and word in group:
        return 2.0
    if len(wanted) >= 4 and len(word) >= 4 and difflib.SequenceMatcher(None, wanted, word).ratio() >= 0.8:
        return 1.0
    return 0.0


def _near_words(index: Index, wanted: str) -> list[str]:
    """Index words a query word may mean: itself, words it starts (or that start it), synonyms, slips."""
    found = {wanted} if wanted in index.by_word else set()
    vocabulary = index.vocabulary
    if len(wanted) >= 3:
        at = bisect.bisect_left(vocabulary, wanted)
        while at < len(vocabulary) and vocabulary[at].startswith(wanted):
            found.add(vocabulary[at])
            at += 1
        found.update(wanted[:n] for n in range(3, len(wanted)) if wanted[:n] in index.by_word)
    found.update(word for word in SYNONYMS.get(wanted, ()) if word in index.by_word)
    if len(wanted) >= 4 and len(index.spelled) <= FUZZY_VOCABULARY:
        found.update(difflib.get_close_matches(wanted, index.spelled, n=5, cutoff=0.8))
    return sorted(found)


Found = tuple[float, str, Table, Column | None]
"""(score, qualified name, table, column or None for the table itself)."""


def search(catalog: Catalog, query: str, kind: str | None, limit: int) -> tuple[list[Found], int]:
    """The best `limit` matches, best first (ties by name, so the same query answers the same
    every run), and how many there are in all."""
    wanted = tuple(dict.fromkeys(_words(query)))
    index = index_of(catalog)
    small = len(index.tables) <= COLUMN_TABLES
    needed = max((len(wanted) + 1) // 2, 1)  # most of the query's words must be found
    if len(index.tables) > FULL_SCAN_TABLES:
        scored_tables = _scored_by_index(index, wanted)
    else:
        scored_tables = _scored_by_scan(index, wanted)
    # index.tables is in name order: the position breaks ties by name.
    scored_tables.sort(key=lambda entry: (-entry[0], entry[2]))
    tables = index.tables
    table_hits = [
        (score, position)
        for score, matched, position in scored_tables
        if score > 0 and matched >= needed and kind in (None, tables[position].kind)
    ]
    column_hits: list[Found] = []
    if kind in (None, "column"):
        for _, _, position in scored_tables if small else scored_tables[:COLUMN_TABLES]:
            table = tables[position]
            table_words = _words(table.name)
            for column in table.columns.values():
                have = _words(column.name)
                if column.type and _temporal(column.type):
                    have = (*have, "date")
                about = _words(column.description) if column.description else ()
                total, matched, own_any = 0.0, 0, False
                for w in wanted:
                    own = word_score(w, have)
                    own_any = own_any or own > 0
                    best = max(own, 0.5 * word_score(w, table_words), 0.5 if w in about else 0.0)
                    total += best
                    matched += best > 0
                if own_any and matched >= needed:  # a column matches on a word of its own name
                    column_hits.append((total, f"{table.qualified_name}.{column.name}", table, column))
    column_hits.sort(key=lambda item: (-item[0], item[1]))
    # Both lists are in (score, name) order: merged, only the names of the first `limit`
    # tables are ever written out (a common word matches thousands of tables).
    as_found = ((score, tables[p].qualified_name, tables[p], None) for score, p in table_hits)
    merged = heapq.merge(as_found, column_hits, key=lambda item: (-item[0], item[1]))
    return list(itertools.islice(merged, limit)), len(table_hits) + len(column_hits)


def _scored_by_scan(index: Index, wanted: tuple[str, ...]) -> list[tuple[float, int, int]]:
    """(score, words matched, position) of every table: names, descriptions and schemas read."""
    whole = " ".join(wanted)
    scored: list[tuple[float, int, int]] = []
    for position, table in enumerate(index.tables):
        have = _words(table.name)
        about = _words(table.description) if table.description else ()
        score, matched = 0.0, 0
        for w in wanted:
            own = word_score(w, have)
            matched += own > 0
            score += max(own, 0.5 if w in about or w == table.schema.lower() else 0.0)
        if whole == " ".join(have):
            score += 1.0
        scored.append((score, matched, position))  # unmatched too: their columns may match
    return scored


def _scored_by_index(index: Index, wanted: tuple[str, ...]) -> list[tuple[float, int, int]]:
    """The same from the word index alone (names only): a large catalog is not read table by table."""
    scores: dict[int, float] = {}
    matched: dict[int, int] = {}
    for w in wanted:
        best: dict[int, float] = {}
        for near in _near_words(index, w):
            score = _token_score(w, near)
            if not score:
                continue
            for position in index.by_word[near]:
                if best.get(position, 0.0) < score:
                    best[position] = score
        for position, score in best.items():
            scores[position] = scores.get(position, 0.0) + score
            matched[position] = matched.get(position, 0) + 1
    return [(score, matched[position], position) for position, score in scores.items()]


@functools.lru_cache(maxsize=1024)
def _temporal(type_name: str) -> bool:
    lowered = type_name.lower()
    return "date" in lowered or "time" in lowered


def handle(workspace: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    query = text_argument(arguments, "query", empty=False)
    if not _words(query):
        raise ArgumentError("query", "has no words to search for (letters or digits)")
    kind = optional_text(arguments, "kind")
    if kind is not None and kind not in KINDS:
        raise ArgumentError("kind", f"expects one of {', '.join(KINDS)}, got `{kind}`")
    limit = limit_argument(arguments)
    found, total = search(workspace.current.project.catalog, query, kind, limit)
    shown = [table_brief(table) if column is None else column_brief(table, column) for _, _, table, column in found]
    result = {"query": query, "results": shown, "total": total, "truncated": total > limit}
    if result["truncated"]:
        result["note"] = f"showing {limit} of {total}; narrow the query or raise `limit`"
    return result


TOOL = register(
    Tool(
        "search_catalog",
        "Find tables, views and columns by words or near-misses before naming them in SQL "
        '("order date" finds sales.orders.ordered_at), best first, with type, description, deprecation and tags. '
        "Use it whenever you are not sure a table or column exists or how it is spelled.",
        {
            "query": {"type": "string", "description": "words, a partial or misspelled name"},
            "kind": {"type": "string", "enum": list(KINDS), "description": "only tables, views or columns"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 500, "description": "at most this many (default 20)"},
        },
        ("query",),
        handle,
    )
)
