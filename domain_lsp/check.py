"""The headless runner: paths → files → analysis → findings → a CheckRun for a reporter."""

from __future__ import annotations

import re
from pathlib import Path

from domain_lsp.catalog.load import SourceReport, missing_globs
from domain_lsp.config import Config, find_config, load_config, vcs_root
from domain_lsp.findings import Finding
from domain_lsp.project import CHECKED_SUFFIXES, Project
from domain_lsp.report.model import CheckedFile, CheckRun
from domain_lsp.text import LineIndex
from domain_lsp.workspace import expand

MAX_FILE_BYTES = 20 * 1024 * 1024
BINARY_PROBE = 8192
_WORD = re.compile(r"[\w$]+|\S")


def read_text(path: Path) -> tuple[str, list[Finding]]:
    """A file's text, and a file-error finding when it is unreadable, binary or not UTF-8.

    A UTF-8 byte-order mark is dropped, as editors do, so positions match what they show.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return "", [Finding("file-error", f"cannot read: {exc.strerror or exc}", 0, 0)]
    if len(raw) > MAX_FILE_BYTES:
        return "", [Finding("file-error", f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, not checked", 0, 0)]
    if b"\0" in raw[:BINARY_PROBE]:
        return "", [Finding("file-error", "binary file (NUL bytes), not checked", 0, 0)]
    raw = raw.removeprefix(b"\xef\xbb\xbf")
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
    """Checks files, each against the project of its nearest config (one Project per config).

    Without a config file the workspace is the enclosing repository, else the current
    folder when the file is below it, else the folder named on the command line.
    """

    def __init__(self, config_path: Path | None = None, cwd: Path | None = None) -> None:
        self.fixed_config = load_config(config_path) if config_path is not None else None
        self.cwd = (cwd or Path.cwd()).resolve()
        self.projects: dict[Path, Project] = {}
        self.folders: dict[Path, tuple[Path, Path | None]] = {}
        """A folder's project key (its config file, or its workspace root) and config file."""

    def default_root(self, path: Path, argument: Path) -> Path:
        real = path.resolve()
        top = vcs_root(real)
        if top is not None:
            return top
        if real.is_relative_to(self.cwd):
            return self.cwd
        argument = argument.resolve()
        return argument if argument.is_dir() else argument.parent

    def project_for(self, path: Path, argument: Path) -> Project:
        folder = path.parent
        where = self.folders.get(folder)
        if where is None:  # the files of one folder share their config: look it up once
            config_file = self.fixed_config.path if self.fixed_config is not None else find_config(path)
            where = self.folders[folder] = (config_file or self.default_root(path, argument), config_file)
        key, config_file = where
        project = self.projects.get(key)
        if project is None:
            if self.fixed_config is not None:
                config = self.fixed_config
            elif config_file is not None:
                config = load_config(config_file)
            else:
                config = Config(root=key)
            project = self.projects[key] = Project.load(config)
        return project

    def check_file(self, path: Path, argument: Path) -> CheckedFile:
        text, problems = read_text(path)
        lines = LineIndex(text)
        if problems and not text:
            return CheckedFile(path, lines, problems)
        project = self.project_for(path, argument)
        try:
            findings = project.analyze(path, text)
        except Exception as exc:  # one file's crash must not stop the run; say so on the file
            message = f"internal error, file not checked ({type(exc).__name__}: {exc}); please report it"
            findings = [Finding("file-error", " ".join(message.split()), 0, 0)]
        return CheckedFile(path, lines, problems + findings)

    def source_problems(self) -> list[CheckedFile]:
        """Schema sources that failed to load, and configured globs that match nothing."""
        files: list[CheckedFile] = []
        for project in self.projects.values():
            files.extend(_source_file(report) for report in project.loaded.sources if report.problems)
            config = project.config
            missing = missing_globs(config) if config.path is not None else []
            if config.path is not None and missing:
                text, _ = read_text(config.path)
                findings = [
                    Finding("source-error", f"schema glob `{glob}` matches no file", *_where(text, glob))
                    for glob in missing
                ]
                files.append(CheckedFile(config.path, LineIndex(text), findings))
        return files


def _source_file(report: SourceReport) -> CheckedFile:
    text, _ = read_text(report.path)
    lines = LineIndex(text)
    findings = []
    for problem in report.problems:
        start = min(lines.line_start(problem.line) + problem.character, len(text))
        word = _WORD.match(text, start)
        end = word.end() if word else start
        findings.append(Finding("source-error", f"{report.kind} source: {problem.message}", start, end))
    return CheckedFile(report.path, lines, findings)


def _where(text: str, needle: str) -> tuple[int, int]:
    start = text.find(needle)
    return (start, start + len(needle)) if start != -1 else (0, 0)


def run_check(paths: list[Path], config_path: Path | None = None) -> CheckRun:
    """Raises ConfigError for an invalid config file; everything else becomes a finding."""
    checker = Checker(config_path)
    checked = [checker.check_file(path, argument) for path, argument in expand(paths, CHECKED_SUFFIXES)]
    count = len(checked)
    by_path = {c.path.resolve(): c for c in checked}
    for extra in checker.source_problems():
        match = by_path.get(extra.path.resolve())
        if match is None:
            by_path[extra.path.resolve()] = extra
            checked.append(extra)
            continue
        # A schema file that is also checked already shows its syntax and encoding problems.
        taken = {f.start for f in match.findings if f.code in ("syntax-error", "file-error")}
        match.findings.extend(f for f in extra.findings if f.start not in taken and f not in match.findings)
    for item in checked:
        item.findings.sort(key=lambda f: (f.start, f.end, f.code))
    return CheckRun(checked, count)
