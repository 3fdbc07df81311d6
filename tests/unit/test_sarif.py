"""`--format sarif`: valid SARIF 2.1.0 (checked against the OASIS schema kept in tests/fixtures),
with what GitHub code scanning reads: rule metadata for every code, exact regions in UTF-16
columns, paths from the repository's top, fingerprints that survive moved lines.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from domain_lsp.check import run_check
from domain_lsp.findings import RULES, Finding, Severity
from domain_lsp.report import sarif
from domain_lsp.report.model import CheckedFile, CheckRun
from domain_lsp.text import LineIndex

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "sarif-schema-2.1.0.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


# -- a small JSON Schema draft-04 validator for the keywords the SARIF schema uses ----------------
# jsonschema is used as well when it is installed; this one keeps the test meaningful without it.

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _is(value: Any, kind: str) -> bool:
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[kind])


def schema_errors(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    if "$ref" in schema:
        target: Any = SCHEMA
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return schema_errors(value, target, where)
    errors: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_is(value, kind) for kind in kinds):
            return [f"{where}: {value!r} is not of type {kinds}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: {value} > {schema['maximum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if schema.get("format") == "uri" and not urlsplit(value).scheme:
            errors.append(f"{where}: {value!r} is not an absolute URI")
        if schema.get("format") == "uri-reference" and re.search(r"[\s\"<>\\^`{|}]", value):
            errors.append(f"{where}: {value!r} is not a URI reference")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{where}: fewer than {schema['minItems']} items")
        if schema.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) != len(value):
            errors.append(f"{where}: items are not unique")
        if "items" in schema:
            for i, item in enumerate(value):
                errors += schema_errors(item, schema["items"], f"{where}[{i}]")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{where}: `{key}` is required")
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(item, properties[key], f"{where}.{key}")
            elif extra is False:
                errors.append(f"{where}: `{key}` is not allowed")
            elif isinstance(extra, dict):
                errors += schema_errors(item, extra, f"{where}.{key}")
    for keyword, needed in (("anyOf", 1), ("oneOf", 1)):
        if keyword in schema:
            passing = sum(not schema_errors(value, option, where) for option in schema[keyword])
            if passing < needed or (keyword == "oneOf" and passing != 1):
                errors.append(f"{where}: {keyword} matched {passing} options")
    return errors


def assert_valid_sarif(document: dict[str, Any]) -> None:
    assert schema_errors(document, SCHEMA) == []
    try:
        import jsonschema
    except ImportError:
        return
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(document)] == []


def test_the_small_validator_rejects_what_the_schema_forbids() -> None:
    good = {"version": "2.1.0", "runs": []}
    assert schema_errors(good, SCHEMA) == []
    assert schema_errors({"version": "2.0.0", "runs": []}, SCHEMA)
    assert schema_errors({"version": "2.1.0", "runs": [], "extra": 1}, SCHEMA)
    bad_region = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "x"}},
                "results": [
                    {
                        "message": {"text": "m"},
                        "locations": [{"physicalLocation": {"region": {"startLine": 0}}}],
                    }
                ],
            }
        ],
    }
    assert any("startLine" in e for e in schema_errors(bad_region, SCHEMA))


# -- a real check run ------------------------------------------------------------------------------

QUERY = "SELECT 'é😀', nme FROM core.customers;\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # the repository's top, which paths start from
    (tmp_path / "domain-lsp.toml").write_text('[sql]\ndialect = "postgres"\nschemas = ["schema.sql"]\n')
    (tmp_path / "schema.sql").write_text("CREATE TABLE core.customers (id int, name text);\n")
    folder = tmp_path / "reports with space"
    folder.mkdir()
    (folder / "é.sql").write_text(QUERY, encoding="utf-8")
    return tmp_path


def sarif_of(repo: Path) -> dict[str, Any]:
    run = run_check([repo / "reports with space"], cwd=repo)
    document = json.loads(sarif.render(run))
    assert_valid_sarif(document)
    return document


def test_output_is_valid_and_has_a_rule_for_every_code(repo: Path) -> None:
    document = sarif_of(repo)
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == list(RULES)
    for rule in rules:
        source = RULES[rule["id"]]
        assert rule["shortDescription"]["text"] == source.summary
        assert rule["fullDescription"]["text"]
        assert rule["help"]["text"] and source.href in rule["help"]["markdown"]
        assert rule["helpUri"] == source.href
        expected = {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(source.severity, "note")
        assert rule["defaultConfiguration"]["level"] == expected
        assert re.fullmatch(r"[A-Z][A-Za-z]+", rule["name"])


def test_result_region_counts_utf16_units_and_path_is_from_the_repository_top(repo: Path) -> None:
    (run,) = sarif_of(repo)["runs"]
    assert run["columnKind"] == "utf16CodeUnits"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    (result,) = run["results"]
    assert result["ruleId"] == "unknown-column"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "unknown-column"
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "reports%20with%20space/%C3%A9.sql", "uriBaseId": "%SRCROOT%"}
    # `SELECT 'é😀', ` is 13 code points but 14 UTF-16 units (the emoji takes two).
    assert location["region"] == {"startLine": 1, "startColumn": 15, "endLine": 1, "endColumn": 18}
    column = location["region"]["startColumn"]
    assert QUERY.encode("utf-16-le")[(column - 1) * 2 : (column + 2) * 2].decode("utf-16-le") == "nme"
    assert set(result["partialFingerprints"]) == {sarif.FINGERPRINT}


def test_fingerprints_survive_moved_lines_and_tell_repeats_apart() -> None:
    def fingerprints(text: str) -> list[str]:
        needle = [i for i in range(len(text)) if text.startswith("nme", i)]
        findings = [Finding("unknown-column", "m", i, i + 3) for i in needle]
        return sarif.fingerprints(CheckedFile(Path("q.sql"), LineIndex(text), findings), "q.sql")

    before = fingerprints("SELECT nme FROM t;\nSELECT nme FROM t;\n")
    after = fingerprints("-- a new comment\n\n   SELECT nme FROM t;\nSELECT nme FROM t;\n")
    assert before == after
    assert len(set(before)) == 2
    other_path = sarif.fingerprints(
        CheckedFile(Path("r.sql"), LineIndex("SELECT nme FROM t;\n"), [Finding("unknown-column", "m", 7, 10)]), "r.sql"
    )
    assert other_path[0] != before[0]


def test_a_file_outside_the_repository_gets_an_absolute_uri(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.sql"
    checked = CheckedFile(outside, LineIndex("x\n"), [Finding("syntax-error", "bad", 0, 1)])
    document = sarif.report(CheckRun([checked], 1, tmp_path / "repo"))
    assert_valid_sarif(document)
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": outside.resolve().as_uri()}


def test_empty_range_and_softer_levels() -> None:
    text = "SELECT 1;\n"
    findings = [Finding("file-error", "odd", 0, 0), Finding("unknown-column", "soft", 7, 8, Severity.HINT)]
    document = sarif.report(CheckRun([CheckedFile(Path("a.sql"), LineIndex(text), findings)], 1, Path.cwd()))
    assert_valid_sarif(document)
    results = document["runs"][0]["results"]
    assert [r["level"] for r in results] == ["warning", "note"]
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}
