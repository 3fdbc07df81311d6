"""One glob semantics: `paths.glob_matches` (what the server asks of a file it hears of) agrees
with `paths.glob` (what a load lists) on every file of a tree, for fixed and generated patterns."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain_lsp.paths import glob, glob_matches

FILES = (
    "top.sql",
    "top_x.sql",
    ".hidden.sql",
    "schema/a.sql",
    "schema/b1.sql",
    "schema/sub/x.sql",
    "schema/sub/deeper/y.sql",
    "requirements/dev.txt",
    "requirements.txt",
    "a.b/c.sql",
)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("", encoding="utf-8")
    return root


def agree(root: Path, pattern: str) -> None:
    listed = set(glob(root, pattern) or [])
    matched = {path for path in root.rglob("*") if path.is_file() and glob_matches(root, pattern, path)}
    assert matched == listed, pattern


@pytest.mark.parametrize(
    "pattern",
    [
        "**/*.sql",
        "*.sql",
        "schema/*.sql",
        "schema/**/*.sql",
        "**/sub/*.sql",
        "requirements/*.txt",
        "requirements*.txt",
        "schema/?.sql",
        "schema/[ab]*.sql",
        "schema/[!a]*.sql",
        "./schema/*.sql",
        "**",
        "a.b/*",
        "**/top_*.sql",
    ],
)
def test_fixed_patterns_agree(tree: Path, pattern: str) -> None:
    agree(tree, pattern)


SEGMENTS = st.sampled_from(
    ["*", "**", "schema", "sub", "*.sql", "?.sql", "top*", "[ab]*", "[!a]*.sql", "*.txt", "x.sql"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(SEGMENTS, min_size=1, max_size=4))
def test_generated_patterns_agree(tree: Path, segments: list[str]) -> None:
    agree(tree, "/".join(segments))


def test_a_file_outside_the_root_never_matches(tree: Path) -> None:
    assert not glob_matches(tree / "schema", "**/*.sql", tree / "top.sql")
