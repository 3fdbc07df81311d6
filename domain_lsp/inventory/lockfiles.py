"""Lock files: uv.lock, poetry.lock, pylock.toml (PEP 751) and Pipfile.lock. Every locked
package counts as declared: the lock is what the team installs.

A monorepo's lock holds thousands of packages and 25-odd lines of wheels for each: tens of MB
of which only the packages' names matter. Each file is read in one pass, linear in its size:

- TOML locks: tomllib reads a reduction of the lock, its table headers and `name` lines in
  their order (about a tenth of a uv.lock), when nothing can make a line mean something else
  there: no multi-line strings, no merge-conflict markers, brackets, braces and quotes
  balanced. Otherwise, tomllib reads the whole file, and says where it is broken.
- Pipfile.lock: json's scanner reads the document once, keys placed as they are read.

Either way a package's line is where its name is written (not the first line mentioning it).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain_lsp.inventory.model import Inventory, InventoryProblem
from domain_lsp.inventory.pyproject import MAX_LOCK_BYTES, TomlPositions, load_toml_text, read_inventory_text, tomllib
from domain_lsp.paths import Boundary

_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
_KEY_PATH = rf"{_KEY}(?:[ \t]*\.[ \t]*{_KEY})*"
_HEADER = re.compile(rf"(?:\[\[[ \t]*{_KEY_PATH}[ \t]*\]\]|\[[ \t]*{_KEY_PATH}[ \t]*\])[ \t]*(?:#.*)?")
_NOTED = r"(?:(?P<header>\[)|(?P<name>name[ \t]*=[ \t]*)|<{7}|={7}|>{7}|[ \t]+\[)"
_NOTED_LINE = re.compile(rf"\n{_NOTED}")
"""A line that is a header or a `name`, or that no lock writer writes (a merge conflict, an
indented header): one regex, which runs at the speed of its leading newline's search."""
_NOTED_START = re.compile(_NOTED)
_PLAIN_VALUE = re.compile(r"""(?:"([^"\\\n]*)"|'([^'\n]*)')[ \t]*(?:#.*)?""")
"""A string without escapes: its text is its value."""


def read_toml_lock(path: Path, inventory: Inventory, boundary: Boundary | None = None) -> None:
    """uv.lock and poetry.lock use `[[package]]`, pylock.toml `[[packages]]`; each has a name."""
    text = read_inventory_text(path, inventory, boundary, MAX_LOCK_BYTES)
    if text is None:
        return
    key = "packages" if path.name.startswith("pylock") else "package"
    outline = _outline(text, key)
    if outline.plain and '"""' not in text and "'''" not in text:
        for read in outline.tables:  # plain: each has its name and where it is
            inventory.add(read.value or "", path, read.name[0] if read.name else 0)
        return
    document = load_toml_text(path, text, inventory)
    if document is None:
        return
    packages = document.get(key, [])
    if not isinstance(packages, list):
        where = TomlPositions(text).key(key)
        inventory.problems.append(InventoryProblem(path, f"`{key}` is not an array of tables", *where))
        return
    placed = len(outline.tables) == len(packages)  # else written some way the outline does not follow
    for number, package in enumerate(packages):
        table = outline.tables[number] if placed else None
        name = package.get("name") if isinstance(package, dict) else None
        if isinstance(name, str):
            inventory.add(name, path, table.name[0] if table and table.name else 0)
            continue
        where = table.header if table else (0, 0)
        if name is None:
            message = f"`[[{key}]]` number {number + 1} has no `name`"
        else:
            message = f"`[[{key}]]` number {number + 1}: `name` is not a string"
            where = table.name if table and table.name else where
        inventory.problems.append(InventoryProblem(path, message, *where))


@dataclass
class _Table:
    header: tuple[int, int]
    """(1-based line, 0-based column) of the `[[package]]` header."""
    name: tuple[int, int] | None = None
    """Where its `name` value starts."""
    value: str | None = None
    """The name, when read from its line alone."""


@dataclass
class _Outline:
    tables: list[_Table] = field(default_factory=list)
    """One per `[[package]]` header, in order."""
    plain: bool = True
    """Whether the lock is written as its writers write it: every header well formed and at a
    line's start, each package's `name` its own line before any other header, nothing else a
    TOML line cannot start with. Then (without multi-line strings) those lines are the whole
    story of the packages' names."""


def _outline(text: str, key: str) -> _Outline:
    """The headers and `name` lines, with where each is: one search for them, and the line
    breaks between them counted once."""
    array = re.compile(rf"\[\[[ \t]*(?:{key}|\"{key}\"|'{key}')[ \t]*\]\][ \t]*(?:#.*)?")
    outline = _Outline()
    current: _Table | None = None
    first = _NOTED_START.match(text)
    matches = itertools.chain([first] if first else [], _NOTED_LINE.finditer(text))
    line, counted = 1, 0
    for match in matches:
        start = match.start() if match is first else match.start() + 1
        line += text.count("\n", counted, start)
        counted = start
        end = text.find("\n", start)
        content = text[start : end if end != -1 else len(text)].rstrip("\r")
        if match.group("header") is not None:
            if current is not None and current.name is None:
                outline.plain = False  # its name comes later, or never: tomllib says which
            current = None
            if array.fullmatch(content):
                current = _Table((line, 0))
                outline.tables.append(current)
            elif not _HEADER.fullmatch(content):
                outline.plain = False
        elif match.group("name") is not None:
            if current is None or current.name is not None:
                continue  # a subtable's (pylock's wheels have names), or a duplicate tomllib rejects
            at = match.end("name") - start
            current.name = (line, at)
            current.value = _name_value(content, at)
            if current.value is None:
                outline.plain = False
        else:
            outline.plain = False
    if (current is not None and current.name is None) or not outline.tables:
        outline.plain = False
    return outline


def _name_value(content: str, at: int) -> str | None:
    """The string a `name = ...` line gives: as written when it has no escapes, else as tomllib
    reads the line; None when it is no one-line string."""
    plain = _PLAIN_VALUE.fullmatch(content, at)
    if plain is not None:
        return plain.group(1) if plain.group(2) is None else plain.group(2)
    try:
        value = tomllib.loads(content).get("name")
    except (tomllib.TOMLDecodeError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def read_pipfile_lock(path: Path, inventory: Inventory, boundary: Boundary | None = None) -> None:
    text = read_inventory_text(path, inventory, boundary, MAX_LOCK_BYTES)
    if text is None:
        return
    lines = TomlPositions(text).lines
    try:
        document, offsets = _json_with_key_offsets(text)
    except (ValueError, RecursionError):  # said by json.loads, which reads it as we did
        document, offsets = _json_problem(path, text, inventory), {}
        if document is None:
            return
    if not isinstance(document, dict):
        inventory.problems.append(InventoryProblem(path, "not a Pipfile.lock object"))
        return
    for section in ("default", "develop"):
        packages = document.get(section, {})
        if isinstance(packages, dict):
            where = offsets.get(section, {})
            for name in packages:
                offset = where.get(name)
                inventory.add(name, path, lines.line_col(offset)[0] + 1 if offset is not None else 0)


def _json_problem(path: Path, text: str, inventory: Inventory) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        inventory.problems.append(InventoryProblem(path, "invalid JSON: nested too deeply to read"))
    except json.JSONDecodeError as exc:
        inventory.problems.append(InventoryProblem(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno - 1))
    return None


_SPACE = re.compile(r"[ \t\n\r]*")
_decoder = json.JSONDecoder()
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
"""json's own string scanner (C): a key read exactly as json.loads reads it."""


def _json_with_key_offsets(text: str) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """The top-level object, and for each of its object values the offset of each key: json's
    own scanner reads every value once. Raises ValueError where it deviates from JSON (the
    caller lets json.loads say how)."""
    document: dict[str, Any] = {}
    offsets: dict[str, dict[str, int]] = {}
    end = _object(text, _skip(text, 0), document, offsets)
    if _skip(text, end) != len(text):
        raise ValueError("extra data")
    return document, offsets


def _object(
    text: str,
    at: int,
    into: dict[str, Any],
    sections: dict[str, dict[str, int]] | None,
    keys: dict[str, int] | None = None,
) -> int:
    """Read the object at `at` into `into`, returning where it ends; each key's offset into
    `keys`, and with `sections`, each value that is an object read the same way (its keys'
    offsets under its key), every other value by json's scanner."""
    if text[at : at + 1] != "{":
        raise ValueError("not an object")
    at = _skip(text, at + 1)
    if text[at : at + 1] == "}":
        return at + 1
    while True:
        if text[at : at + 1] != '"':
            raise ValueError("expected a key")
        key, after = _scanstring(text, at + 1)
        if keys is not None:
            keys.setdefault(key, at)
        after = _skip(text, after)
        if text[after : after + 1] != ":":
            raise ValueError("expected a colon")
        start = _skip(text, after + 1)
        if sections is not None and text[start : start + 1] == "{":
            value: dict[str, Any] = {}
            end = _object(text, start, value, None, sections.setdefault(key, {}))
            into[key] = value
        else:
            into[key], end = _decoder.raw_decode(text, start)
        at = _skip(text, end)
        if text[at : at + 1] == "}":
            return at + 1
        if text[at : at + 1] != ",":
            raise ValueError("expected a comma")
        at = _skip(text, at + 1)


def _skip(text: str, at: int) -> int:
    """Past the JSON whitespace at `at`."""
    space = _SPACE.match(text, at)
    return space.end() if space else at
