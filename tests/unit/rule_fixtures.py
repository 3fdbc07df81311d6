"""Fixture pairs for one SQL rule, in the resolver corpus' format (fixtures/resolver/README.md):
`fixtures/rules/<code>/<dialect>/` holds `schema.sql` (DDL; `-- dialect: <name>` when the
folder is not a sqlglot dialect), optionally `schema.yaml` (a mapping loaded after it, for
metadata the dialect's DDL cannot carry), `faulty.sql` and `valid.sql`.

A valid case must get no finding at all (so a mistake in the fixture itself shows); a faulty
case exactly its annotated findings, of every code.
"""

from __future__ import annotations

import re
from pathlib import Path

from domain_lsp.analysis.sql.document import analyze_sql
from domain_lsp.catalog.model import Catalog
from domain_lsp.catalog.sources.ddl import load_ddl
from domain_lsp.catalog.sources.mapping import load_mapping
from domain_lsp.config import SqlSettings
from domain_lsp.findings import Finding
from tests.unit.test_resolver import Case, load_cases

RULE_FIXTURES = Path(__file__).parent / "fixtures" / "rules"

_CATALOGS: dict[Path, tuple[Catalog, SqlSettings]] = {}


def catalog_of(folder: Path) -> tuple[Catalog, SqlSettings]:
    if folder in _CATALOGS:
        return _CATALOGS[folder]
    text = (folder / "schema.sql").read_text(encoding="utf-8")
    named = re.search(r"^-- dialect:\s*(\S+)", text, re.MULTILINE)
    dialect = named.group(1) if named else folder.name
    catalog = Catalog()
    problems, retries = load_ddl(folder / "schema.sql", text, catalog, dialect)
    assert not problems, problems
    for retry in retries:
        retry()
    mapping = folder / "schema.yaml"
    if mapping.is_file():
        mapping_problems = load_mapping(mapping, mapping.read_text(encoding="utf-8"), catalog)
        assert not mapping_problems, mapping_problems
    _CATALOGS[folder] = catalog, SqlSettings(dialect=dialect)
    return _CATALOGS[folder]


def rule_cases(code: str, kind: str) -> list[Case]:
    """Every `kind` ("faulty" or "valid") case of the rule, `Case.folder` being the dialect folder."""
    cases: list[Case] = []
    for folder in sorted(p for p in (RULE_FIXTURES / code).iterdir() if p.is_dir()):
        path = folder / f"{kind}.sql"
        if path.is_file():
            cases.extend(load_cases(path, str(folder)))
    return cases


def case_id(case: Case) -> str:
    return f"{Path(case.folder).name}:{case.name}"


def findings_of(case: Case) -> list[Finding]:
    catalog, settings = catalog_of(Path(case.folder))
    return analyze_sql(case.text, catalog, settings).findings


def describe(case: Case, found: list[tuple[str, int, int]]) -> list[str]:
    return [f"{code} `{case.text[start:end]}` @{start}" for code, start, end in found]


def assert_valid(case: Case) -> None:
    findings = findings_of(case)
    got = [(f.code, f.start, f.end) for f in findings]
    assert got == [], describe(case, got) + [f.message for f in findings]


def assert_faulty(case: Case) -> list[Finding]:
    assert case.expected, "a faulty case needs at least one `-- expect:` line"
    findings = findings_of(case)
    got = sorted((f.code, f.start, f.end) for f in findings)
    assert got == sorted(case.expected), {
        "got": describe(case, got),
        "expected": describe(case, sorted(case.expected)),
        "messages": [f.message for f in findings],
    }
    return findings
