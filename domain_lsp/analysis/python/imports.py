"""The imports of a Python file, with the exact range of each module name, whether they are
guarded (try/except ImportError, `if TYPE_CHECKING:`, version/platform checks), and the
package findings: unknown-package, undeclared-package, denied-package.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from domain_lsp.findings import Finding, Fix, Severity
from domain_lsp.inventory.model import normalize
from domain_lsp.inventory.packages import PackageContext, replacement_in
from domain_lsp.text import LineIndex
from domain_lsp.trust import public_url

_GUARD_EXCEPTIONS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
_PLATFORM_TESTS = frozenset(
    {"version_info", "platform", "hexversion", "implementation", "name", "system", "PY2", "PY3"}
)
# Modules that exist only for type checkers (typeshed's helper module) or the interpreter itself,
# standard modules of other Python versions (added or removed; imported behind version checks
# that are not always spelt `sys.version_info`), and modules of other Python runtimes.
ALWAYS_FINE = frozenset(
    {
        "__future__", "_typeshed", "__main__", "__builtin__", "__pypy__",
        "annotationlib", "compression", "_interpreters", "_interpqueues", "_interpchannels", "tomllib",
        "zoneinfo", "graphlib", "distutils", "imp", "asynchat", "asyncore", "smtpd", "aifc", "audioop",
        "cgi", "cgitb", "chunk", "crypt", "imghdr", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev",
        "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib", "lib2to3",
        "urllib2", "urlparse", "ConfigParser", "Queue", "StringIO", "cStringIO", "cPickle", "httplib",
        "HTMLParser", "Cookie", "cookielib", "thread", "commands", "exceptions", "_winreg", "copy_reg",
        "js", "pyodide", "pyodide_js", "java", "_jython",
    }
)  # fmt: skip
# Folders of code copied from elsewhere: not the team's imports to judge.
VENDORED_FOLDERS = frozenset({"_vendor", "vendor", "vendored", "_vendored", "third_party", "_extern", "extern"})
_FROM_MODULE = re.compile(r"from(?:\s|\\\r?\n)+(\.*)(?:\s|\\\r?\n)*([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_]\w*)*)?")


@dataclass(frozen=True)
class ImportedName:
    name: str
    start: int
    end: int
    alias: str | None


@dataclass
class ImportRef:
    """One imported module: `import a.b as c` or `from a.b import x, y`."""

    module: str
    start: int
    """Offset of the top-level name (the token a package finding points at)."""
    guarded: bool
    is_from: bool
    alias: str | None = None
    deferred: bool = False
    """Inside a function: the usual way to import an optional dependency only when needed."""
    """The local name an `import` binds (`np` for `import numpy as np`, `os` for `import os.path`)."""
    names: list[ImportedName] = field(default_factory=list)
    node: ast.stmt | None = None

    @property
    def top(self) -> str:
        return self.module.split(".", 1)[0]

    @property
    def end(self) -> int:
        return self.start + len(self.top)


def _handler_guards(handler: ast.ExceptHandler, names: frozenset[str]) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for node in types:
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
        if name in names:
            return True
    return False


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_platform_test(test: ast.expr) -> bool:
    """`sys.version_info >= (3, 11)`, `sys.platform == "win32"`, `os.name == "nt"` ..."""
    for node in ast.walk(test):
        if isinstance(node, ast.Attribute) and node.attr in _PLATFORM_TESTS:
            return True
        if isinstance(node, ast.Name) and node.id in _PLATFORM_TESTS:
            return True
    return False


class _Collector(ast.NodeVisitor):
    def __init__(self, text: str, lines: LineIndex) -> None:
        self.text = text
        self.lines = lines
        self.guard = 0
        self.functions = 0
        self.imports: list[ImportRef] = []

    def generic_visit(self, node: ast.AST) -> None:
        # Statements only: imports never sit inside expressions, and skipping those keeps a
        # keystroke's analysis cheap.
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, name, None)
            if isinstance(children, list):
                for child in children:
                    if isinstance(child, ast.AST):
                        self.visit(child)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions += 1
        self.generic_visit(node)
        self.functions -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def offset(self, line: int, column: int) -> int:
        return self.lines.offset(line - 1, column, "utf-8")

    def guarded_visit(self, nodes: list[ast.stmt], guarded: bool) -> None:
        self.guard += guarded
        for node in nodes:
            self.visit(node)
        self.guard -= guarded

    def visit_Try(self, node: ast.Try) -> None:
        guarded = any(_handler_guards(h, _GUARD_EXCEPTIONS) for h in node.handlers)
        self.guarded_visit(node.body, guarded)
        for handler in node.handlers:
            self.guarded_visit(handler.body, guarded)
        self.guarded_visit(node.orelse, guarded)
        self.guarded_visit(node.finalbody, False)

    visit_TryStar = visit_Try

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self.guarded_visit(node.body, True)
            self.guarded_visit(node.orelse, False)
            return
        platform = _is_platform_test(node.test)
        self.guarded_visit(node.body, platform)
        self.guarded_visit(node.orelse, platform)

    def visit_With(self, node: ast.With) -> None:
        # `with contextlib.suppress(ImportError):`
        suppress = any(
            isinstance(item.context_expr, ast.Call)
            and any(
                isinstance(a, ast.Name | ast.Attribute) and "Error" in ast.unparse(a) for a in item.context_expr.args
            )
            for item in node.items
        )
        self.guarded_visit(node.body, suppress)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            start = self.offset(alias.lineno, alias.col_offset)
            local = alias.asname or alias.name.split(".", 1)[0]
            self.imports.append(
                ImportRef(alias.name, start, self.guard > 0, False, local, deferred=self.functions > 0, node=node)
            )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return  # relative imports are the workspace's own
        begin = self.offset(node.lineno, node.col_offset)
        match = _FROM_MODULE.match(self.text, begin)
        start = match.start(2) if match and match.group(2) else begin
        names = [
            ImportedName(
                a.name, self.offset(a.lineno, a.col_offset), self.offset(a.lineno, a.col_offset) + len(a.name), a.asname
            )
            for a in node.names
        ]
        self.imports.append(
            ImportRef(node.module, start, self.guard > 0, True, names=names, deferred=self.functions > 0, node=node)
        )


def collect_imports(tree: ast.Module, text: str, lines: LineIndex) -> list[ImportRef]:
    collector = _Collector(text, lines)
    collector.visit(tree)
    # `pytest.importorskip("hypothesis")` makes later imports of that module optional.
    if "importorskip" not in text:
        return collector.imports
    skipped = {
        node.args[0].value.split(".", 1)[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) == "importorskip"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }
    for ref in collector.imports:
        if ref.top in skipped:
            ref.guarded = True
    return collector.imports


def package_findings(
    imports: list[ImportRef],
    context: PackageContext,
    path: str,
    tree: ast.Module | None = None,
    lines: LineIndex | None = None,
) -> list[Finding]:
    """`tree` and `lines` (the file's) let a denied import's fix rename its uses too."""
    findings: list[Finding] = []
    if path and VENDORED_FOLDERS.intersection(Path(path).parts[:-1]):
        return findings
    # A file importing a declared package that is not installed may import that package's own
    # dependencies too, which nothing here can list: its unknown modules are only hints.
    uninstalled = sorted(
        {
            ref.top
            for ref in imports
            if context.names.declared_by(ref.top)
            and not context.names.installed(ref.top)
            and ref.top not in context.environment.stdlib
            and not _own_project(ref.top, context, path)
        }
    )
    for ref in imports:
        finding = _judge(ref, context, path, tree, imports, lines)
        if finding is None:
            continue
        if finding.code == "unknown-package" and uninstalled and finding.severity is None and not finding.data:
            note = f" (or a dependency of `{uninstalled[0]}`, declared but not installed, so only a hint)"
            finding = _soften(finding, note)
            # What a strict run (CI) reports once, on the declaration: the gate is disarmed here.
            finding.data["uninstalled"] = ",".join(uninstalled)
        findings.append(finding)
    return findings


def _replacement_fix(
    ref: ImportRef, replacement: str, tree: ast.Module | None, imports: list[ImportRef], lines: LineIndex | None
) -> Fix | None:
    """`import requests` → the team's replacement, only where one edit gives working code: the
    import renamed (or dropped, when the file already imports the replacement) with every use
    of its name. Nothing is offered where that cannot be sure: a `from` import (its names may
    not exist in the replacement), a dotted module, a name the file binds again."""
    node = ref.node
    if tree is None or lines is None or not replacement.isidentifier() or ref.is_from or "." in ref.module:
        return None
    if not isinstance(node, ast.Import) or len(node.names) != 1:
        return None
    title = f"Use `{replacement}`"
    if node.names[0].asname is not None:  # `import requests as r`: its uses say `r`
        return Fix(title, ref.start, ref.end, replacement)
    uses = _uses(tree, ref.top, node, lines)
    if uses is None:
        return None
    renamed = tuple((start, start + len(ref.top), replacement) for start in uses)
    if not any(not other.is_from and other.module == replacement == other.alias for other in imports):
        return Fix(title, ref.start, ref.end, replacement, renamed)
    # Already imported: drop this import's line rather than import it twice.
    span = _own_line(node, lines)
    return Fix(title, span[0], span[1], "", renamed) if span is not None else None


def _uses(tree: ast.Module, name: str, imported: ast.Import, lines: LineIndex) -> list[int] | None:
    """Offsets of every load of `name`; None if the file binds it anywhere but `imported`."""
    starts: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name:
            if not isinstance(node.ctx, ast.Load):
                return None
            starts.append(lines.offset(node.lineno - 1, node.col_offset, "utf-8"))
        elif isinstance(node, ast.arg) and node.arg == name:
            return None
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return None
        elif isinstance(node, (ast.Import, ast.ImportFrom)) and node is not imported:
            if any((alias.asname or alias.name.split(".")[0]) == name for alias in node.names):
                return None
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return None
    return sorted(starts)


def _own_line(node: ast.stmt, lines: LineIndex) -> tuple[int, int] | None:
    """The span of the line `node` is alone on (its line break included), else None."""
    if node.end_lineno != node.lineno or node.col_offset != 0 or node.end_col_offset is None:
        return None
    start = lines.line_start(node.lineno - 1)
    end = lines.offset(node.lineno - 1, node.end_col_offset, "utf-8")
    rest_end = lines.line_start(node.lineno) if node.lineno < lines.line_count else len(lines.text)
    if lines.text[end:rest_end].strip() and not lines.text[end:rest_end].strip().startswith("#"):
        return None  # `import requests; x = 1`
    return start, rest_end


def _own_project(top: str, context: PackageContext, path: str) -> bool:
    """The workspace's own package (a uv/poetry member a lock lists but that is not installed):
    a workspace module, not a missing dependency."""
    own = context.inventory.own_names
    return context.is_workspace_module(top, path) or any(normalize(d) in own for d in context.names.declared_by(top))


def _soften(finding: Finding, note: str) -> Finding:
    return Finding(finding.code, finding.message + note, finding.start, finding.end, Severity.HINT, finding.fixes)


def _guarded(finding: Finding, ref: ImportRef) -> Finding:
    if ref.guarded:
        return _soften(finding, " (the import is guarded, so this is only a hint)")
    if ref.deferred and finding.code != "denied-package" and not finding.data.get("confirmed"):
        return _soften(finding, " (imported inside a function, as optional dependencies are, so only a hint)")
    return finding


def _judge(
    ref: ImportRef,
    context: PackageContext,
    path: str,
    tree: ast.Module | None = None,
    imports: list[ImportRef] | None = None,
    lines: LineIndex | None = None,
) -> Finding | None:
    top = ref.top
    environment = context.environment
    if top in ALWAYS_FINE or context.is_allowed(ref.module):
        return None
    denied = context.denial(ref.module, top)
    if denied is not None:
        name, reason = denied
        message = f"`{top}` is denied" + (f" ({name})" if name.lower() != top.lower() else "")
        message += f": {reason}" if reason else " by the team's package policy"
        replacement = replacement_in(reason)
        fix = _replacement_fix(ref, replacement, tree, imports or [], lines) if replacement else None
        fixes = (fix,) if fix is not None else ()
        return _guarded(Finding("denied-package", message, ref.start, ref.end, fixes=fixes), ref)
    if top in environment.stdlib or context.is_workspace_module(top, path):
        return None
    if not context.grounded:
        return None
    inventory = context.inventory
    names = context.names
    named = names.distribution_named(top)
    if named is not None and not names.installed(top):
        provider, modules = named
        real = " and ".join(f"`{m}`" for m in modules)
        message = f"`{top}` is a distribution; its module{'s are' if len(modules) > 1 else ' is'} {real}"
        fixes = (Fix(f"Use `{modules[0]}`", ref.start, ref.end, modules[0]),) if len(modules) == 1 else ()
        if normalize(provider) != normalize(top):
            message += f" ({provider})"
        return _guarded(
            Finding("unknown-package", message, ref.start, ref.end, fixes=fixes, data={"confirmed": "metadata"}), ref
        )
    installed_by = names.installed_by(top)
    if any(inventory.declares(d) or d.lower() in inventory.own_names for d in installed_by):
        return None
    if names.declared_by(top):
        return None
    where = inventory.describe()
    if names.installed(top):
        if not installed_by:
            return None  # importable, but no metadata says from where: not ours to judge
        dist = environment.distribution(installed_by[0])
        version = f" {dist.version}" if dist is not None else ""
        message = f"`{top}` is installed ({installed_by[0]}{version}) but not declared in {where}"
        through = next(
            (context.transitive[normalize(d)] for d in installed_by if normalize(d) in context.transitive), None
        )
        if through is not None:
            # It comes with a declared package: works, but only while that one requires it.
            note = f" (it comes in as a dependency of `{through}`, so only a hint)"
            return _soften(Finding("undeclared-package", message, ref.start, ref.end), note)
        return _guarded(Finding("undeclared-package", message, ref.start, ref.end), ref)
    nowhere = f"not declared in {where}, not installed in the environment (Python {environment.python}) and not a workspace module"
    if context.index is not None:
        answers = [context.index.lookup(name) for name in names.candidates(top)]
        found = next((a for a in answers if a is not None and a.exists), None)
        if found is not None:
            message = f"`{top}` exists on the package index ({public_url(found.url)}) but is {nowhere}"
            return _guarded(Finding("undeclared-package", message, ref.start, ref.end), ref)
        if answers and all(a is not None for a in answers):
            message = f"no package provides `{top}`: it does not exist on the package index {public_url(context.index.url)} and is {nowhere}; likely a hallucinated name"
            # The index confirms the name exists nowhere: no optional dependency is called that.
            confirmed = {"confirmed": "index"}
            return _guarded(Finding("unknown-package", message, ref.start, ref.end, data=confirmed), ref)
    message = f"no package provides `{top}`: it is {nowhere}; likely a hallucinated name"
    return _guarded(Finding("unknown-package", message, ref.start, ref.end), ref)
