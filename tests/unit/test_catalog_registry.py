"""The source registry: which kind claims which file, and that every live kind the config
accepts has a reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain_lsp.catalog.sources.registry import FILE_SOURCES, LIVE_SOURCES, file_source, primary_file
from domain_lsp.config import SOURCE_KINDS

DBT_HEAD = '{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"}, "nodes": {}}'


@pytest.mark.parametrize(
    ("name", "head", "kind"),
    [
        ("schema.sql", "CREATE TABLE t (a int);", "ddl"),
        ("schema.ddl", "", "ddl"),
        ("tables.yml", "core: {}", "mapping"),
        ("tables.json", '{"core": {"t": {"a": "int"}}}', "mapping"),
        ("columns.json", '  [{"TABLE_NAME": "t", "COLUMN_NAME": "a"}]', "information_schema"),
        ("columns.csv", "table_name,column_name", "information_schema"),
        ("columns.jsonl", "", "information_schema"),
        ("manifest.json", DBT_HEAD, "dbt"),
        ("manifest.json", '{"core": {"t": {"a": "int"}}}', "mapping"),  # a mapping that happens to be named so
    ],
)
def test_each_file_goes_to_the_kind_that_claims_it(name: str, head: str, kind: str) -> None:
    assert file_source(Path(name), lambda: head).kind == kind


def test_the_head_is_read_only_when_a_kind_needs_it() -> None:
    def unread() -> str:
        raise AssertionError("read the head of a file its name decides")

    assert file_source(Path("schema.sql"), unread).kind == "ddl"
    assert file_source(Path("columns.csv"), unread).kind == "information_schema"


def test_a_dbt_catalog_json_is_read_with_its_manifest(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    assert primary_file(target / "catalog.json") == target / "catalog.json"  # no manifest: its own file
    (target / "manifest.json").write_text(DBT_HEAD, encoding="utf-8")
    assert primary_file(target / "catalog.json") == target / "manifest.json"
    assert primary_file(tmp_path / "schema.sql") == tmp_path / "schema.sql"


def test_every_configurable_live_kind_has_a_reader_and_kinds_are_unique() -> None:
    assert sorted(LIVE_SOURCES) == sorted(SOURCE_KINDS)
    kinds = [source.kind for source in FILE_SOURCES]
    assert len(kinds) == len(set(kinds))
    assert kinds[-1] == "ddl"  # it claims every file, so it must be asked last
