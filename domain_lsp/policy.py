"""Which findings are reported, and at what severity: `[diagnostics]` in the config plus the
command line's `--select`/`--ignore`. One function both front-ends call, so the editor and CI
judge code by the same rules.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from domain_lsp.config import DiagnosticSettings, SeverityOverride
from domain_lsp.findings import RULES, Finding, Severity
from domain_lsp.paths import glob_matches


def _files(pattern: str) -> str:
    """`exports/**` means every file under exports/ (as a glob alone it lists only folders)."""
    return f"{pattern}/*" if pattern.endswith("**") else pattern


class UnknownCode(ValueError):
    """A code that is not in RULES; the message is one line with a did-you-mean."""


def parse_codes(text: str) -> tuple[str, ...]:
    """`unknown-column,unknown-table` → the codes; raises UnknownCode for a code not in RULES."""
    codes = tuple(part.strip() for part in text.split(",") if part.strip())
    if not codes:  # `--select ''` (an unset CI variable) would turn every check off
        raise UnknownCode("no code given; name at least one, see docs/rules.md for the codes")
    for code in codes:
        if code not in RULES:
            close = difflib.get_close_matches(code, list(RULES), n=1, cutoff=0.6)
            hint = f"did you mean `{close[0]}`?" if close else "see docs/rules.md for the codes"
            raise UnknownCode(f"unknown code `{code}`; {hint}")
    return codes


@dataclass(frozen=True)
class Policy:
    select: frozenset[str] | None = None
    """Only these codes are reported; None reports every code."""
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    overrides: tuple[SeverityOverride, ...] = ()
    """Severities for the files some globs match (`[[diagnostics.overrides]]`): see for_path."""

    @classmethod
    def build(
        cls,
        settings: DiagnosticSettings | None = None,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] = (),
    ) -> Policy:
        """The config's settings with command-line codes: `select` replaces the config's
        list, `ignore` adds to it.
        """
        settings = settings or DiagnosticSettings()
        chosen = select if select is not None else settings.select
        return cls(
            select=frozenset(chosen) if chosen is not None else None,
            ignore=frozenset(settings.ignore) | frozenset(ignore),
            severity={code: Severity[name.upper()] for code, name in settings.severity},
            overrides=settings.overrides,
        )

    def for_path(self, path: Path | str) -> Policy:
        """The policy for one file: the severities of every override whose globs match it laid
        over the others, later entries winning; the path decides, not the front-end."""
        if not self.overrides:
            return self
        severity = dict(self.severity)
        for override in self.overrides:
            if any(glob_matches(override.root, _files(pattern), Path(path)) for pattern in override.paths):
                severity.update({code: Severity[name.upper()] for code, name in override.severity})
        return dataclasses.replace(self, severity=severity)

    def allows(self, code: str) -> bool:
        return code not in self.ignore and (self.select is None or code in self.select)

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings to report, in their order, with severities overridden.

        A finding the analysis already softened (a guarded import is only a hint) keeps the
        softer of its own severity and the override: an override never makes it louder.
        """
        kept: list[Finding] = []
        for finding in findings:
            if not self.allows(finding.code):
                continue
            override = self.severity.get(finding.code)
            if override is not None:
                own = finding.severity
                finding = dataclasses.replace(finding, severity=override if own is None else max(own, override))
            kept.append(finding)
        return kept


DEFAULT = Policy()
