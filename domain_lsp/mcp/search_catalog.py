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
import re
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from domain_lsp.catalog.model import Catalog, Table
from domain_lsp.mcp.registry import ArgumentError, Tool, bounded, limit_argument, optional_text, register, text_argument
from domain_lsp.mcp.results import column_brief, table_brief
from domain_lsp.mcp.state import Workspace

KINDS = ("table", "view", "column")
COLUMN_TABLES = 200
"""Columns are scored in this many of the best-matching tables (every table of a smaller catalog)."""
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


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("_", " "))


@dataclass
class Index:
    tables: list[Table]
    by_word: dict[str, list[int]] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)


_indexes: weakref.WeakKeyDictionary[Catalog, Index] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def index_of(catalog: Catalog) -> Index:
    with _lock:
        index = _indexes.get(catalog)
        if index is None:
            tables = sorted(catalog.tables(), key=lambda t: t.qualified_name)
            index = Index(tables)
            for position, table in enumerate(tables):
                for word in set(words(table.name)):
                    index.by_word.setdefault(word, []).append(position)
            index.vocabulary = sorted(index.by_word)
            _indexes[catalog] = index
        return index


def word_score(wanted: str, have: set[str]) -> float:
    if wanted in have:
        return 3.0
    if len(wanted) >= 3 and any(w.startswith(wanted) or (len(w) >= 3 and wanted.startswith(w)) for w in have):
        return 2.0
    group = SYNONYMS.get(wanted)
    if group is not None and group & have:
        return 2.0
    if len(wanted) >= 4 and any(len(w) >= 4 and difflib.SequenceMatcher(None, wanted, w).ratio() >= 0.8 for w in have):
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
    if len(wanted) >= 4 and len(vocabulary) <= FUZZY_VOCABULARY:
        found.update(difflib.get_close_matches(wanted, vocabulary, n=5, cutoff=0.8))
    return sorted(found)


def search(catalog: Catalog, query: str, kind: str | None) -> list[tuple[float, str, dict[str, Any]]]:
    wanted = list(dict.fromkeys(words(query)))
    index = index_of(catalog)
    if len(index.tables) <= COLUMN_TABLES:
        candidates = list(range(len(index.tables)))
    else:
        hits: set[int] = set()
        for word in wanted:
            for near in _near_words(index, word):
                hits.update(index.by_word[near])
        candidates = sorted(hits)
    scored_tables: list[tuple[float, int]] = []
    for position in candidates:
        table = index.tables[position]
        have = set(words(table.name))
        about = set(words(table.description or "")) | set(words(table.schema))
        score = sum(max(word_score(w, have), 0.5 if w in about else 0.0) for w in wanted)
        scored_tables.append((score, position))
    scored_tables.sort(key=lambda pair: (-pair[0], index.tables[pair[1]].qualified_name))
    needed = (len(wanted) + 1) // 2  # most of the query's words must be found
    results: list[tuple[float, str, dict[str, Any]]] = []
    for score, position in scored_tables:
        table = index.tables[position]
        table_words = set(words(table.name))
        matched = sum(1 for w in wanted if word_score(w, table_words) > 0)
        if kind in (None, table.kind) and score > 0 and matched >= needed:
            results.append(
                (
                    score + (1.0 if " ".join(wanted) == " ".join(words(table.name)) else 0.0),
                    table.qualified_name,
                    table_brief(table),
                )
            )
    if kind in (None, "column"):
        for _, position in scored_tables[:COLUMN_TABLES] if len(index.tables) > COLUMN_TABLES else scored_tables:
            table = index.tables[position]
            table_words = set(words(table.name))
            for column in table.columns.values():
                have = set(words(column.name))
                if column.type and any(t in column.type.lower() for t in ("date", "time")):
                    have.add("date")
                about = set(words(column.description or ""))
                total, matched = 0.0, 0
                for w in wanted:
                    own = word_score(w, have)
                    best = max(own, 0.5 * word_score(w, table_words), 0.5 if w in about else 0.0)
                    total += best
                    matched += best > 0
                if matched >= max(needed, 1) and word_score_any(wanted, have):
                    name = f"{table.qualified_name}.{column.name}"
                    results.append((total, name, column_brief(table, column)))
    results.sort(key=lambda item: (-item[0], item[1]))
    return results


def word_score_any(wanted: list[str], have: set[str]) -> bool:
    """A column is a match only when some query word is in its own name (not only its table's)."""
    return any(word_score(w, have) > 0 for w in wanted)


def handle(workspace: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    query = text_argument(arguments, "query", empty=False)
    if not words(query):
        raise ArgumentError("query", "has no words to search for (letters or digits)")
    kind = optional_text(arguments, "kind")
    if kind is not None and kind not in KINDS:
        raise ArgumentError("kind", f"expects one of {', '.join(KINDS)}, got `{kind}`")
    limit = limit_argument(arguments)
    found = search(workspace.current.project.catalog, query, kind)
    result = {"query": query, **bounded([entry for _, _, entry in found], limit, "results")}
    if result["truncated"]:
        result["note"] = f"showing {limit} of {len(found)}; narrow the query or raise `limit`"
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
