"""The outline of SQL text: one entry per statement (named by what it creates or reads), with
its CTEs as children. Read from the statements the analysis already parsed: nothing is parsed
again, and a statement that does not parse is still listed, by its first words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlglot import exp

from domain_lsp.analysis.sql.parse import Statement
from domain_lsp.analysis.sql.resolve import name_span, span

OutlineKind = Literal["query", "table", "view", "function", "cte", "change", "other"]


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    name: str
    detail: str
    kind: OutlineKind
    start: int
    end: int
    """The whole statement (or CTE body)."""
    name_start: int
    name_end: int
    """What the editor selects: the created object's or CTE's name, else the first keyword."""
    children: tuple[OutlineEntry, ...] = field(default=())


def outline(text: str, statements: list[Statement]) -> list[OutlineEntry]:
    return [_entry(text, statement) for statement in statements if statement.tokens]


def _first_words(text: str, statement: Statement, count: int = 3) -> str:
    words = " ".join(statement.text(text).split()[:count])
    return words if len(words) <= 60 else words[:57] + "…"


def _entry(text: str, statement: Statement) -> OutlineEntry:
    tree = statement.expression
    first = statement.tokens[0]
    head = (first.start, first.end + 1)
    if tree is None:
        return OutlineEntry(_first_words(text, statement), "", "other", statement.start, statement.end, *head)
    children = tuple(_ctes(tree, statement.end))
    if isinstance(tree, exp.Create):
        kind_word = str(tree.args.get("kind") or "").upper()
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        if isinstance(target, exp.Table) and target.name:
            where = name_span(target) or span(target) or head
            name = ".".join(part for part in (target.db, target.name) if part)
            kind: OutlineKind = "view" if "VIEW" in kind_word else "table" if kind_word == "TABLE" else "other"
            return OutlineEntry(
                name, f"CREATE {kind_word}".strip(), kind, statement.start, statement.end, *where, children
            )
        if kind_word in ("FUNCTION", "PROCEDURE"):
            return OutlineEntry(
                _first_words(text, statement, 4), "", "function", statement.start, statement.end, *head, children
            )
    if isinstance(tree, (exp.Insert, exp.Update, exp.Delete, exp.Merge)):
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        verb = type(tree).__name__.upper()
        if isinstance(target, exp.Table) and target.name:
            where = name_span(target) or head
            name = ".".join(part for part in (target.db, target.name) if part)
            return OutlineEntry(name, verb, "change", statement.start, statement.end, *where, children)
    if isinstance(tree, exp.Query):
        sources = [t for t in tree.find_all(exp.Table) if t.name and not _is_cte_name(tree, t.name)]
        detail = ", ".join(dict.fromkeys(".".join(p for p in (t.db, t.name) if p) for t in sources[:3]))
        return OutlineEntry(
            _first_words(text, statement, 2), detail, "query", statement.start, statement.end, *head, children
        )
    return OutlineEntry(_first_words(text, statement), "", "other", statement.start, statement.end, *head, children)


def _is_cte_name(tree: exp.Expr, name: str) -> bool:
    return any(cte.alias.casefold() == name.casefold() for cte in tree.find_all(exp.CTE))


def _ctes(tree: exp.Expr, end: int) -> list[OutlineEntry]:
    """The statement's CTEs, each from its name to the next one's (the last to `end`)."""
    with_ = tree.args.get("with_") or tree.args.get("with")
    if not isinstance(with_, exp.With):
        return []
    named = []
    for cte in with_.expressions:
        alias = cte.args.get("alias")
        identifier = alias.this if isinstance(alias, exp.TableAlias) else None
        where = span(identifier) if isinstance(identifier, exp.Expr) else None
        if where is not None and cte.alias:
            named.append((cte.alias, where))
    return [
        OutlineEntry(name, "CTE", "cte", where[0], named[i + 1][1][0] if i + 1 < len(named) else end, *where)
        for i, (name, where) in enumerate(named)
    ]
