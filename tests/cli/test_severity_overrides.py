"""`[[diagnostics.overrides]]` through the real CLI: the same PII query is information in one
folder and an error (exit 1) in the folder an override names; a bad entry is a config error."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.cli import json_diagnostics, run_cli

CONFIG = """\
[sql]
dialect = "postgres"
schemas = ["schema.sql"]

[[diagnostics.overrides]]
paths = ["exports/**"]
severity = {pii-column = "error"}
"""

SCHEMA = """\
CREATE TABLE core.customer (customer_id int PRIMARY KEY, email text);
COMMENT ON COLUMN core.customer.email IS '#pii';
"""

QUERY = "SELECT customer_id, email FROM core.customer;\n"


def _workspace(tmp_path: Path, config: str = CONFIG) -> Path:
    (tmp_path / "domain-lsp.toml").write_text(config, encoding="utf-8")
    (tmp_path / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    for folder in ("reports", "exports/daily"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "q.sql").write_text(QUERY, encoding="utf-8")
    return tmp_path


def _severities(result: object) -> dict[str, str]:
    return {d["path"].replace("\\", "/"): d["severity"] for d in json_diagnostics(result) if d["code"] == "pii-column"}  # type: ignore[arg-type]


def test_the_path_decides_the_severity(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    outside = run_cli(root, "check", "--format", "json", "reports")
    assert outside.returncode == 0, outside.stderr
    assert list(_severities(outside).values()) == ["information"]
    inside = run_cli(root, "check", "--format", "json", "exports")
    assert inside.returncode == 1, inside.stderr
    assert list(_severities(inside).values()) == ["error"]


def test_an_override_without_paths_is_a_config_error(tmp_path: Path) -> None:
    root = _workspace(tmp_path, CONFIG.replace('paths = ["exports/**"]\n', ""))
    result = run_cli(root, "check", "reports")
    assert result.returncode == 2
    assert "diagnostics.overrides" in result.stderr and "`paths` is missing" in result.stderr
