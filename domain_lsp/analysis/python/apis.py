"""Names and keyword arguments that the installed version of a library, or the standard library
of the configured Python, does not have: read from their files with `ast` (modules.py), never
imported or run, the same way on every run.

Only certain answers are reported (symbols.py says when an answer is certain): a module that
creates names at run time, a decorator that may change a signature, `**kwargs`, a value whose
type is not known, all stay silent, as do accesses guarded by `try/except AttributeError`,
`hasattr` or version checks. jedi serves only completion.
"""

from __future__ import annotations

import ast
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from domain_lsp.analysis.python.imports import ImportRef
from domain_lsp.analysis.python.jedi_process import keep_inherited, private_cache_directory
from domain_lsp.analysis.python.modules import TRY_NODES, ModuleModel, ModuleReader
from domain_lsp.analysis.python.symbols import Symbols
from domain_lsp.analysis.python.values import FileValues, Value
from domain_lsp.analysis.suggest import closest
from domain_lsp.findings import Finding, Fix
from domain_lsp.inventory.introspect import has_names
from domain_lsp.inventory.model import normalize
from domain_lsp.inventory.packages import PackageContext
from domain_lsp.text import LineIndex

log = logging.getLogger(__name__)

_ATTRIBUTE_GUARDS = frozenset({"AttributeError", "ImportError", "Exception", "BaseException"})


@dataclass
class ApiChecker:
    """Per project: the environment's modules as read, and jedi for completion."""

    context: PackageContext
    trusted: bool = False
    """Whether the introspection agent may import installed packages (the user trusts the workspace)."""
    _jedi: Any = None
    _jedi_pid: int = 0
    _symbols: Symbols | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _noted: set[str] = field(default_factory=set)

    @property
    def symbols(self) -> Symbols:
        with self._lock:
            if self._symbols is None:
                environment = self.context.environment
                reader = ModuleReader(
                    environment.site_dirs, environment.stdlib, environment.version, environment.stdlib_dir
                )
                if reader.typeshed is None:
                    self._note_once("typeshed", "the standard library's stubs (jedi's typeshed) are not installed")
                self._symbols = Symbols(reader)
            return self._symbols

    @property
    def available(self) -> bool:
        return not self.context.environment.error

    def _note_once(self, key: str, message: str) -> None:
        if key not in self._noted:
            self._noted.add(key)
            log.info("%s, so it is not checked", message)

    def module(self, name: str) -> ModuleModel | None:
        with self._lock:
            try:
                return self.symbols.reader.module(name)
            except (RecursionError, MemoryError) as exc:  # a pathological module: say why once
                self._note_once(name, f"`{name}` could not be read ({type(exc).__name__})")
                return None

    # -- completion, through jedi --------------------------------------------------------
    def _script(self, code: str) -> Any:
        if self._jedi is None or self._jedi_pid != os.getpid():
            import jedi

            if self._jedi is not None:  # a forked worker: its parent's jedi is not its to use
                keep_inherited(self._jedi)
            jedi.settings.cache_directory = private_cache_directory()
            environment = jedi.create_environment(str(self.context.interpreter), safe=False)
            # No workspace folders on jedi's path: only installed code is read.
            project = jedi.Project(path=str(self.context.root), smart_sys_path=False, load_unsafe_extensions=False)
            self._jedi = (jedi, environment, project)
            self._jedi_pid = os.getpid()
        jedi, environment, project = self._jedi
        return jedi.Script(code, project=project, environment=environment)

    def complete(self, code: str, line: int, column: int) -> list[Any] | None:
        """jedi's completions at a 1-based line and code-point column; None when jedi cannot
        run here (no environment, or it failed)."""
        if not self.available:
            return None
        with self._lock:
            try:
                return list(self._script(code).complete(line, column))
            except Exception:  # jedi on half-typed code: no completion rather than an error
                return None

    # -- how messages name things --------------------------------------------------------
    def label(self, module: str) -> str:
        """`httpx 0.28.1`, `` `httpx._api` (httpx 0.28.1) ``, `` `os.path` (Python 3.11) ``."""
        top = module.split(".", 1)[0]
        if top in self.context.environment.stdlib:
            return f"`{module}` (Python {self.context.environment.python})"
        providers = self.context.names.installed_by(top)
        dist = self.context.environment.distribution(providers[0]) if providers else None
        if dist is None:
            return f"`{module}`"
        if module == top and normalize(dist.name) == normalize(top):
            return f"{dist.name} {dist.version}"
        return f"`{module}` ({dist.name} {dist.version})"


_GUARD_WORDS = ("hasattr", "getattr", "version", "__all__", "dir(", "platform", "TYPE_CHECKING", "PYPY")
_EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_TOLD_CHECKERS = re.compile(r"#\s*(?:type|pyright)\s*:\s*ignore\b")
"""`# type: ignore` / `# pyright: ignore`: the author told type checkers this line reaches past
the stubs on purpose (`sys.monitoring` on 3.12+ only, a PyPy-only builtin): not reported."""
_VERSION_PRAGMA = re.compile(r"#\s*pragma:\s*[<>=!]=?\s*\d+\.\d+")
"""covdefaults' `# pragma: >=3.15 cover` on a def or an if: its body runs on other versions only."""


def _guarded_lines(tree: ast.Module, text: str = "") -> list[tuple[int, int]]:
    """Line spans where a missing attribute is expected and handled (try/except AttributeError,
    `if hasattr(...)`, version checks, what follows `if not hasattr(...): return`), and lines
    whose comments tell checkers so."""
    spans: list[tuple[int, int]] = []
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if "#" in line and _TOLD_CHECKERS.search(line):
            spans.append((number, number))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list):  # `if not hasattr(sys, "x"): return` guards the rest of its block
            for statement in body[:-1]:
                if (
                    isinstance(statement, ast.If)
                    and statement.body
                    and isinstance(statement.body[-1], _EXITS)
                    and any(word in ast.unparse(statement.test) for word in _GUARD_WORDS)
                ):
                    spans.append((statement.lineno, body[-1].end_lineno or body[-1].lineno))
                    break
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If))
            and 0 < node.lineno <= len(lines)
            and _VERSION_PRAGMA.search(lines[node.lineno - 1])
        ):
            spans.append((node.lineno, node.end_lineno or node.lineno))
        if isinstance(node, TRY_NODES):
            for handler in node.handlers:
                types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                if any(
                    t is None
                    or (isinstance(t, ast.Name | ast.Attribute) and ast.unparse(t).split(".")[-1] in _ATTRIBUTE_GUARDS)
                    for t in types
                ):
                    spans.append((node.lineno, node.end_lineno or node.lineno))
        elif isinstance(node, ast.If | ast.IfExp | ast.While | ast.Assert | ast.BoolOp):
            test = ast.unparse(node.test if not isinstance(node, ast.BoolOp) else node)
            if any(word in test for word in _GUARD_WORDS):
                spans.append((node.lineno, node.end_lineno or node.lineno))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
            spans.append((node.lineno, node.end_lineno or node.lineno))
    return spans


def api_findings(
    tree: ast.Module, imports: list[ImportRef], checker: ApiChecker, lines: LineIndex, path: str
) -> list[Finding]:
    context = checker.context
    environment = context.environment
    if not checker.available:
        return []

    def checked(ref: ImportRef) -> bool:
        if ref.guarded or ref.top == "__future__" or context.is_workspace_module(ref.top, path):
            return False
        return ref.top in environment.stdlib or context.names.installed(ref.top)

    candidates = [ref for ref in imports if checked(ref)]
    if not candidates:
        return []  # nothing installed is used: no tree walk, no reading
    with checker._lock:
        return _Check(tree, candidates, checker, lines).run()


class _Check:
    def __init__(self, tree: ast.Module, imports: list[ImportRef], checker: ApiChecker, lines: LineIndex) -> None:
        self.tree = tree
        self.imports = imports
        self.checker = checker
        self.symbols = checker.symbols
        self.lines = lines
        self.findings: list[Finding] = []
        self._guarded: list[tuple[int, int]] | None = None
        self.assigned = _assigned_attributes(tree)
        self.undecided: list[tuple[ModuleModel, str, int]] = []
        """Names of installed modules that create names at run time: only importing them decides."""

    def offset(self, line: int, column: int) -> int:
        return self.lines.offset(line - 1, column, "utf-8")

    def guarded(self, line: int) -> bool:
        if self._guarded is None:  # computed only when there is something to report
            self._guarded = _guarded_lines(self.tree, self.lines.text)
        return any(first <= line <= last for first, last in self._guarded)

    def run(self) -> list[Finding]:
        imported: dict[str, Value] = {}
        for ref in self.imports:
            if ref.is_from:
                self._from_import(ref, imported)
            else:
                self._import(ref, imported)
        if imported:
            self._uses(FileValues(self.tree, self.symbols, imported))
        if self.undecided:
            self._ask_installed()
        return self.findings

    def _ask_installed(self) -> None:
        if not self.checker.trusted:
            self.checker._note_once(
                "untrusted",
                "untrusted workspace: names of installed modules that create names at run time (a module "
                "`__getattr__`, lazy loaders) are decided only by importing them, which trust allows",
            )
            return
        questions = sorted({(model.name, name) for model, name, _ in self.undecided})
        versions = " ".join(sorted({self.checker.label(model.name) for model, _, _ in self.undecided}))
        answers = has_names(self.checker.context.interpreter, versions, questions)
        for model, name, start in self.undecided:
            if answers.get((model.name, name)) is False:
                self._missing(model, name, start)

    # -- imports -------------------------------------------------------------------------
    def _missing_submodule(self, ref: ImportRef) -> bool:
        """`from pkg.sub import x` / `import pkg.sub` where the installed package has no such
        submodule (a name `pkg` binds does not count: the import system looks for the file)."""
        parts = ref.module.split(".")
        for depth in range(1, len(parts)):
            parent = ".".join(parts[:depth])
            model = self.checker.module(parent)
            if model is None:
                return False
            child = parts[depth]
            if self.checker.module(f"{parent}.{child}") is not None:
                continue
            # A module `__getattr__` does not matter here: the import system looks for a file.
            if (
                model.import_hooks
                or not model.trees
                or not model.folders
                or model.stub_only
                or model.has_submodule(child)
            ):
                return False
            start = self._part_offset(ref, depth)
            if start is None or self.guarded(self.lines.line_col(start)[0] + 1):
                return True
            suggestions = closest(child, [s for s in model.submodules() if not s.startswith("_")], limit=1)
            message = f"{self.checker.label(parent)} has no submodule `{child}`"
            self.findings.append(_finding("unknown-attribute", message, start, child, suggestions))
            return True
        return False

    def _part_offset(self, ref: ImportRef, depth: int) -> int | None:
        text = self.lines.text
        position = ref.start
        for index, part in enumerate(ref.module.split(".")):
            found = text.find(part, position)
            if found == -1:
                return None
            if index == depth:
                return found
            position = found + len(part)
        return None

    def _import(self, ref: ImportRef, imported: dict[str, Value]) -> None:
        if self._missing_submodule(ref):
            return
        if self.checker.module(ref.module) is None:
            return
        if ref.alias and (ref.alias != ref.top or "." not in ref.module):
            imported[ref.alias] = Value("module", ref.module)
        elif self.checker.module(ref.top) is not None:
            imported[ref.top] = Value("module", ref.top)

    def _from_import(self, ref: ImportRef, imported: dict[str, Value]) -> None:
        if self._missing_submodule(ref):
            return
        model = self.checker.module(ref.module)
        if model is None:
            return
        for name in ref.names:
            if name.name == "*":
                continue
            if not model.has(name.name):
                if not self.guarded(self.lines.line_col(name.start)[0] + 1):
                    if model.closed:
                        self._missing(model, name.name, name.start)
                    elif not self.symbols.reader.is_stdlib(model.name):
                        self.undecided.append((model, name.name, name.start))
                continue
            found = self.symbols.lookup_in(model, name.name)
            local = name.alias or name.name
            if found.kind == "module":
                imported[local] = Value("module", found.module)
            elif found.kind == "defs":
                imported[local] = Value("defs", ref.module, name.name, found.defs)

    # -- uses ----------------------------------------------------------------------------
    def _uses(self, values: FileValues) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                self._attribute(node, values)
            elif isinstance(node, ast.Call) and node.keywords:
                self._keywords(node, values)

    def _attribute(self, node: ast.Attribute, values: FileValues) -> None:
        attr = node.attr
        if attr.startswith("__") and attr.endswith("__"):
            return
        owner = values.infer(node.value)
        if owner is None:
            return
        start = self.offset(node.end_lineno or node.lineno, node.end_col_offset or 0) - len(attr)
        if owner.kind == "module":
            model = self.checker.module(owner.module)
            patched = isinstance(node.value, ast.Name) and attr in self.assigned.get(node.value.id, ())
            if model is None or model.has(attr) or patched or self.guarded(node.lineno):
                return
            if model.closed:
                self._missing(model, attr, start)
            elif not self.symbols.reader.is_stdlib(model.name):
                self.undecided.append((model, attr, start))
            return
        cls = owner.cls
        if cls is None:
            return
        members = self.symbols.members(cls)
        if members is None or attr in members or self.guarded(node.lineno):
            return
        candidates = [m for m in members if not m.startswith("_") or attr.startswith("_")]
        message = f"`{owner.name}` in {self.checker.label(owner.module)} has no attribute `{attr}`"
        self.findings.append(
            _finding("unknown-attribute", message, start, attr, closest(attr, sorted(candidates), limit=1))
        )

    def _keywords(self, node: ast.Call, values: FileValues) -> None:
        callee = values.infer(node.func)
        if callee is None or callee.kind not in ("defs", "method"):
            return
        accepted = self.symbols.keywords(callee.defs, bound=callee.kind == "method")
        if accepted is None:
            return
        where = self.checker.label(callee.module)
        for keyword in node.keywords:
            if keyword.arg is None or keyword.arg in accepted or self.guarded(node.lineno):
                continue
            start = self.offset(keyword.lineno, keyword.col_offset)
            message = f"`{callee.name}` in {where} takes no keyword argument `{keyword.arg}`"
            suggestions = closest(keyword.arg, sorted(accepted), limit=1)
            self.findings.append(_finding("unknown-argument", message, start, keyword.arg, suggestions))

    def _missing(self, model: ModuleModel, name: str, start: int) -> None:
        public = sorted(
            n
            for n, bindings in model.names.items()
            if (not n.startswith("_") or name.startswith("_")) and not all(b.kind == "module" for b in bindings)
        )
        message = f"{self.checker.label(model.name)} has no `{name}`"
        self.findings.append(_finding("unknown-attribute", message, start, name, closest(name, public, limit=1)))


def _assigned_attributes(tree: ast.Module) -> dict[str, set[str]]:
    """`module.name = ...` in the file creates the name (monkey-patching): by local name."""
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name):
            found.setdefault(node.value.id, set()).add(node.attr)
    return found


def _finding(code: str, message: str, start: int, name: str, suggestions: list[str]) -> Finding:
    end = start + len(name)
    fixes: tuple[Fix, ...] = ()
    if suggestions:
        message += f"; did you mean `{suggestions[0]}`?"
        fixes = (Fix(f"Replace with `{suggestions[0]}`", start, end, suggestions[0]),)
    return Finding(code, message, start, end, fixes=fixes)
