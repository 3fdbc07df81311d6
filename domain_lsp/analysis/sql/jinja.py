"""dbt model files: Jinja is rendered away by a same-length substitution, so every offset of
the SQL that remains is its offset in the file and findings land on the written token.

- `{{ ref('x') }}` and `{{ source('s', 't') }}` become the relation the manifest names
  (`schema.table`, padded with spaces); go-to-definition on it reaches the model's file.
- `{{ config(...) }}`, `{# comments #}`, `{% set %}` and other tags become spaces; the body of
  `{% if is_incremental() %}` and of `{% macro %}`/`{% set %}`/`{% docs %}` blocks is blanked;
  of any other `{% if %}` only the first branch is kept.
- Any other expression is opaque: it becomes `NULL` (valid wherever a value goes). A statement
  holding opaque Jinja keeps only table findings outside it; its columns and syntax are
  unknowable without running dbt, and a false report is worse than a missed one.

Newlines stay where they are, so line numbers never move.
"""

from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass, field, replace
from pathlib import Path

from domain_lsp.analysis.sql.document import SqlAnalysis, analyze_sql
from domain_lsp.catalog.model import Catalog
from domain_lsp.catalog.sources.dbt import DbtProject, Relation
from domain_lsp.config import SqlSettings
from domain_lsp.dbt.layout import layout_of
from domain_lsp.dbt.names import MissingName, unknown_ref, unknown_source
from domain_lsp.findings import Finding, Fix
from domain_lsp.text import LineIndex

TOKEN = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
QUOTED = r"""(?:'([^'\\]*)'|"([^"\\]*)")"""
REF = re.compile(
    rf"^ref\s*\(\s*{QUOTED}\s*(?:,\s*{QUOTED}\s*)?(?:,\s*(?:v|version)\s*=\s*['\"]?([\w.]+)['\"]?\s*)?\)$", re.DOTALL
)
SOURCE = re.compile(rf"^source\s*\(\s*{QUOTED}\s*,\s*{QUOTED}\s*\)$", re.DOTALL)
CONFIG = re.compile(r"^config\s*\(", re.DOTALL)
BLANKED_BLOCKS = frozenset({"macro", "docs", "call", "materialization", "test", "data_test", "filter"})
KEPT_BLOCKS = frozenset({"snapshot", "raw", "block"})
HARMLESS_TAGS = frozenset({"do", "import", "from", "extends", "endraw", "endblock"})
SAFE_CODES = frozenset({"unknown-table", "unknown-schema"})
"""What a statement with opaque Jinja still reports: its tables come from refs or are written."""
OPAQUE_VALUE = "NULL"


@dataclass
class RenderedModel:
    text: str
    """Same length as the file, newlines in place."""
    opaque: list[tuple[int, int]] = field(default_factory=list)
    """Spans whose SQL is unknown without running dbt."""
    relations: list[tuple[int, int, Relation]] = field(default_factory=list)
    """Where a ref() or source() was replaced, and by what."""
    aliases: list[Relation] = field(default_factory=list)
    """Relations written by their bare name (`schema.table` did not fit): they need a
    schema-less alias in the file's catalog, which wins over same-named tables elsewhere."""
    missing: list[Finding] = field(default_factory=list)
    """unknown-table on the name of a ref() or source() that names nothing in the project."""


class _Renderer:
    def __init__(self, text: str, project: DbtProject, catalog: Catalog) -> None:
        self.source = text
        self.out = list(text)
        self.project = project
        self.catalog = catalog
        self.result = RenderedModel("")
        self.stack: list[list[str]] = []
        """Open blocks as [keyword, mode]; mode is "keep", "drop" or "opaque"."""
        self.block_starts: list[int] = []

    def blank(self, start: int, end: int) -> None:
        for i in range(start, end):
            if self.source[i] not in "\r\n":
                self.out[i] = " "

    def write(self, start: int, end: int, value: str) -> bool:
        """Put `value` at `start` and blank the rest; False if it does not fit before a newline."""
        line_end = min(
            (i for i in (self.source.find("\n", start, end), self.source.find("\r", start, end)) if i >= 0), default=end
        )
        if len(value) > line_end - start:
            return False
        self.blank(start, end)
        self.out[start : start + len(value)] = value
        return True

    @property
    def mode(self) -> str:
        modes = {entry[1] for entry in self.stack}
        return "drop" if "drop" in modes else "opaque" if "opaque" in modes else "keep"

    def render(self) -> RenderedModel:
        position = 0
        for match in TOKEN.finditer(self.source):
            self.between(position, match.start())
            self.token(match.start(), match.end(), match.group())
            position = match.end()
        self.between(position, len(self.source))
        if self.stack:  # an unclosed block: whatever follows it is unknown
            self.result.opaque.append((self.block_starts[0], len(self.source)))
        self.result.text = "".join(self.out)
        return self.result

    def between(self, start: int, end: int) -> None:
        if start < end and self.mode == "drop":
            self.blank(start, end)

    def token(self, start: int, end: int, token: str) -> None:
        if token.startswith("{#"):
            self.blank(start, end)
        elif token.startswith("{{"):
            if self.mode == "drop":
                self.blank(start, end)
            else:
                self.expression(start, end, token[2:-2].strip("-+").strip())
        else:
            self.blank(start, end)
            self.tag(start, end, token[2:-2].strip("-+").strip())

    def expression(self, start: int, end: int, inner: str) -> None:
        if CONFIG.match(inner):
            self.blank(start, end)
            return
        relation = self.relation(inner, self.source.find(inner, start))
        if relation is not None and self.mode == "keep":
            qualified, bare = relation.sql(), Relation("", "", relation.identifier).sql()
            for text in (qualified, bare):
                if self.write(start, end, text):
                    self.result.relations.append((start, start + len(text), relation))
                    if text is bare and relation not in self.result.aliases:
                        self.result.aliases.append(relation)
                    return
        if not self.write(start, end, OPAQUE_VALUE):
            self.blank(start, end)
        self.result.opaque.append((start, end))

    def relation(self, inner: str, offset: int) -> Relation | None:
        """The relation a ref() or source() names; a name that certainly does not exist is
        recorded as a finding on its quoted name (`inner` starts at `offset` in the file)."""
        ref = REF.match(inner)
        if ref is not None:
            first, second = ref.group(1) or ref.group(2), ref.group(3) or ref.group(4)
            package, name = (first, second) if second is not None else (None, first)
            found = self.project.ref(name, package, ref.group(5))
            if found is None and self.mode == "keep" and ref.group(5) is None:
                group = 3 if ref.group(3) is not None else 4 if ref.group(4) is not None else 1 if ref.group(1) else 2
                self.missing(unknown_ref(self.project, name, package), offset + ref.start(group), len(name))
            return found
        source = SOURCE.match(inner)
        if source is not None:
            source_name, table_name = source.group(1) or source.group(2), source.group(3) or source.group(4)
            found = self.project.source(source_name, table_name)
            if found is None and self.mode == "keep":
                problem = unknown_source(self.project, source_name, table_name)
                if problem is not None:
                    group = (
                        (1 if source.group(1) is not None else 2)
                        if problem.in_source_name
                        else (3 if source.group(3) is not None else 4)
                    )
                    self.missing(problem, offset + source.start(group), len(source.group(group)))
            return found
        return None

    def missing(self, problem: MissingName | None, start: int, length: int) -> None:
        if problem is None:
            return
        fixes = tuple(Fix(f"Replace with `{c}`", start, start + length, c) for c in problem.candidates)
        self.result.missing.append(Finding("unknown-table", problem.message, start, start + length, fixes=fixes))

    def tag(self, start: int, end: int, inner: str) -> None:
        word = inner.split(None, 1)[0] if inner.split() else ""
        if word == "if":
            self.open("if", "drop" if "is_incremental" in inner else "keep", start)
        elif word in ("elif", "else"):
            if self.stack and self.stack[-1][0] in ("if", "for"):
                top = self.stack[-1]
                # The full-refresh branch of is_incremental() is the model; other alternatives go.
                top[1] = "keep" if top[1] == "drop" and word == "else" and top[0] == "if" else "drop"
        elif word == "for":
            self.open("for", "opaque", start)
        elif word == "set":
            if "=" not in inner:
                self.open("set", "drop", start)
        elif word in BLANKED_BLOCKS:
            self.open(word, "drop", start)
        elif word in KEPT_BLOCKS:
            self.open(word, "keep", start)
        elif word.startswith("end"):
            self.close(word[3:], end)
        elif word not in HARMLESS_TAGS:
            self.result.opaque.append((start, end))  # include, a custom tag: it may emit SQL

    def open(self, word: str, mode: str, start: int) -> None:
        self.stack.append([word, mode])
        self.block_starts.append(start)

    def close(self, word: str, end: int) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == word:
                opened = self.block_starts[depth]
                if "opaque" in (entry[1] for entry in self.stack[depth:]):
                    self.result.opaque.append((opened, end))
                del self.stack[depth:], self.block_starts[depth:]
                return


def render_model(text: str, project: DbtProject, catalog: Catalog) -> RenderedModel:
    return _Renderer(text, project, catalog).render()


def dbt_project_for(projects: list[DbtProject], path: str) -> DbtProject | None:
    """The dbt project that holds `path` as a model (model, snapshot, analysis or singular test
    folders) or as a file dbt never runs as a query (a macro, a generic test, a package's file)."""
    if not path or not projects:
        return None
    return next((project for project in projects if layout_of(project.root).role(Path(path)) is not None), None)


def analyze_dbt_model(
    text: str, catalog: Catalog, settings: SqlSettings, path: str, project: DbtProject
) -> SqlAnalysis:
    """analyze_sql on the rendered model; offsets, lines and findings are the file's own.

    A macro file is Jinja that dbt only ever calls from a model: checked as SQL it would be a
    syntax error at its first `{`, so it gets no finding of its own."""
    if path and layout_of(project.root).role(Path(path)) == "not-a-model":
        return SqlAnalysis(text, LineIndex(text), [], [], Catalog(parent=catalog))
    rendered = render_model(text, project, catalog)
    if rendered.aliases:
        catalog = _with_aliases(catalog, rendered.aliases)
    analysis = analyze_sql(rendered.text, catalog, settings, path)
    findings = analysis.findings
    if rendered.opaque:
        touched = [
            (s.start, s.end)
            for s in analysis.statements
            if any(o_start < s.end and s.start < o_end for o_start, o_end in rendered.opaque)
        ]

        def kept(start: int, end: int, code: str) -> bool:
            if any(o_start < max(end, start + 1) and start < o_end for o_start, o_end in rendered.opaque):
                return False
            in_touched = any(s_start <= start < max(s_end, s_start + 1) for s_start, s_end in touched)
            return not in_touched or code in SAFE_CODES

        findings = [f for f in findings if kept(f.start, f.end, f.code)]
    if rendered.missing:
        findings = sorted([*findings, *rendered.missing], key=lambda f: (f.start, f.end, f.code))
    return replace(analysis, findings=findings, lines=LineIndex(text))


def _with_aliases(catalog: Catalog, relations: list[Relation]) -> Catalog:
    """A child catalog where each relation is also a schema-less table of its bare name (its
    columns, description and location shared, never copied).
    """
    overlay = Catalog(parent=catalog)
    for relation in relations:
        table = catalog.get(relation.identifier, relation.schema, relation.database) or catalog.get(
            relation.identifier, relation.schema
        )
        if table is not None:
            alias = copy(table)
            alias.schema = alias.database = ""
            overlay.add_table(alias)
    return overlay
