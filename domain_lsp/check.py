"""The headless runner: paths → files → analysis → findings → a CheckRun for a reporter.

Files may be split across processes (`jobs`), across machines (`shard`), and the findings kept
to the lines a branch changed (`diff`); the output is the same whichever way the work is split.
"""

from __future__ import annotations

import gc
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

from domain_lsp.analysis.sql.cache import read_once
from domain_lsp.analysis.sql.native import say_if_parser_missing
from domain_lsp.catalog.load import SourceReport, glob_problems
from domain_lsp.config import Config, find_config, load_config, load_named_config, vcs_root
from domain_lsp.findings import Finding, Severity
from domain_lsp.gitdiff import changed_lines, touches
from domain_lsp.inventory.model import Inventory, InventoryProblem, normalize
from domain_lsp.inventory.report import inventory_findings
from domain_lsp.paths import Boundary, read_file
from domain_lsp.policy import Policy
from domain_lsp.project import CHECKED_SUFFIXES, Project
from domain_lsp.report.model import CheckedFile, CheckRun
from domain_lsp.text import LineIndex
from domain_lsp.trust import workspace_trusted
from domain_lsp.workspace import expand

MAX_FILE_BYTES = 20 * 1024 * 1024
BINARY_PROBE = 8192
_WORD = re.compile(r"[\w$]+|\S")


def read_text(path: Path, boundary: Boundary | None = None) -> tuple[str, list[Finding]]:
    """A file's text, and a file-error finding when it is unreadable, binary or not UTF-8.

    Only a regular file is read (a FIFO or a device named *.sql would block); with `boundary`,
    only inside it (None: a file the user named, or one found below a folder they named). A
    UTF-8 byte-order mark is dropped, as editors do, so positions match what they show.
    """
    try:
        raw = read_file(path, MAX_FILE_BYTES, boundary)
    except OSError as exc:
        return "", [Finding("file-error", f"{exc}, not checked", 0, 0)]
    return decode_text(raw)


def decode_text(raw: bytes) -> tuple[str, list[Finding]]:
    """A file's bytes as text: binary is not checked, invalid UTF-8 is checked with replacement
    characters (and said once, at the first bad byte), a byte-order mark is dropped."""
    if b"\0" in raw[:BINARY_PROBE]:
        return "", [Finding("file-error", "binary file (NUL bytes), not checked", 0, 0)]
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace")
        offset = len(raw[: exc.start].decode("utf-8", errors="replace"))
        message = f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}); checked with replacement characters"
        return text, [Finding("file-error", message, offset, offset + 1)]


class Checker:
    """Checks files, each against the project of its nearest config (one Project per config).

    Without a config file the workspace is the enclosing repository, else the current
    folder when the file is below it, else the folder named on the command line.
    """

    def __init__(
        self,
        config_path: Path | None = None,
        cwd: Path | None = None,
        select: tuple[str, ...] | None = None,
        ignore: tuple[str, ...] = (),
        trusted: bool | None = None,
    ) -> None:
        self.fixed_config = load_named_config(config_path, cwd or Path.cwd()) if config_path is not None else None
        self.trusted = trusted
        """`--trust` True, `--no-trust` False; None lets the user's settings decide per workspace."""
        self.cwd = (cwd or Path.cwd()).resolve()
        self.select = select
        self.ignore = ignore
        self.projects: dict[Path, Project] = {}
        self.policies: dict[Path, Policy] = {}
        self.folders: dict[Path, tuple[Path, Path | None]] = {}
        """A folder's project key (its config file, or its workspace root) and config file."""

    def default_root(self, path: Path, argument: Path) -> Path:
        # The folder the file is written in decides, not a link's target (`0.sql -> /dev/null`).
        written = Path(os.path.abspath(path)).parent.resolve() / path.name
        top = vcs_root(written)
        if top is not None:
            return top
        if written.is_relative_to(self.cwd):
            return self.cwd
        argument = argument.resolve()
        return argument if argument.is_dir() else argument.parent

    def project_key(self, path: Path, argument: Path) -> Path:
        folder = path.parent
        where = self.folders.get(folder)
        if where is None:  # the files of one folder share their config: look it up once
            config_file = self.fixed_config.path if self.fixed_config is not None else find_config(path)
            where = self.folders[folder] = (config_file or self.default_root(path, argument), config_file)
        return where[0]

    def project_for(self, path: Path, argument: Path) -> Project:
        key = self.project_key(path, argument)
        config_file = self.folders[path.parent][1]
        project = self.projects.get(key)
        if project is None:
            if self.fixed_config is not None:
                config = self.fixed_config
            elif config_file is not None:
                config = load_config(config_file)
            else:
                config = Config(root=key)
            say_if_parser_missing(config.sql.dialect)
            project = self.projects[key] = Project.load(config, trusted=workspace_trusted(config.root, self.trusted))
            self.policies[key] = Policy.build(config.diagnostics, self.select, self.ignore)
            read_once(project.catalog)
            gc.freeze()  # the project lives as long as the run: out of the collector's reach
        return project

    def check_file(self, path: Path, argument: Path) -> CheckedFile:
        text, problems = read_text(path)
        lines = LineIndex(text)
        project = self.project_for(path, argument)
        policy = self.policies[self.project_key(path, argument)].for_path(path)
        if problems and not text:
            return CheckedFile(path, lines, policy.apply(problems))
        try:
            findings = project.analyze(path, text)
        except Exception as exc:  # one file's crash must not stop the run; say so on the file
            message = f"internal error, file not checked ({type(exc).__name__}: {exc}); please report it"
            findings = [Finding("internal-error", " ".join(message.split()), 0, 0)]
        return CheckedFile(path, lines, policy.apply(problems + findings))

    def source_problems(self, key: Path) -> list[CheckedFile]:
        """A loaded project's schema sources that failed to load, and its configured globs
        that match nothing.
        """
        project, policy = self.projects[key], self.policies[key]
        config = project.config
        # The files are read again to place and show the findings: only inside the workspace,
        # so that a link out is named, never quoted.
        boundary = Boundary.of_config(config)
        files = [_source_file(report, policy, boundary) for report in project.loaded.sources if report.problems]
        unread = glob_problems(config, boundary) if config.path is not None else []
        if config.path is not None and unread:
            text, _ = read_text(config.path, boundary)
            # Fail closed: a glob that reads nothing turns every table and column check off.
            findings = [
                Finding(
                    "missing-input", f"schema glob `{glob}` {problem}; fix the path in sql.schemas", *_where(text, glob)
                )
                for glob, problem in unread
            ]
            files.append(CheckedFile(config.path, LineIndex(text), policy.apply(findings)))
        for path, findings in project.inventory_problems().items():
            files.append(CheckedFile(path, LineIndex(read_text(path, boundary)[0]), policy.apply(findings)))
        return [file for file in files if file.findings]


def _source_file(report: SourceReport, policy: Policy, boundary: Boundary) -> CheckedFile:
    text, _ = read_text(report.path, boundary)
    lines = LineIndex(text)
    findings = []
    # A live source that never loaded here and has no copy adds no tables: an error, so the gate
    # fails (its tables would be reported unknown; this says why). With a copy it is a warning.
    unread = report.failed and not any(problem.fallback for problem in report.problems)
    for problem in report.problems:
        start = min(lines.line_start(problem.line) + problem.character, len(text))
        word = _WORD.match(text, start)
        end = word.end() if word else start
        severity = Severity.ERROR if unread else None
        findings.append(Finding("source-error", f"{report.kind} source: {problem.message}", start, end, severity))
    return CheckedFile(report.path, lines, policy.apply(findings))


def _where(text: str, needle: str) -> tuple[int, int]:
    start = text.find(needle)
    return (start, start + len(needle)) if start != -1 else (0, 0)


Checked = tuple[CheckedFile, Path]
"""A checked file and its project's key."""


def check_batch(checker: Checker, files: Iterable[tuple[Path, Path]]) -> list[Checked]:
    return [(checker.check_file(path, argument), checker.project_key(path, argument)) for path, argument in files]


def parse_shard(text: str) -> tuple[int, int]:
    """`2/4` → (2, 4); raises ValueError with a one-line reason."""
    index, slash, count = text.partition("/")
    if not slash or not index.strip().isdigit() or not count.strip().isdigit():
        raise ValueError(f"--shard expects I/N such as 1/4, got `{text}`")
    i, n = int(index), int(count)
    if not 1 <= i <= n:
        raise ValueError(f"--shard {text}: I must be between 1 and N")
    return i, n


def shard_of(path: Path, root: Path, count: int) -> int:
    """The 1-based shard that checks `path`: a hash of its path from the repository's top, so
    every machine of a CI matrix agrees whatever order or subset of files it walks.
    """
    real = path.resolve()
    name = real.relative_to(root).as_posix() if real.is_relative_to(root) else real.as_posix()
    return int.from_bytes(hashlib.sha256(name.encode("utf-8", "surrogateescape")).digest()[:8], "big") % count + 1


def run_check(
    paths: list[Path],
    config_path: Path | None = None,
    *,
    select: tuple[str, ...] | None = None,
    ignore: tuple[str, ...] = (),
    jobs: int | None = 1,
    shard: tuple[int, int] | None = None,
    diff: str | None = None,
    cwd: Path | None = None,
    trusted: bool | None = None,
    strict: bool = False,
) -> CheckRun:
    """Raises ConfigError for an invalid config file and DiffError when `diff` cannot be
    resolved; everything else becomes a finding. `strict` (CI): a declared package that is not
    installed, and so left imports only hinted, is an error on its declaration.

    `jobs` None picks a number of processes from the CPUs and the number of files.
    """
    from domain_lsp.pool import run_batches

    cwd = (cwd or Path.cwd()).resolve()
    root = vcs_root(cwd) or cwd
    files = expand(paths, CHECKED_SUFFIXES)
    if shard is not None:
        files = [item for item in files if shard_of(item[0], root, shard[1]) == shard[0]]
    changed = changed_lines(diff, cwd) if diff is not None else None
    if changed is not None:  # an unchanged file cannot have a finding on a changed line
        files = [item for item in files if item[0].resolve() in changed]
    checker = Checker(config_path, cwd, select, ignore, trusted)
    results = run_batches(checker, files, jobs)
    checked = [file for file, _ in results]
    # This process has loaded every project used (pool.run_batches warms them before forking).
    extras = [extra for key in dict.fromkeys(key for _, key in results) for extra in checker.source_problems(key)]
    if strict:
        extras.extend(uninstalled_declarations(checker, results))
    if shard is not None:  # each source problem once across the shards
        extras = [extra for extra in extras if shard_of(extra.path, root, shard[1]) == shard[0]]
    count = len(checked)
    by_path = {c.path.resolve(): c for c in checked}
    for extra in extras:
        match = by_path.get(extra.path.resolve())
        if match is None:
            by_path[extra.path.resolve()] = extra
            checked.append(extra)
            continue
        # A schema file that is also checked already shows its syntax and encoding problems.
        taken = {f.start for f in match.findings if f.code in ("syntax-error", "file-error", "analysis-limit")}
        match.findings.extend(f for f in extra.findings if f.start not in taken and f not in match.findings)
    for item in checked:
        item.findings.sort(key=lambda f: (f.start, f.end, f.code))
        if changed is not None:
            lines = changed.get(item.path.resolve(), set())
            item.findings[:] = [f for f in item.findings if _on_changed_line(item, f, lines)]
    return CheckRun(checked, count, root)


def uninstalled_declarations(checker: Checker, results: list[Checked]) -> list[CheckedFile]:
    """Strict runs: each declared package whose absence left some import only a hint, as a
    `missing-input` error at its declaration (once per project, however many files import it).
    The imports stay hints: whether the package provides them cannot be told without it."""
    hinted: dict[Path, dict[str, int]] = {}
    for file, key in results:
        for finding in file.findings:
            for module in filter(None, finding.data.get("uninstalled", "").split(",")):
                counts = hinted.setdefault(key, {})
                counts[module] = counts.get(module, 0) + 1
    files: list[CheckedFile] = []
    for key, modules in hinted.items():
        project, policy = checker.projects[key], checker.policies[key]
        context = project.package_context()
        problems: list[InventoryProblem] = []
        for module in sorted(modules):
            for distribution in context.names.declared_by(module):
                declared = context.inventory.declared.get(normalize(distribution))
                if declared is None:
                    continue
                count = modules[module]
                problems.append(
                    InventoryProblem(
                        declared.path,
                        f"`{declared.name}` is declared but not installed in the environment imports are judged "
                        f"against, so {count} unknown import{'s' if count != 1 else ''} beside `import {module}` "
                        "could only be hinted; install the project's dependencies in the job, or point "
                        "python.environment at the environment that has them",
                        declared.line,
                        _column_of(declared.path, declared.line, declared.name),
                        "missing-input",
                    )
                )
        by_path = inventory_findings(Inventory(problems=problems))
        boundary = Boundary.of_config(project.config)
        for path, findings in by_path.items():
            files.append(CheckedFile(path, LineIndex(read_text(path, boundary)[0]), policy.apply(findings)))
    return [file for file in files if file.findings]


def _column_of(path: Path, line: int, name: str) -> int:
    """Where `name` is written on 1-based `line` of `path` (0 when it cannot be found)."""
    text, _ = read_text(path)
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return 0
    found = lines[line - 1].lower().find(name.lower())
    return max(found, 0)


def _on_changed_line(item: CheckedFile, finding: Finding, lines: set[int] | None) -> bool:
    first = item.lines.line_col(finding.start)[0] + 1
    last = item.lines.line_col(max(finding.start, finding.end - 1))[0] + 1  # the last character's line
    return touches(lines, first, last)
