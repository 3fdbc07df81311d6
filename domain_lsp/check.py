"""The headless runner: paths → files → analysis → findings → a CheckRun for a reporter."""

from __future__ import annotations

from pathlib import Path

from domain_lsp.catalog.load import missing_globs
from domain_lsp.config import Config, config_for, find_config, load_config
from domain_lsp.findings import Finding
from domain_lsp.project import CHECKED_SUFFIXES, Project
from domain_lsp.report.model import CheckedFile, CheckRun
from domain_lsp.text import LineIndex
from domain_lsp.workspace import expand

MAX_FILE_BYTES = 20 * 1024 * 1024


def read_text(path: Path) -> tuple[str, list[Finding]]:
    """A file's text, and a file-error finding when it is unreadable, binary or not UTF-8."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return "", [Finding("file-error", f"cannot read: {exc.strerror or exc}", 0, 0)]
    if b"\0" in raw[:8192]:
        return "", [Finding("file-error", "binary file, not checked", 0, 0)]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace")
        offset = len(raw[: exc.start].decode("utf-8", errors="replace"))
        return text, [
            Finding(
                "file-error",
                f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}); checked with replacement characters",
                offset,
                offset + 1,
            )
        ]


class Checker:
    """Checks files, each against the project of its nearest config (one Project per config)."""

    def __init__(self, config_path: Path | None = None) -> None:
        self.fixed_config = load_config(config_path) if config_path is not None else None
        self.projects: dict[Path | None, Project] = {}

    def config_for(self, path: Path) -> Config:
        if self.fixed_config is not None:
            return self.fixed_config
        return config_for(path)

    def project_for(self, path: Path) -> Project:
        if self.fixed_config is not None:
            key: Path | None = self.fixed_config.path
        else:
            found = find_config(path)
            key = found if found is not None else None
        project = self.projects.get(key)
        if project is None:
            config = self.fixed_config or (load_config(key) if key is not None else config_for(path))
            project = self.projects[key] = Project.load(config)
        return project

    def check_file(self, path: Path) -> CheckedFile:
        text, problems = read_text(path)
        lines = LineIndex(text)
        if problems and not text:
            return CheckedFile(path, lines, problems)
        project = self.project_for(path)
        return CheckedFile(path, lines, problems + project.analyze(path, text))

    def source_problems(self) -> list[CheckedFile]:
        """Schema sources that failed to load, and configured globs that match nothing."""
        files: list[CheckedFile] = []
        for project in self.projects.values():
            for report in project.loaded.sources:
                if not report.problems:
                    continue
                text, _ = read_text(report.path)
                lines = LineIndex(text)
                findings = []
                for problem in report.problems:
                    start = min(lines.line_start(problem.line) + problem.character, len(text))
                    end = min(start + 1, len(text))
                    findings.append(Finding("source-error", f"{report.kind} source: {problem.message}", start, end))
                files.append(CheckedFile(report.path, lines, findings))
            config = project.config
            if config.path is not None:
                missing = missing_globs(config)
                if missing:
                    text, _ = read_text(config.path)
                    lines = LineIndex(text)
                    findings = [
                        Finding("source-error", f"schema glob `{glob}` matches no file", *_where(text, glob))
                        for glob in missing
                    ]
                    files.append(CheckedFile(config.path, lines, findings))
        return files


def _where(text: str, needle: str) -> tuple[int, int]:
    start = text.find(needle)
    return (start, start + len(needle)) if start != -1 else (0, 0)


def run_check(paths: list[Path], config_path: Path | None = None) -> CheckRun:
    """Raises ConfigError for an invalid config file; everything else becomes a finding."""
    checker = Checker(config_path)
    files = expand(paths, CHECKED_SUFFIXES)
    checked = [checker.check_file(path) for path in files]
    seen = {c.path.resolve() for c in checked}
    for extra in checker.source_problems():
        if extra.path.resolve() in seen:
            match = next(c for c in checked if c.path.resolve() == extra.path.resolve())
            match.findings.extend(f for f in extra.findings if f not in match.findings)
        else:
            checked.append(extra)
    for item in checked:
        item.findings.sort(key=lambda f: (f.start, f.end, f.code))
    return CheckRun(checked)
