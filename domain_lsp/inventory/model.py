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


Stamp = tuple[int, int]
"""A file's mtime in ns and size; (-1, -1) when it is not there."""


def stamp(path: Path) -> Stamp:
    try:
        info = path.stat()
    except (OSError, ValueError):
        return (-1, -1)
    return (info.st_mtime_ns, info.st_size)


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
    code: str = "inventory-error"
    """`missing-input` when what the config names is not there (an error: the gate fails)."""


@dataclass
class Inventory:
    files: list[Path] = field(default_factory=list)
    declared: dict[str, Declared] = field(default_factory=dict)
    """Normalized name -> first declaration."""
    problems: list[InventoryProblem] = field(default_factory=list)
    own_names: set[str] = field(default_factory=set)
    """Normalized names of the workspace's own projects (pyproject `[project] name`)."""
    inputs: dict[Path, Stamp] = field(default_factory=dict)
    """Every file read (or looked for: an include not found), stamped before it was read."""
    generation: int = 0
    """Which read of the process this is (copies of one read share it)."""

    def note(self, path: Path) -> None:
        """Stamp `path` as an input, once, before it is read: a change while it is read is a
        change the next look sees."""
        if path not in self.inputs:
            self.inputs[path] = stamp(path)

    def changed(self) -> bool:
        """Whether an input changed (or appeared, or went) since it was read: a stat each."""
        return any(stamp(path) != before for path, before in self.inputs.items())

    def copy(self) -> Inventory:
        """An inventory to add to (the environment's problem is added to it) without touching
        this one, which a cache keeps."""
        return Inventory(
            list(self.files),
            dict(self.declared),
            list(self.problems),
            set(self.own_names),
            dict(self.inputs),
            self.generation,
        )

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
