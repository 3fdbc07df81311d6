"""What the resolver asks about a node's ancestors or descendants, answered in time linear in
the size of the tree however deep it is.

Walking up from every column (sqlglot's `find_ancestor`) or down from every scope (`find_all`)
is quadratic on the trees pathological SQL builds: a WHERE of 20,000 ANDs is a left-deep tree
20,000 levels high, and 5,000 nested subqueries are 5,000 scopes each holding all the others.
Here a value a node inherits from its ancestors is computed once per node, top-down along the
path, and kept; what a subtree contains is marked once, bottom-up from the nodes found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sqlglot import exp

from domain_lsp.catalog.model import key

T = TypeVar("T")


class Inherited(Generic[T]):
    """value(node) = step(node, value(node.parent)), value(None) = root, memoised per node.

    The trees must not change while an instance is in use: the resolver only builds new trees
    (copies), it never edits one it has started checking. Each node is kept in the memo so that
    its id cannot be reused by another object while its value is cached."""

    def __init__(self, step: Callable[[exp.Expr, T], T], root: T) -> None:
        self._step = step
        self._root = root
        self._memo: dict[int, tuple[exp.Expr, T]] = {}

    def __call__(self, node: exp.Expr | None) -> T:
        memo = self._memo
        path: list[exp.Expr] = []
        value = self._root
        while node is not None:
            cached = memo.get(id(node))
            if cached is not None:
                value = cached[1]
                break
            path.append(node)
            node = node.parent
        step = self._step
        for current in reversed(path):
            value = step(current, value)
            memo[id(current)] = (current, value)
        return value


def nearest(*kinds: type[exp.Expr]) -> Inherited[exp.Expr | None]:
    """The nearest of `node` and its ancestors that is one of `kinds`; call it on `node.parent`
    for the nearest strict ancestor, as `find_ancestor` gives."""
    return Inherited(lambda node, above: node if isinstance(node, kinds) else above, None)


def _clause_step(node: exp.Expr, above: tuple[exp.Expr | None, str]) -> tuple[exp.Expr | None, str]:
    parent = node.parent
    return (parent, node.arg_key or "") if isinstance(parent, exp.Select) else above


def select_clause() -> Inherited[tuple[exp.Expr | None, str]]:
    """The nearest SELECT strictly above a node, and the argument of that SELECT (`where`,
    `having`, `expressions`...) the node sits in; (None, "") outside any SELECT."""
    return Inherited(_clause_step, (None, ""))


def _bound_step(node: exp.Expr, above: frozenset[str]) -> frozenset[str]:
    if isinstance(node, exp.Lambda):
        return above | {key(p.name) for p in node.expressions}
    if isinstance(node, exp.Comprehension):
        variable = node.expression
        return above | {key(variable.name)} if isinstance(variable, exp.Expr) else above
    return above


def bound_names() -> Inherited[frozenset[str]]:
    """Case-folded names the lambdas (`x -> f(x)`) and comprehensions (`[f(x) FOR x IN l]`)
    around a node bind for it: call it on `node.parent`."""
    return Inherited(_bound_step, frozenset())


def under_connect_by() -> Inherited[bool]:
    """Whether a node is inside a SELECT with CONNECT BY (itself included)."""
    return Inherited(
        lambda node, above: above or (isinstance(node, exp.Select) and bool(node.args.get("connect"))), False
    )


def holders(root: exp.Expr, found: list[exp.Expr]) -> set[int]:
    """Ids of the nodes of `root`'s tree that hold one of `found` (its nodes) in their subtree,
    each found node included: each node is marked once, so this is linear in the tree."""
    marked: set[int] = set()
    for node in found:
        current: exp.Expr | None = node
        while current is not None and id(current) not in marked:
            marked.add(id(current))
            if current is root:
                break
            current = current.parent
    return marked
