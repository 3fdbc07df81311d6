"""`domain-lsp init`: a first domain-lsp.toml, written from what the folder holds.

Discovery is the catalog's and the inventory's own (the same walk, the same "does this file
create a table" probe, the same inventory patterns), so the config says out loud what running
without one would have found, and the user edits from there. Only what was found is written as
a key: a glob that matches nothing would be an error the first time `check` runs. What could
not be decided (the search path's order, a dialect without evidence) is written as a comment.
"""

from __future__ import annotations

import glob as _glob
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from domain_lsp.catalog.load import schema_files
from domain_lsp.config import CONFIG_FILE, PYPROJECT, Config
from domain_lsp.inventory.load import inventory_files
from domain_lsp.paths import Boundary, read_file
from domain_lsp.workspace import walk

PROBE_BYTES = 256 * 1024
"""How much of each schema file the dialect guess reads: the column types are near the top."""
DOCS = "https://github.com/domain-lsp/domain-lsp/blob/main/docs/configuration.md"

_MARKERS: dict[str, tuple[tuple[str, str], ...]] = {
    # (what to call it, pattern): each counts once per file, however often it occurs.
    "postgres": (
        ("SERIAL", r"\b(?:big|small)?serial\b"),
        ("`::` casts", r"::\s*[a-z_]"),
        ("jsonb", r"\bjsonb\b"),
        ("timestamptz", r"\btimestamptz\b"),
        ("CREATE EXTENSION", r"\bcreate\s+extension\b"),
        ("`$$` bodies", r"\$\$"),
        ("bytea", r"\bbytea\b"),
    ),
    "sqlite": (
        ("AUTOINCREMENT", r"\bautoincrement\b"),
        ("WITHOUT ROWID", r"\bwithout\s+rowid\b"),
        ("PRAGMA", r"^\s*pragma\b"),
    ),
    "mysql": (
        ("AUTO_INCREMENT", r"\bauto_increment\b"),
        ("ENGINE=", r"\bengine\s*="),
        ("UNSIGNED", r"\bunsigned\b"),
    ),
    "duckdb": (
        ("CREATE MACRO", r"\bcreate\s+(?:or\s+replace\s+)?macro\b"),
        ("read_parquet/read_csv", r"\bread_(?:parquet|csv|csv_auto|json)\s*\("),
        ("HUGEINT", r"\bu?hugeint\b"),
    ),
    "snowflake": (
        ("VARIANT", r"\bvariant\b"),
        ("TIMESTAMP_NTZ", r"\btimestamp_(?:ntz|ltz|tz)\b"),
        ("CREATE STAGE/WAREHOUSE", r"\bcreate\s+(?:or\s+replace\s+)?(?:stage|warehouse|stream|pipe)\b"),
    ),
    "bigquery": (
        ("INT64", r"\b(?:int64|float64)\b"),
        ("STRUCT<>/ARRAY<>", r"\b(?:struct|array)\s*<"),
    ),
    "tsql": (
        ("IDENTITY(…)", r"\bidentity\s*\("),
        ("NVARCHAR", r"\bnvarchar\b"),
        ("GO", r"^\s*go\s*$"),
        ("[dbo]", r"\[dbo\]"),
    ),
}
_PATTERNS = {
    dialect: tuple((name, re.compile(pattern, re.IGNORECASE | re.MULTILINE)) for name, pattern in markers)
    for dialect, markers in _MARKERS.items()
}
_NOISE = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:''|[^'])*'", re.DOTALL)
"""Comments and string literals: a `-- SERIAL` remark or a 'jsonb' value is no evidence."""
_PERMANENT_DDL = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:(?:unlogged|materialized|external|transient)\s+)?(?:table|view)\b",
    re.IGNORECASE,
)
_QUALIFIED_TABLE = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:(?:temp|temporary|unlogged)\s+)?table\s+(?:if\s+not\s+exists\s+)?"
    r"\"?([A-Za-z_][\w$]*)\"?\s*\.\s*\"?[A-Za-z_]",
    re.IGNORECASE,
)


@dataclass
class Found:
    """What init found in a folder, and what it writes from it."""

    root: Path
    dialect: str = ""
    evidence: list[str] = field(default_factory=list)
    """The markers that decided the dialect, most files first."""
    schema_globs: list[str] = field(default_factory=list)
    schema_files: list[Path] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)
    """Schema names that qualify tables in the DDL, most tables first."""
    inventory: list[str] = field(default_factory=list)
    dbt_manifest: str | None = None
    dbt_project: bool = False
    environment: str | None = None


def _relative(path: Path, root: Path) -> str | None:
    try:
        return (path.parent.resolve() / path.name).relative_to(root).as_posix()
    except ValueError:
        return None


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _writable(name: str) -> bool:
    """A lone surrogate (a file name that is not UTF-8) cannot be written in a TOML file."""
    return not any(0xD800 <= ord(char) <= 0xDFFF for char in name)


def _globs(ddl: list[Path], every_sql: list[Path], root: Path) -> list[str]:
    """`folder/*.sql` for a folder whose .sql files all create tables, else the files by name."""
    by_folder: dict[str, list[str]] = {}
    for path in ddl:
        relative = _relative(path, root)
        if relative is not None and _writable(relative):
            by_folder.setdefault(str(Path(relative).parent), []).append(relative)
    all_in: Counter[str] = Counter(str(Path(r).parent) for p in every_sql if (r := _relative(p, root)) is not None)
    globs: list[str] = []
    for folder in sorted(by_folder):
        files = by_folder[folder]
        if len(files) > 1 and len(files) == all_in[folder]:
            prefix = "" if folder == "." else _glob.escape(folder) + "/"
            globs.append(f"{prefix}*.sql")
        else:
            globs.extend(_glob.escape(name) for name in sorted(files))
    return globs


def guess_dialect(texts: dict[Path, str]) -> tuple[str, list[str]]:
    """The dialect with the most files showing its markers, and those markers; "" when no
    file shows any, or two dialects are as well supported (then the user decides)."""
    files: Counter[str] = Counter()
    seen: dict[str, Counter[str]] = {dialect: Counter() for dialect in _PATTERNS}
    for text in texts.values():
        plain = _NOISE.sub(" ", text)
        for dialect, patterns in _PATTERNS.items():
            hits = [name for name, pattern in patterns if pattern.search(plain)]
            if hits:
                files[dialect] += 1
                seen[dialect].update(hits)
    ranked = sorted(files.items(), key=lambda item: (-item[1], -sum(seen[item[0]].values()), item[0]))
    if not ranked:
        return "", []
    best = ranked[0]
    if len(ranked) > 1 and (ranked[1][1], sum(seen[ranked[1][0]].values())) == (best[1], sum(seen[best[0]].values())):
        return "", []
    evidence = [name for name, _ in sorted(seen[best[0]].items(), key=lambda item: (-item[1], item[0]))]
    return best[0], evidence


def discover(root: Path) -> Found:
    root = root.resolve()  # as the walk names files
    found = Found(root)
    config = Config(root=root)
    boundary = Boundary.of_config(config)
    texts: dict[Path, str] = {}
    for path in schema_files(config, boundary):
        try:
            text = read_file(path, PROBE_BYTES, boundary, head=True).decode("utf-8", errors="replace")
        except OSError:
            continue
        if _PERMANENT_DDL.search(_NOISE.sub(" ", text)):  # a query file's CREATE TEMP TABLE declares nothing
            texts[path] = text
    found.schema_files = list(texts)
    found.schema_globs = _globs(found.schema_files, list(walk(root, (".sql",), within_project=True)), root)
    found.dialect, found.evidence = guess_dialect(texts)
    qualifiers: Counter[str] = Counter()
    for text in texts.values():
        qualifiers.update(name.lower() for name in _QUALIFIED_TABLE.findall(_NOISE.sub(" ", text)))
    found.schemas = [name for name, _ in sorted(qualifiers.items(), key=lambda item: (-item[1], item[0]))]
    for path in inventory_files(config, boundary):
        relative = _relative(path, root)
        if relative is not None and _writable(relative):
            found.inventory.append(_glob.escape(relative))
    manifest = root / "target" / "manifest.json"
    found.dbt_project = (root / "dbt_project.yml").is_file()
    if found.dbt_project and manifest.is_file():
        found.dbt_manifest = "target/manifest.json"
    for name in (".venv", "venv"):
        if (root / name / "pyvenv.cfg").is_file():
            found.environment = name
            break
    return found


def _list(items: list[str]) -> str:
    return "[" + ", ".join(_toml_string(item) for item in items) + "]"


def render(found: Found) -> str:
    """The commented domain-lsp.toml: keys for what was found, comments for the rest."""
    lines = [
        "# domain-lsp.toml, written by `domain-lsp init` from what this folder holds. Edit freely:",
        f"# every key is described in docs/configuration.md ({DOCS}).",
        "",
        "[sql]",
    ]
    if found.dialect:
        lines.append(
            f"# The database the SQL is written for; guessed from {', '.join(found.evidence)} in the schema files."
        )
        lines.append(f"dialect = {_toml_string(found.dialect)}")
    else:
        lines.append("# The database the SQL is written for (postgres, duckdb, sqlite, mysql, snowflake, ...);")
        lines.append(
            "# not guessed: no schema file showed a dialect's own syntax. Without it, sqlglot's generic dialect."
        )
        lines.append('# dialect = "postgres"')
    schemas = [*found.schema_globs, *([found.dbt_manifest] if found.dbt_manifest else [])]
    if schemas:
        lines.append("# The files that declare the tables (DDL, a dbt manifest), read in this order.")
        lines.append(f"schemas = {_list(schemas)}")
    else:
        lines.append("# The files that declare the tables: DDL, JSON/YAML mappings, a dbt target/manifest.json.")
        lines.append("# None found; without this key, every .sql file that creates a table is read.")
        lines.append('# schemas = ["schema/*.sql"]')
    if found.dbt_project and not found.dbt_manifest:
        lines.append('# A dbt project: run `dbt compile` and add "target/manifest.json" to schemas.')
    lines.append("# How an unqualified table name finds its schema: tried in this order.")
    if found.schemas:
        lines.append(f"# Schemas the DDL qualifies tables with: {', '.join(found.schemas)}.")
        lines.append(f"# search_path = {_list(found.schemas)}")
    else:
        lines.append('# search_path = ["public"]')
    lines += ["", "[packages]"]
    if found.inventory:
        lines.append("# The files that declare the project's Python packages (requirements, pyproject, locks).")
        lines.append(f"inventory = {_list(found.inventory)}")
    else:
        lines.append("# The files that declare the project's Python packages; none found.")
        lines.append('# inventory = ["requirements.txt"]')
    lines.append("# Packages the team does not use, with the reason the finding shows.")
    lines.append('# deny = { requests = "use httpx (team standard)" }')
    lines += ["", "[python]"]
    lines.append("# The environment whose installed packages count, used only when the workspace is trusted.")
    lines.append(f"# environment = {_toml_string(found.environment or '.venv')}")
    return "\n".join(lines) + "\n"


def existing_config(root: Path) -> Path | None:
    """A config this folder already has: its domain-lsp.toml, or a pyproject.toml with
    [tool.domain-lsp] (which a new domain-lsp.toml would silently override)."""
    own = root / CONFIG_FILE
    if own.exists() or own.is_symlink():
        return own
    pyproject = root / PYPROJECT
    try:
        if pyproject.is_file() and "[tool.domain-lsp" in pyproject.read_text(encoding="utf-8", errors="replace"):
            return pyproject
    except OSError:
        return None
    return None


def summary(found: Found, written: Path) -> str:
    """What init found and wrote, for the terminal (workspace names escaped by the caller)."""
    count = len(found.schema_files)
    if found.dialect:
        dialect = f"{found.dialect} (from {', '.join(found.evidence)})"
    else:
        dialect = "not guessed (no dialect's own syntax in the schema files): set sql.dialect"
    rows = [
        ("dialect", dialect),
        (
            "schemas",
            f"{', '.join(found.schema_globs)} ({count} file{'' if count == 1 else 's'} creating tables)"
            if found.schema_globs
            else "no file creating tables",
        ),
    ]
    if found.dbt_manifest:
        rows.append(("dbt", found.dbt_manifest))
    elif found.dbt_project:
        rows.append(("dbt", "a project without target/manifest.json: run `dbt compile`"))
    if found.schemas:
        rows.append(("search_path", f"left to you; the DDL qualifies tables with {', '.join(found.schemas)}"))
    rows.append(
        ("inventory", ", ".join(found.inventory) if found.inventory else "no requirements, pyproject or lock file")
    )
    lines = [f"wrote {written}"]
    lines += [f"  {name:<12} {value}" for name, value in rows]
    return "\n".join(lines) + "\n"
