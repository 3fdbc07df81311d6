"""Inventories at monorepo scale (issue 20): lock files of thousands of packages read in one pass,
every package placed at the line where its name is written, and every problem at the exact line
and column of its token, as `domain-lsp check` reports it. No timing here: bench/inventory_scale.py
measures the speed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import InvalidRequirement, Requirement

from bench.inventory_scale import package_name, uv_lock_text
from domain_lsp.inventory.lockfiles import read_pipfile_lock, read_toml_lock
from domain_lsp.inventory.model import Inventory, requirement_name
from domain_lsp.inventory.pyproject import read_pyproject, tomllib
from domain_lsp.inventory.requirements import read_requirements

PACKAGES = 2_000
"""About 16 MB of uv.lock: large enough that a reader searching the file once per package would
take minutes (the issue's 64 s at 2,000)."""


@pytest.fixture(scope="module")
def lock_text() -> str:
    return uv_lock_text(PACKAGES)


def workspace(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    return tmp_path


def check_json(root: Path, *paths: str) -> list[dict[str, Any]]:
    """`domain-lsp check PATH... --format json` as a process: its diagnostics."""
    done = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", "--format", "json", *paths],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    diagnostics: list[dict[str, Any]] = json.loads(done.stdout)["diagnostics"]
    return diagnostics


def start(diagnostic: dict[str, Any]) -> tuple[int, int]:
    """1-based line and 0-based column, as the tests below write them."""
    position = diagnostic["range"]["start"]
    return position["line"] + 1, position["character"]


def name_lines(text: str) -> dict[str, int]:
    """Each `[[package]]` table's name and the line its `name` key is on, found the slow way."""
    found: dict[str, int] = {}
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if line == "[[package]]":
            match = re.fullmatch(r'name = "(.+)"', lines[number])
            assert match is not None
            found.setdefault(match.group(1), number + 1)
    return found


def read_lock(path: Path) -> Inventory:
    inventory = Inventory()
    read_toml_lock(path, inventory)
    return inventory


# -- every package, at its own line ------------------------------------------------------------
def test_a_large_uv_lock_declares_every_package_at_the_line_of_its_name(tmp_path: Path, lock_text: str) -> None:
    lock = workspace(tmp_path) / "uv.lock"
    lock.write_text(lock_text, encoding="utf-8")
    inventory = read_lock(lock)
    assert inventory.problems == []
    expected = name_lines(lock_text)
    assert len(expected) == PACKAGES + 1  # and the workspace's own project
    assert {d.name: d.line for d in inventory.declared.values()} == expected
    # Not the first line naming it: a package is a dependency of others before its own table.
    name = package_name(PACKAGES - 1)
    assert lock_text.index(f'"{name}"') < lock_text.index(f'[[package]]\nname = "{name}"')


def test_the_reading_agrees_with_tomllib_reading_the_whole_file(tmp_path: Path, lock_text: str) -> None:
    lock = workspace(tmp_path) / "uv.lock"
    lock.write_text(lock_text, encoding="utf-8")
    names = [package["name"] for package in tomllib.loads(lock_text)["package"]]
    assert [d.name for d in read_lock(lock).declared.values()] == names


LOCKS_WRITTEN_OTHERWISE = {
    # What no writer writes but TOML allows: each is read by tomllib whole, and agrees with it.
    "a multi-line string holding lines that look like a package": (
        '[[package]]\nname = "real"\ndescription = """\n[[package]]\nname = "fake"\n"""\n',
        {"real"},
    ),
    "a quoted name key": ('[[package]]\n"name" = "quoted"\n', {"quoted"}),
    "an indented header": ('[[package]]\nname = "a"\n  [[package]]\n  name = "b"\n', {"a", "b"}),
    "a name after a subtable": ('[[package]]\nversion = "1"\n[package.source]\nx = 1\n', set()),
    "a name with escapes": ('[[package]]\nname = "esc\\u0061ped"\n', {"escaped"}),
    "a literal string": ("[[package]]\nname = 'literal'  # comment\n", {"literal"}),
    "windows line ends": ('[[package]]\r\nname = "crlf"\r\n\r\n[[package]]\r\nname = "two"\r\n', {"crlf", "two"}),
}


@pytest.mark.parametrize("case", LOCKS_WRITTEN_OTHERWISE)
def test_locks_written_otherwise_are_read_as_tomllib_reads_them(tmp_path: Path, case: str) -> None:
    text, expected = LOCKS_WRITTEN_OTHERWISE[case]
    lock = workspace(tmp_path) / "uv.lock"
    lock.write_bytes(text.encode())
    inventory = read_lock(lock)
    assert set(inventory.declared) == expected
    tables = tomllib.loads(text.replace("\r\n", "\n"))["package"]
    assert {t["name"] for t in tables if "name" in t} == expected


def test_pylock_wheels_have_names_that_are_not_packages(tmp_path: Path) -> None:
    lock = workspace(tmp_path) / "pylock.toml"
    lock.write_text(
        'lock-version = "1.0"\n\n[[packages]]\nname = "attrs"\nversion = "25.1.0"\n\n'
        '[[packages.wheels]]\nname = "attrs-25.1.0-py3-none-any.whl"\nurl = "https://x/a.whl"\n\n'
        '[[packages]]\nname = "idna"\n',
        encoding="utf-8",
    )
    inventory = read_lock(lock)
    assert {d.name: d.line for d in inventory.declared.values()} == {"attrs": 4, "idna": 12}


# -- problems at the exact token, through `domain-lsp check` -------------------------------------
def test_a_merge_conflict_deep_in_a_large_lock_is_reported_at_its_marker(tmp_path: Path, lock_text: str) -> None:
    root = workspace(tmp_path)
    lines = lock_text.splitlines(keepends=True)
    at = len(lines) * 2 // 3
    while not lines[at].startswith("wheels = ["):
        at += 1
    lines.insert(at, "<<<<<<< HEAD\n")
    (root / "uv.lock").write_text("".join(lines), encoding="utf-8")
    (diagnostic,) = check_json(root, "uv.lock")
    assert diagnostic["code"] == "inventory-error"
    assert diagnostic["message"].startswith("invalid TOML")
    assert start(diagnostic) == (at + 1, 0)


def test_a_package_without_a_string_name_is_reported_at_its_value(tmp_path: Path, lock_text: str) -> None:
    root = workspace(tmp_path)
    name = package_name(PACKAGES * 3 // 4)
    broken = lock_text.replace(f'[[package]]\nname = "{name}"', "[[package]]\nname = 1234", 1)
    (root / "uv.lock").write_text(broken, encoding="utf-8")
    line = broken[: broken.index("name = 1234")].count("\n") + 1
    (diagnostic,) = check_json(root, "uv.lock")
    assert diagnostic["message"] == f"`[[package]]` number {PACKAGES * 3 // 4 + 1}: `name` is not a string"
    assert start(diagnostic) == (line, len("name = "))
    assert diagnostic["range"]["end"]["character"] == len("name = 1234")


def test_a_package_without_a_name_is_reported_at_its_header(tmp_path: Path, lock_text: str) -> None:
    root = workspace(tmp_path)
    name = package_name(PACKAGES // 2)
    broken = lock_text.replace(f'[[package]]\nname = "{name}"\n', "[[package]]\n", 1)
    (root / "uv.lock").write_text(broken, encoding="utf-8")
    before = broken[: broken.index('[[package]]\nversion = "')]
    (diagnostic,) = check_json(root, "uv.lock")
    assert diagnostic["message"] == f"`[[package]]` number {PACKAGES // 2 + 1} has no `name`"
    assert start(diagnostic) == (before.count("\n") + 1, 0)


def pipfile_lock(packages: int) -> str:
    section = {
        package_name(i): {"hashes": [f"sha256:{i:064x}", f"sha256:{i + 1:064x}"], "version": f"==1.{i}"}
        for i in range(packages)
    }
    return json.dumps({"_meta": {"hash": {"sha256": "0" * 64}}, "default": section, "develop": {}}, indent=4)


def test_a_large_pipfile_lock_places_each_package_at_its_key(tmp_path: Path) -> None:
    text = pipfile_lock(PACKAGES)
    lock = workspace(tmp_path) / "Pipfile.lock"
    lock.write_text(text, encoding="utf-8")
    inventory = Inventory()
    read_pipfile_lock(lock, inventory)
    assert inventory.problems == []
    lines = text.splitlines()
    expected = {line.strip()[1:-4]: n for n, line in enumerate(lines, 1) if line.startswith('        "acme-')}
    assert {d.name: d.line for d in inventory.declared.values()} == expected
    assert len(expected) == PACKAGES


def test_invalid_json_deep_in_a_pipfile_lock_is_reported_where_json_says(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    lines = pipfile_lock(PACKAGES).splitlines(keepends=True)
    at = len(lines) // 2
    while '"version"' not in lines[at]:
        at += 1
    lines[at] = lines[at].replace('"version":', '"version" ')  # the colon missing
    (root / "Pipfile.lock").write_text("".join(lines), encoding="utf-8")
    (diagnostic,) = check_json(root, "Pipfile.lock")
    assert diagnostic["message"] == "invalid JSON: Expecting ':' delimiter"
    assert start(diagnostic) == (at + 1, lines[at].index('"=='))  # where the colon should be


def test_a_bad_line_deep_in_large_requirements_is_reported_at_its_word(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    lines = [f"{package_name(i)}>=1.{i}\n" for i in range(PACKAGES)]
    lines[1_500] = "    acme-broken>=1.0 trailing-words\n"
    (root / "requirements.txt").write_text("".join(lines), encoding="utf-8")
    (diagnostic,) = check_json(root, "requirements.txt")
    assert diagnostic["message"] == "not a requirement: `acme-broken>=1.0`"
    assert start(diagnostic) == (1_501, 4)
    assert diagnostic["range"]["end"] == {"line": 1_500, "character": 4 + len("acme-broken>=1.0")}


def test_a_bad_dependency_deep_in_a_large_pyproject_is_reported_at_its_string(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    items = [f'    "{package_name(i)}>=1.{i}",  # "decoy>=1" in a comment\n' for i in range(PACKAGES)]
    items[1_200] = '  "acme-broken >= 1.0 garbage",\n'
    text = '[project]\nname = "app"\nversion = "1"\ndependencies = [\n' + "".join(items) + "]\n"
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    (diagnostic,) = check_json(root, "pyproject.toml")
    assert diagnostic["message"] == "`project.dependencies`: not a requirement: 'acme-broken >= 1.0 garbage'"
    assert start(diagnostic) == (4 + 1_201, 2)
    inventory = Inventory()
    read_pyproject(root / "pyproject.toml", inventory)
    assert inventory.declared[package_name(7)].line == 4 + 8


def test_an_included_file_is_indexed_once_and_its_problem_said_on_the_include(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    inner = [f"{package_name(i)}\n" for i in range(PACKAGES)]
    inner[1_999] = "not valid ===\n"
    (root / "more.txt").write_text("".join(inner), encoding="utf-8")
    (root / "requirements.txt").write_text("httpx\n  -r more.txt\n", encoding="utf-8")
    inventory = Inventory()
    read_requirements(root / "requirements.txt", inventory)
    [problem] = inventory.problems
    assert (problem.line, problem.column) == (2, len("  -r "))
    assert problem.message == "line 2000 of included file `more.txt`: not a requirement"
    assert len(inventory.declared) == PACKAGES  # httpx and 1,999 from the include


# -- requirement lines as pip reads them ---------------------------------------------------------
REQUIREMENTS = [
    "requests",
    "requests>=2.31",
    "requests >= 2.31, < 3",
    "Requests[socks,security]>=2.0",
    "zope.interface==5.*",
    "pkg~=1.4.2",
    "pkg!=1.0.post1.dev3",
    "pkg==1.0rc1",
    "pkg>=1.*",  # wildcards only with == and !=
    "pkg~=1",  # ~= needs two release segments
    "pkg>=1.0+local",  # a local version only with == and !=
    "pkg===weird",
    "pkg @ https://example.com/pkg-1.0.tar.gz",
    "pkg; python_version < '3.11'",
    "pkg (>=1.0)",
    "pkg>=1.0 trailing",
    "pkg==1.0-1",
    "_private",
    "pkg[",
    "",
]


@pytest.mark.parametrize("line", REQUIREMENTS)
def test_a_requirement_is_read_as_packaging_reads_it(line: str) -> None:
    try:
        expected: str | None = Requirement(line).name
    except InvalidRequirement:
        expected = None
    assert requirement_name(line) == expected


def test_a_line_pip_fills_in_from_the_environment_is_not_judged() -> None:
    assert requirement_name("internal-sdk==${SDK_VERSION}") == "internal-sdk"
