"""What the analysis reports: findings with stable codes, and the registry documenting them.

A finding's range is a pair of character offsets (Python string indices) into the text that
was analysed; front-ends convert them to lines and the client's position encoding.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

DOCS_URL = "https://github.com/domain-lsp/domain-lsp/blob/main/docs/rules.md"
SOURCE = "domain-lsp"


class Severity(enum.IntEnum):
    """Ordered like LSP's DiagnosticSeverity so the server converts by value."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    summary: str

    @property
    def href(self) -> str:
        return f"{DOCS_URL}#{self.code}"


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("syntax-error", Severity.ERROR, "The statement does not parse in the configured dialect."),
        Rule("unknown-schema", Severity.ERROR, "A schema (or database) that no catalog source declares."),
        Rule("unknown-table", Severity.ERROR, "A table, view or alias that is not in the catalog or in scope."),
        Rule("ambiguous-table", Severity.ERROR, "An unqualified table name found in several schemas."),
        Rule("unknown-column", Severity.ERROR, "A column that none of the tables in scope has."),
        Rule("ambiguous-column", Severity.ERROR, "An unqualified column that several tables in scope have."),
        Rule(
            "unknown-function", Severity.ERROR, "A function the dialect does not have and the catalog does not declare."
        ),
        Rule("deprecated-reference", Severity.WARNING, "A table, view or column the catalog marks deprecated."),
        Rule(
            "missing-required-filter",
            Severity.WARNING,
            "A table with required filters (a partitioned table) read without a filter on any of them.",
        ),
        Rule(
            "pii-column", Severity.INFORMATION, "A column tagged PII in a statement's output, `*` expansion included."
        ),
        Rule(
            "join-mismatch",
            Severity.WARNING,
            "A join between tables with a declared foreign key, on columns that are not a declared key pair.",
        ),
        Rule("unsafe-dml", Severity.WARNING, "A DELETE or UPDATE without WHERE, which changes every row of its table."),
        Rule(
            "column-count-mismatch",
            Severity.ERROR,
            "An INSERT whose values or SELECT give a different number of columns than its target, "
            "or set-operation branches of different widths.",
        ),
        Rule(
            "ungrouped-column",
            Severity.ERROR,
            "In an aggregating query, a column outside any aggregate and not in GROUP BY.",
        ),
        Rule(
            "type-mismatch",
            Severity.ERROR,
            "A comparison whose two sides' types the dialect cannot compare, when both types are known.",
        ),
        Rule("config-error", Severity.ERROR, "The domain-lsp configuration is invalid."),
        Rule(
            "missing-input",
            Severity.ERROR,
            "Something the config names is not there: a schema glob matching no file, an inventory file, "
            "a Python environment; the checks that need it are off, so the gate fails.",
        ),
        Rule("source-error", Severity.WARNING, "A schema source could not be read or parsed."),
        Rule("file-error", Severity.WARNING, "A file could not be read as text (binary, invalid UTF-8, unreadable)."),
        Rule(
            "internal-error",
            Severity.ERROR,
            "domain-lsp itself failed on this file, so it was not checked (a bug: please report it).",
        ),
        Rule(
            "analysis-limit",
            Severity.WARNING,
            "A statement too deep or too complex to check; the rest of the file is still checked.",
        ),
        Rule(
            "unknown-package",
            Severity.ERROR,
            "An imported module that no inventory package, installed distribution, stdlib or workspace module provides.",
        ),
        Rule(
            "undeclared-package",
            Severity.WARNING,
            "An imported package that is installed (or on the index) but not in the inventory.",
        ),
        Rule("denied-package", Severity.ERROR, "An imported package the team's policy denies."),
        Rule("unknown-attribute", Severity.ERROR, "A name the installed version of a module does not have."),
        Rule(
            "unknown-argument",
            Severity.ERROR,
            "A keyword argument the installed version of a callable does not accept.",
        ),
        Rule(
            "inventory-error", Severity.WARNING, "An inventory file (requirements, pyproject, lock) could not be read."
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Fix:
    """Replace the text between two offsets; a quick fix offers it. `also`: more replacements
    made with it, as one edit (an import renamed with its uses), never overlapping."""

    title: str
    start: int
    end: int
    new_text: str
    also: tuple[tuple[int, int, str], ...] = ()

    def edits(self) -> list[tuple[int, int, str]]:
        return sorted([(self.start, self.end, self.new_text), *self.also])


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    start: int
    end: int
    severity: Severity | None = None
    fixes: tuple[Fix, ...] = ()
    data: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    @property
    def effective_severity(self) -> Severity:
        return self.severity if self.severity is not None else self.rule.severity

    def shifted(self, delta: int) -> Finding:
        """The same finding with offsets moved by `delta` (statement-relative to file-relative)."""
        return Finding(
            self.code,
            self.message,
            self.start + delta,
            self.end + delta,
            self.severity,
            tuple(
                Fix(
                    f.title,
                    f.start + delta,
                    f.end + delta,
                    f.new_text,
                    tuple((a + delta, b + delta, t) for a, b, t in f.also),
                )
                for f in self.fixes
            ),
            self.data,
        )
