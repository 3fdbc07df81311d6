"""Schema from a dbt project's artifacts: `target/manifest.json` (models, sources, seeds and
snapshots with their documented columns, descriptions, tags and meta, and the file that
defines each; their keys from data tests and contracts, catalog/sources/dbt_keys.py) merged with `target/catalog.json` beside it (the columns and types the warehouse
really has, written by `dbt docs generate`).

The manifest also says which relation each `ref()` and `source()` names; the returned
DbtProject keeps that so dbt model files can be checked (analysis/sql/jinja.py).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain_lsp.catalog.model import Catalog, Column, Location, Table
from domain_lsp.catalog.sources import SourceProblem
from domain_lsp.catalog.sources.dbt_keys import apply_keys, required_filters
from domain_lsp.paths import Boundary, read_file

RELATION_TYPES = ("model", "seed", "snapshot")
SIMPLE_NAME = re.compile(r"[a-z_][a-z0-9_$]*")


@dataclass(frozen=True, slots=True)
class Relation:
    database: str
    schema: str
    identifier: str

    def sql(self, with_database: bool = False) -> str:
        parts = (self.database, self.schema, self.identifier) if with_database else (self.schema, self.identifier)
        return ".".join(p if SIMPLE_NAME.fullmatch(p) else '"' + p.replace('"', '""') + '"' for p in parts if p)


@dataclass
class DbtProject:
    """What model files need from the manifest: where models live and what each ref() names."""

    name: str
    root: Path
    model_paths: tuple[Path, ...]
    refs: dict[str, Relation] = field(default_factory=dict)
    """By "name", "package.name" and "name.v2" (versioned models)."""
    sources: dict[tuple[str, str], Relation] = field(default_factory=dict)
    """By (source name, table name), both case-folded."""

    def ref(self, name: str, package: str | None = None, version: str | None = None) -> Relation | None:
        base = f"{package}.{name}" if package else name
        return self.refs.get(f"{base}.v{version}" if version else base)

    def source(self, source_name: str, table_name: str) -> Relation | None:
        return self.sources.get((source_name.casefold(), table_name.casefold()))

    def owns(self, path: Path) -> bool:
        """True for a .sql file under one of the project's model (or snapshot) folders."""
        resolved = path.resolve()
        return path.suffix.lower() == ".sql" and any(resolved.is_relative_to(folder) for folder in self.model_paths)


def is_dbt_artifact(path: Path, head: str) -> bool:
    """manifest.json or catalog.json written by dbt (the schema version URL says so)."""
    return path.name in ("manifest.json", "catalog.json") and "schemas.getdbt.com/dbt/" in head


def manifest_of(path: Path) -> Path:
    """The manifest that a dbt artifact belongs with (the catalog.json beside it has no refs)."""
    return path.with_name("manifest.json") if path.name == "catalog.json" else path


def companion_files(manifest: Path) -> list[Path]:
    """Files besides the manifest whose change means reloading: catalog.json and dbt_project.yml."""
    root = project_root(manifest)
    return [manifest.with_name("catalog.json"), root / "dbt_project.yml"]


def project_root(manifest: Path) -> Path:
    """The dbt project folder: the one above `target/` holding dbt_project.yml."""
    folder = manifest.parent
    for candidate in (folder, *folder.parents[:3]):
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    return folder.parent if folder.name == "target" else folder


class _YamlLines:
    """Where a name is written in a dbt properties file (`- name: orders`), found by scanning
    its lines: a manifest has no positions, and go-to-definition on a column should land there.
    """

    def __init__(self) -> None:
        self._files: dict[Path, list[str] | None] = {}

    def find(self, path: Path, *names: str) -> tuple[int, int] | None:
        """The line and character of the last of `names`, each searched after the previous."""
        lines = self._lines(path)
        if lines is None:
            return None
        line, found = 0, None
        for name in names:
            pattern = re.compile(r"^(\s*-?\s*name:\s*)[\"']?" + re.escape(name) + r"[\"']?\s*(?:#.*)?$", re.IGNORECASE)
            for number in range(line, len(lines)):
                match = pattern.match(lines[number])
                if match:
                    line, found = number + 1, (number, match.end(1))
                    break
            else:
                return found
        return found

    def _lines(self, path: Path) -> list[str] | None:
        if path not in self._files:
            try:
                self._files[path] = _read(path).decode("utf-8", errors="replace").splitlines()
            except OSError:
                self._files[path] = None
        return self._files[path]


class _Loader:
    def __init__(self, manifest_path: Path, catalog: Catalog) -> None:
        self.catalog = catalog
        self.root = project_root(manifest_path)
        self.problems: list[SourceProblem] = []
        self.yaml = _YamlLines()
        self.warehouse: dict[str, Any] = {}

    def file(self, relative: Any) -> Path | None:
        if not isinstance(relative, str) or not relative:
            return None
        return self.root / relative.split("://", 1)[-1]

    def location(self, relative: Any) -> Location | None:
        path = self.file(relative)
        return Location(str(path), 0, 0) if path is not None else None

    def table(self, unique_id: str, node: dict[str, Any], relation: Relation, yaml_names: tuple[str, ...]) -> Table:
        config = node.get("config") if isinstance(node.get("config"), dict) else {}
        assert isinstance(config, dict)
        meta = {**_dict(config.get("meta")), **_dict(node.get("meta"))}
        materialized = config.get("materialized")
        table = Table(
            relation.identifier,
            relation.schema,
            relation.database,
            kind="view" if materialized in ("view", "materialized_view") else "table",
            description=_text(node.get("description")),
            tags=tags_of(node.get("tags"), config.get("tags"), meta),
            deprecated=deprecation_of(meta, node.get("deprecation_date")),
            required_filters=required_filters(meta),
        )
        yaml_file = self.file(node.get("patch_path")) if node.get("resource_type") != "source" else None
        if node.get("resource_type") == "source":
            yaml_file = self.file(node.get("original_file_path"))
            table.location = self._yaml_location(yaml_file, yaml_names) or self.location(node.get("original_file_path"))
        else:
            table.location = self.location(node.get("original_file_path"))
        warehouse = _dict(self.warehouse.get(unique_id))
        if warehouse:
            metadata = _dict(warehouse.get("metadata"))
            if str(metadata.get("type", "")).upper() in ("VIEW", "MATERIALIZED VIEW"):
                table.kind = "view"
            table.description = table.description or _text(metadata.get("comment"))
        documented = _dict(node.get("columns"))
        real = _dict(warehouse.get("columns"))
        # The warehouse's columns, in its order, then documented columns it lacks: a stale
        # catalog.json must not make a column the model now has look unknown.
        # One pass over the warehouse's columns (in its order), the common undocumented ones
        # made directly; then documented columns it lacks, since a stale catalog.json must not
        # make a column the model now has look unknown.
        doc_by_key = {str(k).casefold(): v for k, v in documented.items() if isinstance(v, dict)}
        columns = table.columns
        ordered = sorted((c for c in real.values() if isinstance(c, dict) and c.get("name")), key=_index)
        for found in ordered:
            name = str(found["name"])
            folded = name.casefold()
            doc = doc_by_key.pop(folded, None)
            kind, comment = found.get("type"), found.get("comment")
            if doc is None:
                columns[folded] = Column(name, str(kind) if kind else None, _text(comment), table.location)
            else:
                columns[folded] = self.column(name, doc, _text(kind), _text(comment), yaml_file, yaml_names, table)
        for folded, doc in doc_by_key.items():
            name = str(doc.get("name") or folded)
            columns[folded] = self.column(name, doc, None, None, yaml_file, yaml_names, table)
        # Neither documented nor in catalog.json: the columns are unknown, not absent.
        table.columns_known = bool(columns)
        return table

    def column(
        self,
        name: str,
        doc: dict[str, Any],
        kind: str | None,
        comment: str | None,
        yaml_file: Path | None,
        yaml_names: tuple[str, ...],
        table: Table,
    ) -> Column:
        """A documented column: its description, tags and deprecation, where its YAML names it."""
        meta = _dict(doc.get("meta"))
        return Column(
            name,
            kind or _text(doc.get("data_type")),
            _text(doc.get("description")) or comment,
            self._yaml_location(yaml_file, (*yaml_names, name)) or table.location,
            tags_of(doc.get("tags"), None, meta),
            deprecation_of(meta, None),
        )

    def _yaml_location(self, path: Path | None, names: tuple[str, ...]) -> Location | None:
        if path is None or not names:
            return None
        found = self.yaml.find(path, *names)
        return Location(str(path), *found) if found is not None else None


def load_dbt(path: Path, text: str | bytes, catalog: Catalog) -> tuple[list[SourceProblem], DbtProject]:
    """Add a manifest's relations to `catalog` (merged with catalog.json beside it)."""
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DbtError(f"invalid JSON: {exc.msg}", exc.lineno - 1, exc.colno - 1) from None
    except UnicodeDecodeError as exc:
        raise DbtError(f"not UTF-8: {exc.reason}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("nodes"), dict):
        raise DbtError("not a dbt manifest: no `nodes`")
    loader = _Loader(path, catalog)
    loader.warehouse = _read_warehouse(path.with_name("catalog.json"), loader.problems)
    metadata = _dict(manifest.get("metadata"))
    project = DbtProject(str(metadata.get("project_name") or loader.root.name), loader.root, ())
    project.model_paths = _model_paths(loader.root)
    nodes: Iterable[tuple[str, Any]] = _dict(manifest.get("nodes")).items()
    tables: dict[str, Table] = {}
    for unique_id, node in nodes:
        node = _dict(node)
        kind = node.get("resource_type")
        if kind not in RELATION_TYPES or _dict(node.get("config")).get("materialized") == "ephemeral":
            continue  # tests, analyses, operations; ephemeral models are CTEs, not relations
        relation = Relation(
            str(node.get("database") or ""),
            str(node.get("schema") or ""),
            str(node.get("alias") or node.get("identifier") or node.get("name") or ""),
        )
        if not relation.identifier:
            continue
        table = tables[unique_id] = loader.table(unique_id, node, relation, (str(node.get("name", "")),))
        catalog.add_table(table)
        if kind == "model" or kind == "seed" or kind == "snapshot":
            name, package = str(node.get("name", "")), str(node.get("package_name", ""))
            version = node.get("version")
            for base in (name, f"{package}.{name}"):
                if version is not None:
                    project.refs[f"{base}.v{version}"] = relation
                    if node.get("latest_version") not in (None, version):
                        continue  # an unpinned ref() names the latest version only
                project.refs.setdefault(base, relation)
    for unique_id, node in _dict(manifest.get("sources")).items():
        node = _dict(node)
        relation = Relation(
            str(node.get("database") or ""),
            str(node.get("schema") or ""),
            str(node.get("identifier") or node.get("name") or ""),
        )
        source_name, name = str(node.get("source_name", "")), str(node.get("name", ""))
        if not relation.identifier:
            continue
        table = tables[unique_id] = loader.table(unique_id, node, relation, (source_name, name))
        catalog.add_table(table)
        project.sources[(source_name.casefold(), name.casefold())] = relation
    apply_keys(nodes, tables, project)
    return loader.problems, project


class DbtError(ValueError):
    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def _read_warehouse(path: Path, problems: list[SourceProblem]) -> dict[str, Any]:
    """catalog.json's nodes and sources by unique id; {} when there is none (it is optional)."""
    if not os.path.lexists(path):
        return {}
    try:
        data = json.loads(_read(path))
    except (OSError, ValueError) as exc:
        problems.append(SourceProblem(f"{path.name} not used: {exc}"))
        return {}
    return {**_dict(_dict(data).get("sources")), **_dict(_dict(data).get("nodes"))}


def _model_paths(root: Path) -> tuple[Path, ...]:
    """Folders holding SQL that refs resolve in: dbt_project.yml's model-paths and
    snapshot-paths (read as plain lists), else dbt's defaults.
    """
    folders = {"model-paths": ["models"], "snapshot-paths": ["snapshots"], "analysis-paths": ["analyses"]}
    try:
        import yaml

        settings = yaml.safe_load(_read(root / "dbt_project.yml").decode("utf-8"))
    except Exception:  # no project file, or one we cannot read: the defaults still help
        settings = None
    for key in folders:
        value = _dict(settings).get(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            folders[key] = value
    return tuple((root / folder).resolve() for paths in folders.values() for folder in paths)


def _read(path: Path) -> bytes:
    """A project file, read as every workspace file is (domain_lsp.paths): a regular file inside
    the workspace, so a `catalog.json -> /proc/self/fd/1` neither blocks nor leaks."""
    return read_file(path, None, Boundary.of(path.parent))


def _index(column: dict[str, Any]) -> int:
    index = column.get("index", 0)
    return index if isinstance(index, int) else 0


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def tags_of(tags: Any, config_tags: Any, meta: dict[str, Any]) -> tuple[str, ...]:
    """dbt tags plus meta flags set to true (`meta: {pii: true}`) and `meta.tags`."""
    found: list[str] = []
    for group in (tags, config_tags, meta.get("tags")):
        if isinstance(group, str):
            group = [group]
        if isinstance(group, list):
            found.extend(str(t) for t in group if isinstance(t, (str, int)))
    found.extend(k for k, v in meta.items() if v is True and k not in ("deprecated", "tags"))
    return tuple(dict.fromkeys(t.strip() for t in found if str(t).strip()))


def deprecation_of(meta: dict[str, Any], deprecation_date: Any) -> str | None:
    """The replacement or note from `meta.deprecated` / `meta.replaced_by`, or the model's
    `deprecation_date`; None when the relation or column is current.
    """
    note = meta.get("deprecated")
    replacement = meta.get("replaced_by") or meta.get("replacement")
    if not note and not replacement and not deprecation_date:
        return None
    parts = [note] if isinstance(note, str) and note.strip() else []
    if isinstance(replacement, str) and replacement.strip():
        parts.append(f"use {replacement.strip()}")
    if deprecation_date and not parts:
        parts.append(f"deprecated from {str(deprecation_date)[:10]}")
    return "; ".join(p.strip() for p in parts)
