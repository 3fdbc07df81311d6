"""What the inventory files declare, and what went wrong reading them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_SEPARATORS = re.compile(r"[-_.]+")
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_RELEASE = r"[0-9]+(?:\.[0-9]+)*(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?"
_CLAUSE = rf"(?:(?:==|!=|<=|>=|<|>)[ \t]*{_RELEASE}|(?:==|!=)[ \t]*[0-9]+(?:\.[0-9]+)*\.\*|~=[ \t]*[0-9]+(?:\.[0-9]+)+)"
_PLAIN_REQUIREMENT = re.compile(
    rf"[ \t]*(?P<name>{_NAME})[ \t]*(?:\[[ \t]*{_NAME}(?:[ \t]*,[ \t]*{_NAME})*[ \t]*\][ \t]*)?"
    rf"(?:{_CLAUSE}(?:[ \t]*,[ \t]*{_CLAUSE})*)?[ \t]*"
)
"""The requirements most lines are (`name`, `name[extra]>=1.2,<2`): a subset of PEP 508 that
packaging accepts with the same name, read without it (a hundred times faster)."""
_HEAD = re.compile(rf"[ \t]*(?P<name>{_NAME})")


def normalize(name: str) -> str:
    """PEP 503 normalized distribution name: `Foo_Bar.baz` -> `foo-bar-baz`."""
    return _SEPARATORS.sub("-", name).lower()


def requirement_name(text: str) -> str | None:
    """The distribution a PEP 508 requirement names, as written; None when it is not one.

    Read as pip reads it, with packaging (the parser pip vendors), except the plain forms most
    lines are. A `${VAR}` pip substitutes before reading is never judged: its name is taken as
    written and the rest left alone."""
    plain = _PLAIN_REQUIREMENT.fullmatch(text)
    if plain is not None:
        return plain.group("name")
    if "${" in text:
        head = _HEAD.match(text)
        return head.group("name") if head else None
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(text).name
    except InvalidRequirement:
        return None


@dataclass(frozen=True, slots=True)
class Declared:
    """One package an inventory file names."""

    name: str
    """As written (`PyYAML`)."""
    path: Path
    line: int
    """1-based line in `path`, 0 when unknown."""

    @property
    def key(self) -> str:
        return normalize(self.name)


@dataclass(frozen=True, slots=True)
class InventoryProblem:
    """A malformed inventory file (or line): reported on that file, the rest still counts."""

    path: Path
    message: str
    line: int = 0
    """1-based; 0 when the whole file is the problem."""
    column: int = 0
    """0-based code-point column."""


@dataclass
class Inventory:
    files: list[Path] = field(default_factory=list)
    declared: dict[str, Declared] = field(default_factory=dict)
    """Normalized name -> first declaration."""
    problems: list[InventoryProblem] = field(default_factory=list)
    own_names: set[str] = field(default_factory=set)
    """Normalized names of the workspace's own projects (pyproject `[project] name`)."""

    def add(self, name: str, path: Path, line: int) -> None:
        declared = Declared(name, path, line)
        self.declared.setdefault(declared.key, declared)

    def declares(self, distribution: str) -> bool:
        return normalize(distribution) in self.declared

    def describe(self) -> str:
        """Which files, for messages: `requirements.txt` or `requirements.txt and uv.lock`."""
        names = [path.name for path in self.files]
        if not names:
            return "the inventory"
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
