"""The resolver against a corpus of fixture pairs: valid SQL per dialect must get no finding,
and each faulty query exactly its annotated findings at the offending token's offsets.

The corpus format is described in fixtures/resolver/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain_lsp.analysis.sql.document import analyze_sql
from domain_lsp.analysis.sql.resolve import SUGGESTION_POOL, declared_variables, suggestion_pool, table_list
from domain_lsp.catalog.model import Catalog, Table
from domain_lsp.catalog.sources.ddl import load_ddl
from domain_lsp.config import SqlSettings

FIXTURES = Path(__file__).parent / "fixtures" / "resolver"
FOLDERS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())

CASE = re.compile(r"^-- case:\s*(.+?)\s*$", re.MULTILINE)
EXPECT = re.compile(r"^-- expect:\s*(\S+)\s+(\S+)(?:\s+#(\d+))?\s*$")


@dataclass(frozen=True)
class Case:
    folder: str
    """The fixture folder: its schema.sql gives the catalog and the dialect."""
    name: str
    text: str
    expected: tuple[tuple[str, int, int], ...]
    """(code, start, end) per annotated finding, offsets into `text`."""


def load_cases(path: Path, folder: str) -> list[Case]:
    return parse_cases(path.read_text(encoding="utf-8"), folder)


def parse_cases(source: str, folder: str) -> list[Case]:
    starts = [m.start() for m in CASE.finditer(source)]
    cases = []
    for begin, end in zip(starts, [*starts[1:], len(source)], strict=True):
        text = source[begin:end]
        lines = text.splitlines(keepends=True)
        header = [lines[0]]
        for line in lines[1:]:
            if not line.startswith("-- "):
                break
            header.append(line)
        body_at = sum(len(line) for line in header)
        expected = []
        for line in header[1:]:
            match = EXPECT.match(line)
            if match is not None:
                code, token, n = match.group(1), match.group(2), int(match.group(3) or 1)
                expected.append(_locate(text, body_at, code, token, n))
        cases.append(Case(folder, CASE.match(text).group(1), text, tuple(expected)))  # type: ignore[union-attr]
    return cases


def _locate(text: str, body_at: int, code: str, token: str, occurrence: int) -> tuple[str, int, int]:
    pattern = re.compile(r"(?<![\w$])" + re.escape(token) + r"(?![\w$])")
    matches = list(pattern.finditer(text, body_at))
    if len(matches) < occurrence:
        raise ValueError(f"{text.splitlines()[0]}: `{token}` #{occurrence} not found")
    found = matches[occurrence - 1]
    return code, found.start(), found.end()


def load_catalog(folder: str) -> tuple[Catalog, SqlSettings]:
    path = FIXTURES / folder / "schema.sql"
    text = path.read_text(encoding="utf-8")
    named = re.search(r"^-- dialect:\s*(\S+)", text, re.MULTILINE)
    dialect = named.group(1) if named else folder
    search = re.search(r"^-- search_path:(.*)$", text, re.MULTILINE)
    search_path = tuple(s.strip() for s in search.group(1).split(",") if s.strip()) if search else ()
    catalog = Catalog()
    problems, retries = load_ddl(path, text, catalog, dialect, search_path)
    assert not problems, problems
    for retry in retries:
        retry()
    return catalog, SqlSettings(dialect=dialect, search_path=search_path)


_CATALOGS: dict[str, tuple[Catalog, SqlSettings]] = {}


def catalog_for(folder: str) -> tuple[Catalog, SqlSettings]:
    if folder not in _CATALOGS:
        _CATALOGS[folder] = load_catalog(folder)
    return _CATALOGS[folder]


def _cases(kind: str) -> list[Case]:
    cases: list[Case] = []
    for folder in FOLDERS:
        path = FIXTURES / folder / f"{kind}.sql"
        if path.is_file():
            cases.extend(load_cases(path, folder))
    return cases


VALID = _cases("valid")
FAULTY = _cases("faulty")


def _describe(case: Case, findings: list[tuple[str, int, int]]) -> list[str]:
    return [f"{code} `{case.text[start:end]}` @{start}" for code, start, end in findings]


@pytest.mark.parametrize("case", VALID, ids=[f"{c.folder}:{c.name}" for c in VALID])
def test_valid_sql_has_no_findings(case: Case) -> None:
    catalog, settings = catalog_for(case.folder)
    findings = analyze_sql(case.text, catalog, settings).findings
    got = [(f.code, f.start, f.end) for f in findings]
    assert got == [], _describe(case, got) + [f.message for f in findings]


@pytest.mark.parametrize("case", FAULTY, ids=[f"{c.folder}:{c.name}" for c in FAULTY])
def test_faulty_sql_reports_exactly_the_mistakes(case: Case) -> None:
    assert case.expected, "a faulty case needs at least one `-- expect:` line"
    catalog, settings = catalog_for(case.folder)
    findings = analyze_sql(case.text, catalog, settings).findings
    got = sorted((f.code, f.start, f.end) for f in findings)
    assert got == sorted(case.expected), {
        "got": _describe(case, got),
        "expected": _describe(case, sorted(case.expected)),
        "messages": [f.message for f in findings],
    }


def test_corpus_is_large_enough() -> None:
    """The corpus is the specification; keep it from silently shrinking."""
    assert len(VALID) >= 150
    assert len(FAULTY) >= 80
    assert set(FOLDERS) >= {"postgres", "duckdb", "bigquery", "snowflake", "sqlite"}


def test_loader_locates_the_nth_occurrence() -> None:
    text = "-- case: x\n-- expect: unknown-column a #2\nSELECT a, a FROM t\n"
    (case,) = parse_cases(text, "postgres")
    at = text.index("a, a") + 3
    assert case.expected == (("unknown-column", at, at + 1),)


def test_suggestions_in_a_large_catalog_still_find_the_close_name() -> None:
    catalog = Catalog()
    for i in range(5000):
        catalog.add_table(Table(f"table_{i}", "s"))
    catalog.add_table(Table("customers", "s"))
    pool = suggestion_pool("custmers", [t.name for t in catalog.tables()])
    assert "customers" in pool and len(pool) <= SUGGESTION_POOL
    (finding,) = analyze_sql("SELECT 1 FROM s.custmers", catalog, SqlSettings(dialect="postgres")).findings
    assert finding.code == "unknown-table" and "`customers`" in finding.message


def test_the_cached_table_list_follows_catalog_changes() -> None:
    parent = Catalog()
    parent.add_table(Table("a"))
    child = Catalog(parent=parent)
    assert [t.name for t in table_list(child)] == ["a"]
    parent.add_table(Table("b"))
    child.add_table(Table("c"))
    assert sorted(t.name for t in table_list(child)) == ["a", "b", "c"]


def test_declared_variables_are_read_from_the_whole_script() -> None:
    text = "SELECT lo FROM t;\nDECLARE lo, hi INT64 DEFAULT 1;\ndeclare run_date DATE;"
    assert declared_variables(text) == {"lo", "hi", "run_date"}
    assert declared_variables("SELECT declared FROM t") == frozenset()
