"""Typed settings from `domain-lsp.toml` or `[tool.domain-lsp]` in `pyproject.toml`.

Every key has a default, so a workspace without a config file works. A broken file raises
`ConfigError` naming the file, the key and the problem; front-ends decide how to show it.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from domain_lsp.findings import RULES
from domain_lsp.paths import VCS_MARKERS as VCS_MARKERS  # re-exported: it lives with the reader now
from domain_lsp.paths import Boundary, TooLarge, Unreadable, read_file, vcs_root

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILE = "domain-lsp.toml"
PYPROJECT = "pyproject.toml"
TOOL_TABLE = ("tool", "domain-lsp")
MAX_CONFIG_BYTES = 1024 * 1024
"""A config is a few dozen lines; a bigger file is refused rather than parsed."""
MAX_NESTING = 64
"""Arrays and inline tables nested deeper than this are refused before parsing: tomllib recurses
once per level and a few thousand levels end in a RecursionError."""

SOURCE_KINDS = ("postgres", "sqlite", "duckdb", "http")
SOURCE_KEYS = ("kind", "dsn_env", "path", "url", "token_env", "schemas", "timeout", "refresh_interval", "tls_verify")

# The accepted keys, by table; the docs (docs/configuration.md) describe each one.
KEYS: dict[str, tuple[str, ...]] = {
    "": ("sql", "packages", "python", "diagnostics", "conventions"),
    "sql": ("dialect", "schemas", "search_path", "sources"),
    "sql.sources": SOURCE_KEYS,
    "packages": ("inventory", "allow", "deny", "index"),
    "python": ("environment",),
    "diagnostics": ("select", "ignore", "severity", "overrides"),
    "conventions": ("pii", "deprecated", "required_filters"),
}
SEVERITY_NAMES = ("error", "warning", "information", "hint")


class ConfigError(Exception):
    """An invalid configuration: `path:line: key: problem`, always on one line."""

    def __init__(self, path: Path, key: str, problem: str, line: int | None = None) -> None:
        self.path = path
        self.key = key
        self.problem = " ".join(problem.split())  # one line, whatever the parser said
        self.line = line  # 1-based, when known
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {key}: {self.problem}" if key else f"{where}: {self.problem}")


@dataclass(frozen=True)
class SqlSettings:
    dialect: str = ""
    """A sqlglot dialect name; "" is sqlglot's generic dialect."""
    schemas: tuple[str, ...] | None = None
    """Globs of schema sources relative to the config file; None discovers them."""
    search_path: tuple[str, ...] = ()
    sources: tuple[SourceSettings, ...] = ()
    """Live schema sources: `[[sql.sources]]` entries."""


@dataclass(frozen=True)
class SourceSettings:
    """One `[[sql.sources]]` entry: a database or HTTP catalog read at load time. Secrets are
    never here, only the names of the environment variables that hold them.
    """

    kind: str
    """One of SOURCE_KINDS."""
    dsn_env: str | None = None
    path: str | None = None
    url: str | None = None
    token_env: str | None = None
    schemas: tuple[str, ...] = ()
    """Only these schemas; empty reads every schema but the system ones."""
    timeout: float = 10.0
    """Seconds for connecting and for each query or request."""
    refresh_interval: float = 0.0
    """Seconds between reloads of a live source; 0 reloads only on demand (or a file change)."""
    tls_verify: bool = True
    line: int | None = None
    """Where the entry is written in the config file (1-based), for messages."""

    @property
    def name(self) -> str:
        """How messages name the source: never a DSN or token, only where they come from."""
        url = re.sub(r"//[^/@]*@", "//", self.url) if self.url else None  # no user:password@
        where = self.path or url or (f"${self.dsn_env}" if self.dsn_env else "")
        return f"{self.kind} {where}".strip()


@dataclass(frozen=True)
class PackageSettings:
    inventory: tuple[str, ...] | None = None
    """Globs of requirements/pyproject/lock files relative to the config file; None discovers them."""
    allow: tuple[str, ...] = ()
    """Extra top-level modules that are always fine (internal tools, vendored code)."""
    deny: tuple[tuple[str, str], ...] = ()
    """(package or module, reason) pairs the team has banned."""
    index: str | None = None
    """The team's package index (PEP 503/691 simple API URL)."""


@dataclass(frozen=True)
class PythonSettings:
    environment: str | None = None
    """Interpreter or virtual environment whose installed packages count; None discovers it."""


@dataclass(frozen=True)
class DiagnosticSettings:
    select: tuple[str, ...] | None = None
    """Only these codes are reported; None reports every code."""
    ignore: tuple[str, ...] = ()
    """Codes never reported (wins over `select`)."""
    severity: tuple[tuple[str, str], ...] = ()
    """(code, severity name) overrides of a rule's default severity."""
    overrides: tuple[SeverityOverride, ...] = ()
    """`[[diagnostics.overrides]]`: severities for the files some globs match, in file order."""


@dataclass(frozen=True)
class SeverityOverride:
    """One `[[diagnostics.overrides]]` entry: `severity` for the files `paths` match (globs
    relative to `root`, the config's folder, with the semantics of `sql.schemas`)."""

    root: Path
    paths: tuple[str, ...]
    severity: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Convention:
    """One `[conventions]` entry: a column tagged PII, a table or column deprecated, or a table's
    required filters. Applied to the loaded catalog (catalog/conventions.py), where a name that
    matches nothing is a problem on `line`."""

    kind: str
    """"pii", "deprecated" or "required_filters"."""
    name: str
    """As written: "core.customer.email", "sales.orders_v1"."""
    note: str = ""
    """A deprecation's note ("use sales.orders")."""
    columns: tuple[str, ...] = ()
    """A table's required filters."""
    line: int | None = None
    """Where the entry is written in the config file (1-based)..."""
    character: int = 0
    """...and the 0-based character where its name starts."""


@dataclass(frozen=True)
class Config:
    root: Path
    """The folder that relative paths and globs start from."""
    path: Path | None = None
    """The file the settings came from; None for the defaults."""
    read_roots: tuple[Path, ...] = ()
    """Never read from the file: folders beyond the config's own workspace whose files it may
    read, by the user's choice (the workspace that `check --config FILE` checks)."""
    sql: SqlSettings = field(default_factory=SqlSettings)
    packages: PackageSettings = field(default_factory=PackageSettings)
    python: PythonSettings = field(default_factory=PythonSettings)
    diagnostics: DiagnosticSettings = field(default_factory=DiagnosticSettings)
    conventions: tuple[Convention, ...] = ()
    """`[conventions]`: metadata the team keeps nowhere else, in the order written."""
    problems: tuple[ConfigError, ...] = field(default=(), compare=False)
    """A lenient load's problems (load_config(lenient=True), the language server's): each key
    that is unknown or invalid, reported and left at its default; every valid key applies."""
    trusted: bool = False
    """Never read from the file: the front-end sets it from the user's choice (domain_lsp.trust).
    Untrusted, the workspace's own interpreter never runs and no host the workspace names is
    contacted unless the user allowed it."""


def dialect_names() -> list[str]:
    from sqlglot.dialects.dialect import Dialects

    return sorted(d.value for d in Dialects if d.value)


def find_config(start: Path) -> Path | None:
    """The nearest domain-lsp.toml, or pyproject.toml with [tool.domain-lsp], at or above start.

    In one folder domain-lsp.toml wins over pyproject.toml. The search starts in the folder the
    path is written in, not where a link points: a link `0.sql -> /dev/null` is governed by the
    config of the folder that holds it. A domain-lsp.toml that is there but is no regular file
    is still returned, so loading it fails loudly instead of the folder silently losing its
    config.
    """
    start = Path(os.path.abspath(start))
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        own = candidate / CONFIG_FILE
        if os.path.lexists(own):
            return own
        pyproject = candidate / PYPROJECT
        if pyproject.is_file() and _declares_tool_table(pyproject):
            return pyproject
    return None


def workspace_root(start: Path) -> Path:
    """Where a workspace without a config file begins: the enclosing repository's top folder,
    else `start` itself (its folder, for a file, as written: not a link's target).
    """
    start = Path(os.path.abspath(start))
    return vcs_root(start) or (start if start.is_dir() else start.parent).resolve()


# `[tool.domain-lsp]`, `[tool.domain-lsp.sql]` or `[tool."domain-lsp"]`.
_TOOL_HEADER = re.compile(r"""^\s*\[\s*tool\s*\.\s*["']?domain-lsp["']?\s*[.\]]""", re.MULTILINE)


def _declares_tool_table(pyproject: Path) -> bool:
    # A textual check, so an unrelated broken pyproject.toml is never reported as our error.
    try:
        text = read_file(pyproject, MAX_CONFIG_BYTES, Boundary.of(pyproject.parent)).decode("utf-8", "replace")
    except OSError:
        return False
    return _TOOL_HEADER.search(text) is not None


def load_config(path: Path, lenient: bool = False) -> Config:
    """Read and validate a config file; raises ConfigError. The file must resolve inside its
    own workspace (or a folder the user allowed): a committed `domain-lsp.toml` linking to a
    file elsewhere on the machine is refused, never parsed into messages.

    `lenient` (the language server): a key that is unknown or invalid is one of the config's
    `problems` and keeps its default, so a typo in one key does not throw the others away. A
    file that cannot be read or is not TOML still raises. `check` is strict: a CI gate stops
    at the first problem rather than run with part of its config."""
    try:
        raw = read_file(path, MAX_CONFIG_BYTES, Boundary.of(path.parent))
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "", f"not UTF-8 text (byte {exc.start})") from None
    except TooLarge as exc:
        raise ConfigError(path, "", f"{exc}; a config is refused rather than read") from None
    except Unreadable as exc:
        raise ConfigError(path, "", str(exc)) from None
    text = text.removeprefix("\ufeff")
    deep = _too_deep(text)
    if deep is not None:
        raise ConfigError(path, "", f"arrays or inline tables nested more than {MAX_NESTING} deep", deep)
    try:
        document = tomllib.loads(text)
    except RecursionError:
        raise ConfigError(path, "", "nested too deeply to read") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        if match:
            line: int | None = int(match.group(1))
            message = f"{message[: match.start()].strip()} (column {match.group(2)})"
        else:
            line = text.count("\n") + 1 if "end of document" in message else None
            message = re.sub(r"\s*\(at end of document\)", " at the end of the file", message)
        raise ConfigError(path, "", f"invalid TOML: {message}", line) from None
    prefix: tuple[str, ...] = ()
    if path.name == PYPROJECT:
        prefix = TOOL_TABLE
        table: Any = document
        for part in prefix:
            table = table.get(part) if isinstance(table, dict) else None
        if table is None:
            raise ConfigError(path, "", "no [tool.domain-lsp] table in this file")
    else:
        table = document
    return _Validator(path, text, prefix, lenient).config(table)


def _too_deep(text: str) -> int | None:
    """The 1-based line where arrays or inline tables first nest deeper than MAX_NESTING, or
    None. A scan of brackets outside strings and comments; table headers count as one level."""
    depth = 0
    line = 1
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char == "\n":
            line += 1
        elif char == "#":
            stop = text.find("\n", i)
            i = end if stop == -1 else stop
            continue
        elif char in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else char
            i += len(quote)
            while i < end and not text.startswith(quote, i):
                if text[i] == "\n":
                    if len(quote) == 1:
                        break  # an unterminated one-line string: the parser will say so
                    line += 1
                elif text[i] == "\\" and quote[0] == '"':
                    i += 1  # the escaped character, which may be a line break
                    line += text.startswith("\n", i)
                i += 1
            else:
                i += len(quote)
            continue
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None


def load_named_config(path: Path, workspace: Path, lenient: bool = False) -> Config:
    """A config file the user named (`--config FILE`, the editor's `configPath`): what it lists
    may also be read in `workspace` (its repository), wherever the file itself lies."""
    folder = Path(os.path.abspath(workspace))
    return replace(load_config(path, lenient), read_roots=(vcs_root(folder) or folder,))


def config_for(start: Path) -> Config:
    """The config governing `start`, or defaults rooted at its workspace when there is none."""
    path = find_config(start)
    if path is None:
        return Config(root=workspace_root(start))
    return load_config(path)


def _normal_key(raw: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in raw.split("."))


T = TypeVar("T")


class _Validator:
    def __init__(self, path: Path, text: str, prefix: tuple[str, ...], lenient: bool = False) -> None:
        self.path = path
        self.text = text
        self.prefix = prefix
        self.lenient = lenient
        self.problems: list[ConfigError] = []

    def keep(self, default: T, read: Callable[[], T]) -> T:
        """`read()`, or in a lenient load its problem noted and `default` kept."""
        try:
            return read()
        except ConfigError as error:
            if not self.lenient:
                raise
            self.problems.append(error)
            return default

    def fail(self, key: str, problem: str) -> ConfigError:
        full = (*self.prefix, *(key.split(".") if key else ()))
        return ConfigError(self.path, ".".join(full), problem, self._line_of(full))

    def _line_of(self, full: tuple[str, ...]) -> int | None:
        """The 1-based line where a key is written; for a key inside an inline table
        (`sql = { dialect = "x" }`), the line of the enclosing key.
        """
        written: dict[tuple[str, ...], int] = {}
        table: tuple[str, ...] = ()
        for number, line in enumerate(self.text.splitlines(), 1):
            header = re.match(r"^\s*\[\[?([^\]]+)\]", line)
            if header:
                table = _normal_key(header.group(1))
                written.setdefault(table, number)
                continue
            assignment = re.match(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=", line)
            if assignment:
                written.setdefault((*table, *_normal_key(assignment.group(1))), number)
        for length in range(len(full), len(self.prefix), -1):
            if full[:length] in written:
                return written[full[:length]]
        return None

    def check_keys(self, table: dict[str, Any], where: str) -> None:
        known = KEYS[where]
        for key in table:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(known)}"
                error = self.fail(f"{where}.{key}" if where else key, f"unknown key; {hint}")
                if not self.lenient:
                    raise error
                self.problems.append(error)  # an unknown key is read by nothing: ignoring it is all it takes

    def table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a table, got {_kind(value)}")
        return value

    def string(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"expected a string, got {_kind(value)}")
        if "\0" in value:  # no path, name or URL holds one; os calls raise on it
            raise self.fail(key, "holds a NUL character (\\u0000)")
        return value

    def strings(self, value: Any, key: str) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(key, f"expected a list of strings, got {_kind(value)}")
        for item in value:
            if not isinstance(item, str):
                raise self.fail(key, f"expected a list of strings, one item is {_kind(item)}")
            if not item.strip():
                raise self.fail(key, "expected a list of strings, one item is empty")
            self.string(item, key)
        return tuple(item.strip() for item in value)

    def globs(self, value: Any, key: str) -> tuple[str, ...]:
        """File patterns: each must end in a file name (a folder, `.` or `**` lists folders,
        which are never read). Absolute and `..` patterns are accepted here; what they match is
        read only inside the workspace or a folder the user allowed."""
        patterns = self.strings(value, key)
        for pattern in patterns:
            parts = [part for part in pattern.replace("\\", "/").split("/") if part]
            if not parts or parts[-1] in (".", "..", "**") or pattern.endswith(("/", "\\")):
                raise self.fail(
                    key, f"`{pattern}` names folders, not files; end it with a file pattern such as `*.sql`"
                )
        return patterns

    def dialect(self, value: Any) -> str:
        dialect = self.string(value, "sql.dialect").strip().lower()
        names = dialect_names()
        if dialect and dialect not in names:
            close = difflib.get_close_matches(dialect, names, n=1, cutoff=0.6)
            hint = f"did you mean `{close[0]}`?" if close else "see docs/configuration.md for the dialect names"
            raise self.fail("sql.dialect", f"unknown dialect `{dialect}`; {hint}")
        return dialect

    def config(self, document: Any) -> Config:
        document = self.table(document, "") if self.prefix else document
        self.check_keys(document, "")
        keep = self.keep

        def section(name: str) -> dict[str, Any]:
            empty: dict[str, Any] = {}
            table = keep(empty, lambda: self.table(document.get(name, {}), name))
            self.check_keys(table, name)
            return table

        sql, packages, python, diagnostics = (
            section("sql"),
            section("packages"),
            section("python"),
            section("diagnostics"),
        )
        schemas = keep(None, lambda: self.globs(sql["schemas"], "sql.schemas") if "schemas" in sql else None)
        folder = Path(os.path.abspath(self.path.parent)).resolve()
        config = Config(
            root=folder,
            path=folder / self.path.name,  # as written: a linked config stays named by its link
            sql=SqlSettings(
                dialect=keep("", lambda: self.dialect(sql.get("dialect", ""))),
                schemas=schemas,
                search_path=keep((), lambda: self.strings(sql.get("search_path", []), "sql.search_path")),
                sources=keep((), lambda: self.sources(sql.get("sources", []))),
            ),
            packages=PackageSettings(
                inventory=keep(
                    None,
                    lambda: (
                        self.globs(packages["inventory"], "packages.inventory") if "inventory" in packages else None
                    ),
                ),
                allow=keep((), lambda: self.strings(packages.get("allow", []), "packages.allow")),
                deny=keep((), lambda: self.deny(packages.get("deny", {}))),
                index=keep(
                    None,
                    lambda: (
                        self.string(packages["index"], "packages.index").strip() or None
                        if "index" in packages
                        else None
                    ),
                ),
            ),
            python=PythonSettings(
                environment=keep(
                    None,
                    lambda: (
                        self.string(python["environment"], "python.environment").strip() or None
                        if "environment" in python
                        else None
                    ),
                ),
            ),
            diagnostics=DiagnosticSettings(
                select=keep(
                    None,
                    lambda: (
                        self.codes(diagnostics["select"], "diagnostics.select") if "select" in diagnostics else None
                    ),
                ),
                ignore=keep((), lambda: self.codes(diagnostics.get("ignore", []), "diagnostics.ignore")),
                severity=keep((), lambda: self.severities(diagnostics.get("severity", {}))),
                overrides=keep((), lambda: self.overrides(diagnostics.get("overrides", []), folder)),
            ),
            conventions=keep((), lambda: self.conventions(document.get("conventions", {}))),
        )
        problems = sorted(self.problems, key=lambda problem: (problem.line or 0, problem.key))  # in file order
        return replace(config, problems=tuple(problems)) if problems else config

    def conventions(self, value: Any) -> tuple[Convention, ...]:
        """`pii = ["core.customer.email"]`, `[conventions.deprecated] "sales.orders_v1" = "use
        sales.orders"`, `[conventions.required_filters] "analytics.events" = ["event_date"]`."""
        table = self.table(value, "conventions")
        self.check_keys(table, "conventions")
        found: list[Convention] = []
        for name in self.strings(table.get("pii", []), "conventions.pii"):
            if not dotted_parts(name):
                raise self.fail("conventions.pii", f"`{name}` is not a table or column name")
            if len(dotted_parts(name)) < 2:
                raise self.fail(
                    "conventions.pii", f"`{name}` is not a column; write table.column (core.customer.email)"
                )
            found.append(Convention("pii", name, **self._where_named(name, "pii")))
        deprecated = self.table(table.get("deprecated", {}), "conventions.deprecated")
        for name, note in deprecated.items():
            key = f"conventions.deprecated.{name}"
            if note is not True and not isinstance(note, str):
                raise self.fail(key, f'expected the note ("use sales.orders") or true, got {_kind(note)}')
            where = self._where_named(name, "deprecated")
            found.append(
                Convention("deprecated", name, "" if note is True else self.string(note, key).strip(), **where)
            )
        required = self.table(table.get("required_filters", {}), "conventions.required_filters")
        for name, columns in required.items():
            key = f"conventions.required_filters.{name}"
            listed = self.strings(columns, key)
            if not listed:
                raise self.fail(key, "expected the columns a query must filter on, got an empty list")
            found.append(
                Convention("required_filters", name, columns=listed, **self._where_named(name, "required_filters"))
            )
        for convention in found:
            if not dotted_parts(convention.name):
                raise self.fail(f"conventions.{convention.kind}", f"`{convention.name}` is not a table or column name")
        return tuple(found)

    def _where_named(self, name: str, key: str) -> dict[str, Any]:
        """Where a conventions entry names `name` (quoted, as TOML needs a dotted name to be),
        searched from the header of its own table (`[conventions.deprecated]`, else
        `[conventions]`): `line` (1-based) and `character`; else the line of its key."""
        start = 0
        tool = r"(?:tool\s*\.\s*[\"']?domain-lsp[\"']?\s*\.\s*)?"
        for table in (rf"conventions\s*\.\s*{key}\s*\]", r"conventions\s*[.\]]"):
            header = re.search(rf"^\s*\[\s*{tool}{table}", self.text, re.MULTILINE)
            if header is not None:
                start = header.start()
                break
        quoted = re.compile(r"([\"'])" + re.escape(name) + r"\1")
        match = quoted.search(self.text, start) or quoted.search(self.text)
        if match is None:
            return {"line": self._line_of((*self.prefix, "conventions", key))}
        line_start = self.text.rfind("\n", 0, match.start()) + 1
        return {"line": self.text.count("\n", 0, match.start()) + 1, "character": match.start() - line_start}

    def codes(self, value: Any, key: str) -> tuple[str, ...]:
        codes = self.strings(value, key)
        for code in codes:
            if code not in RULES:
                raise self.fail(key, f"unknown code `{code}`; {_hint(code, list(RULES), 'see docs/rules.md')}")
        return codes

    def overrides(self, value: Any, root: Path) -> tuple[SeverityOverride, ...]:
        """`[[diagnostics.overrides]]` entries: `paths` (globs) and `severity` (code → severity)."""
        if not isinstance(value, list):
            raise self.fail("diagnostics.overrides", f"expected an array of tables, got {_kind(value)}")
        found: list[SeverityOverride] = []
        for i, entry in enumerate(value):
            where = f"diagnostics.overrides[{i + 1}]"
            table = self.table(entry, where)
            unknown = sorted(set(table) - {"paths", "severity"})
            if unknown:
                raise self.fail(
                    "diagnostics.overrides", f"{where}: unknown key `{unknown[0]}`; expected paths, severity"
                )
            if "paths" not in table:
                raise self.fail(
                    "diagnostics.overrides", f"{where}: `paths` is missing (globs of the files it applies to)"
                )
            paths = self.strings(table["paths"], "diagnostics.overrides")
            severity = self.severities(table.get("severity", {}), "diagnostics.overrides")
            found.append(SeverityOverride(root, paths, severity))
        return tuple(found)

    def severities(self, value: Any, where: str = "diagnostics.severity") -> tuple[tuple[str, str], ...]:
        """`severity = { "unknown-column" = "warning" }`."""
        table = self.table(value, where)
        for code, name in table.items():
            key = f"{where}.{code}" if where == "diagnostics.severity" else where
            if code not in RULES:
                raise self.fail(key, f"unknown code `{code}`; {_hint(code, list(RULES), 'see docs/rules.md')}")
            if self.string(name, key).strip().lower() not in SEVERITY_NAMES:
                hint = _hint(name.strip().lower(), list(SEVERITY_NAMES), f"use one of {', '.join(SEVERITY_NAMES)}")
                raise self.fail(key, f"unknown severity `{name}`; {hint}")
        return tuple((code, str(name).strip().lower()) for code, name in table.items())

    def sources(self, value: Any) -> tuple[SourceSettings, ...]:
        """`[[sql.sources]]` entries; a problem names the entry by its 1-based number."""
        if not isinstance(value, list):
            raise self.fail("sql.sources", f"expected an array of tables ([[sql.sources]]), got {_kind(value)}")
        headers = [m.start() for m in re.finditer(r"^\s*\[\[[^\]]*sources\s*\]\]", self.text, re.MULTILINE)]
        entries: list[SourceSettings] = []
        for i, entry in enumerate(value):
            read = self.keep(None, functools.partial(self.source, entry, i, headers))
            if read is not None:  # lenient: a broken entry is left out
                entries.append(read)
        return tuple(entries)

    def source(self, entry: Any, index: int, headers: list[int]) -> SourceSettings:
        start = headers[index] if index < len(headers) else None
        line = (
            self.text.count("\n", 0, start) + 1
            if start is not None
            else self._line_of((*self.prefix, "sql", "sources"))
        )
        where = f"sql.sources[{index + 1}]"

        def fail(key: str, problem: str) -> ConfigError:
            full = ".".join((*self.prefix, f"{where}.{key}" if key else where))
            written = None
            if start is not None and key:
                match = re.compile(rf"^\s*{re.escape(key)}\s*=", re.MULTILINE).search(self.text, start)
                written = self.text.count("\n", 0, match.start()) + 1 if match else None
            return ConfigError(self.path, full, problem, written or line)

        if not isinstance(entry, dict):
            raise fail("", f"expected a table, got {_kind(entry)}")
        for key in entry:
            if key not in SOURCE_KEYS:
                close = difflib.get_close_matches(key, SOURCE_KEYS, n=1, cutoff=0.6)
                secret = "never write a secret here: name the environment variable that holds it"
                hint = (
                    secret
                    if key in ("dsn", "token", "password")
                    else f"did you mean `{close[0]}`?"
                    if close
                    else f"known keys: {', '.join(SOURCE_KEYS)}"
                )
                if not self.lenient:
                    raise fail(key, f"unknown key; {hint}")
                self.problems.append(fail(key, f"unknown key; {hint}"))  # the entry's other keys still apply
        if "kind" not in entry:
            raise fail("kind", f"missing; one of {', '.join(SOURCE_KINDS)}")
        kind = entry["kind"].strip().lower() if isinstance(entry["kind"], str) else entry["kind"]
        if kind not in SOURCE_KINDS:
            close = difflib.get_close_matches(str(kind), SOURCE_KINDS, n=1, cutoff=0.6)
            hint = f"did you mean `{close[0]}`?" if close else f"one of {', '.join(SOURCE_KINDS)}"
            raise fail("kind", f"unknown kind `{kind}`; {hint}")
        required = {"postgres": "dsn_env", "sqlite": "path", "duckdb": "path", "http": "url"}[kind]
        if required not in entry:
            raise fail(required, f"missing; a {kind} source needs `{required}`")
        text: dict[str, str | None] = {}
        for key in ("dsn_env", "path", "url", "token_env"):
            if key in entry:
                if not isinstance(entry[key], str) or not entry[key].strip():
                    raise fail(key, f"expected a non-empty string, got {_kind(entry[key])}")
                if "\0" in entry[key]:
                    raise fail(key, "holds a NUL character (\\u0000)")
                text[key] = entry[key].strip()
        for key in ("dsn_env", "token_env"):
            if key in text and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text[key] or ""):
                raise fail(key, "expected the name of an environment variable (letters, digits, _)")
        if "url" in text and not re.match(r"https?://", text["url"] or ""):
            raise fail("url", "expected an http:// or https:// URL")
        numbers: dict[str, float] = {}
        for key, default, least in (("timeout", 10.0, 0.0), ("refresh_interval", 0.0, -1.0)):
            value = entry.get(key, default)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= least:
                bound = "greater than 0" if least == 0 else "0 or more"
                raise fail(
                    key,
                    f"expected a number of seconds {bound}, got {_kind(value) if not isinstance(value, (int, float)) or isinstance(value, bool) else value}",
                )
            numbers[key] = float(value)
        if not isinstance(entry.get("tls_verify", True), bool):
            raise fail("tls_verify", f"expected a boolean, got {_kind(entry['tls_verify'])}")
        try:
            schemas = self.strings(entry.get("schemas", []), "sql.sources.schemas")
        except ConfigError as error:
            raise fail("schemas", error.problem) from None
        return SourceSettings(
            kind,
            text.get("dsn_env"),
            text.get("path"),
            text.get("url"),
            text.get("token_env"),
            schemas,
            numbers["timeout"],
            numbers["refresh_interval"],
            entry.get("tls_verify", True),
            line,
        )

    def deny(self, value: Any) -> tuple[tuple[str, str], ...]:
        """`deny = { requests = "use httpx" }`, or a list of names without reasons."""
        if isinstance(value, list):
            return tuple((name, "") for name in self.strings(value, "packages.deny"))
        table = self.table(value, "packages.deny")
        for name, reason in table.items():
            self.string(reason, f"packages.deny.{name}")
        return tuple((name, reason) for name, reason in table.items())


_NAME_PART = r'"(?:[^"]|"")+"|[^."]+'


def dotted_parts(name: str) -> list[str]:
    """`core."Customer List".email` as its parts, quotes removed; [] when it is no dotted name."""
    if not re.fullmatch(rf"(?:{_NAME_PART})(?:\.(?:{_NAME_PART}))*", name.strip()):
        return []
    return [part[1:-1].replace('""', '"') if part[0] == '"' else part for part in re.findall(_NAME_PART, name.strip())]


def _hint(word: str, known: list[str], otherwise: str) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else otherwise


def _kind(value: Any) -> str:
    """A value's TOML type name, for messages."""
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)
