"""What a check run produced, in the shape the writers read."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from domain_lsp.findings import Finding, Severity
from domain_lsp.text import LineIndex


@dataclass
class CheckedFile:
    path: Path
    lines: LineIndex
    findings: list[Finding] = field(default_factory=list)

    @property
    def display_path(self) -> str:
        """Relative to the current directory, with `/` separators, as editors and CI print paths."""
        try:
            return Path(os.path.relpath(self.path)).as_posix()
        except ValueError:  # another drive on Windows
            return self.path.as_posix()

    def repo_path(self, root: Path) -> str | None:
        """Relative to `root` (the repository's top), with `/` separators; None outside it. A
        link is named as written, by its own name, not by where it points."""
        try:
            return (self.path.parent.resolve() / self.path.name).relative_to(root).as_posix()
        except ValueError:
            return None


@dataclass
class CheckRun:
    files: list[CheckedFile]
    """Checked files, then schema sources and config files that have problems to show."""
    checked: int | None = None
    """How many files were checked; None counts `files`."""
    root: Path | None = None
    """The repository's top folder (else the current one): SARIF and GitHub paths start there."""

    @property
    def base(self) -> Path:
        return (self.root or Path.cwd()).resolve()

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.files for d in f.findings if d.effective_severity == severity)

    @property
    def has_errors(self) -> bool:
        return self.count(Severity.ERROR) > 0
