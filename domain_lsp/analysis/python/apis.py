"""Names and keyword arguments that the installed version of a library does not have, found
with jedi against the configured environment (jedi reads source; it does not run it).

Only definite answers are reported: the module resolves to a Python source file inside the
environment's site-packages, nothing in it builds names at run time (module `__getattr__`,
star imports, `globals()` writes, lazy loaders), and the name is neither an attribute nor a
submodule. A keyword is checked only against an undecorated function (or a base-less class
with an undecorated `__init__`) that takes no `**kwargs`.
"""

from __future__ import annotations

import ast
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain_lsp.analysis.python.imports import ImportRef
from domain_lsp.analysis.python.jedi_process import keep_inherited, private_cache_directory
from domain_lsp.analysis.suggest import closest
from domain_lsp.findings import Finding, Fix
from domain_lsp.inventory.model import normalize
from domain_lsp.inventory.packages import PackageContext
from domain_lsp.text import LineIndex

log = logging.getLogger(__name__)

_ATTRIBUTE_GUARDS = frozenset({"AttributeError", "ImportError", "Exception", "BaseException"})


def _nothing_to_suggest() -> tuple[str, ...]:
    return ()


@dataclass
class ModuleApi:
    module: str
    path: Path
    names: frozenset[str]
    label: str
    """How messages name it: `httpx 0.28.1`, or `` `httpx._api` (httpx 0.28.1)``."""
    find_suggestable: Callable[[], tuple[str, ...]] = _nothing_to_suggest
    _suggestable: tuple[str, ...] | None = field(default=None, repr=False)

    @property
    def suggestable(self) -> tuple[str, ...]:
        """Names worth suggesting: what the module defines, not the modules it imports. Found
        when a suggestion is first needed: telling them apart makes jedi infer every name of
        the module (0.8 s of the 1.1 s first read of httpx), which most files never need."""
        if self._suggestable is None:
            self._suggestable = self.find_suggestable()
        return self._suggestable


@dataclass
class Callable_:
    params: frozenset[str]
    label: str


@dataclass
class ApiChecker:
    """Per project: jedi's environment and what it found, cached per module and per name."""

    context: PackageContext
    _jedi: Any = None
    _modules: dict[str, ModuleApi | None] = field(default_factory=dict)
    _callables: dict[tuple[str, str], Callable_ | None] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _unavailable: bool = False
    _jedi_pid: int = 0
    _noted: set[str] = field(default_factory=set)

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

    def note(self, what: str, exc: BaseException) -> None:
        """Once per subject: why a check was not made (`check -v`, the server's log)."""
        if what not in self._noted:
            self._noted.add(what)
            log.info("%s could not be read (%s: %s), so it is not checked", what, type(exc).__name__, exc)

    def complete(self, code: str, line: int, column: int) -> list[Any] | None:
        """jedi's completions at a 1-based line and code-point column; None when jedi cannot
        run here (no environment, or it failed)."""
        if self._unavailable or self.context.environment.error:
            return None
        with self._lock:
            try:
                return list(self._script(code).complete(line, column))
            except Exception:  # jedi on half-typed code: no completion rather than an error
                return None

    def _in_site_packages(self, path: Path | None) -> bool:
        if path is None or path.suffix not in (".py", ".pyi"):
            return False
        return any(Path(site) in path.parents for site in self.context.environment.site_dirs)

    def module(self, module: str) -> ModuleApi | None:
        with self._lock:
            if module in self._modules:
                return self._modules[module]
            if self._unavailable:
                return None
            try:
                api = self._load_module(module)
            except ImportError:
                self._unavailable = True  # jedi is not installed: these checks are off
                api = None
            except Exception as exc:  # jedi failing on odd code must never break the analysis
                self.note(f"`{module}`", exc)
                api = None
            self._modules[module] = api
            return api

    def _load_module(self, module: str) -> ModuleApi | None:
        code = f"import {module}\n"
        found = self._script(code).goto(1, len("import ") + len(module))
        if len(found) != 1 or found[0].type != "module":
            return None
        path = found[0].module_path
        if not self._in_site_packages(path):
            return None
        if not _names_are_static(path):
            return None
        completions = self._script(f"{code}{module}.").complete(2, len(module) + 1)
        names = {c.name for c in completions}
        if path.name in ("__init__.py", "__init__.pyi"):
            for child in path.parent.iterdir():
                names.add(child.name.split(".", 1)[0])  # submodules, importable with `from m import sub`

        completed_in = os.getpid()

        def suggestable() -> tuple[str, ...]:
            with self._lock:  # jedi infers each name's type here
                try:
                    # A forked worker asks its own jedi: the parent's answers infer through the parent's.
                    mine = (
                        completions
                        if completed_in == os.getpid()
                        else self._script(f"{code}{module}.").complete(2, len(module) + 1)
                    )
                    return tuple(sorted(c.name for c in mine if c.type != "module"))
                except Exception as exc:
                    self.note(f"the names of `{module}`", exc)
                    return ()

        return ModuleApi(module, path, frozenset(names), self._label(module), suggestable)

    def _label(self, module: str) -> str:
        top = module.split(".", 1)[0]
        providers = self.context.names.installed_by(top)
        dist = self.context.environment.distribution(providers[0]) if providers else None
        if dist is None:
            return f"`{module}`"
        if module == top and normalize(dist.name) == normalize(top):
            return f"{dist.name} {dist.version}"
        return f"`{module}` ({dist.name} {dist.version})"

    def callable(self, module: str, name: str) -> Callable_ | None:
        key = (module, name)
        with self._lock:
            if key in self._callables:
                return self._callables[key]
            try:
                result = self._load_callable(module, name)
            except Exception as exc:
                self.note(f"`{module}.{name}`", exc)
                result = None
            self._callables[key] = result
            return result

    def _load_callable(self, module: str, name: str) -> Callable_ | None:
        api = self._modules.get(module)
        if api is None:
            return None
        code = f"from {module} import {name}\n"
        found = self._script(code).goto(1, len(code) - 2, follow_imports=True)
        if (
            len(found) != 1
            or found[0].type not in ("function", "class")
            or not self._in_site_packages(found[0].module_path)
        ):
            return None
        definition = _definition_at(
            found[0].module_path, found[0].line, name if found[0].name == name else found[0].name
        )
        params = _keyword_params(definition)
        if params is None:
            return None
        return Callable_(params, f"`{name}` in {api.label.strip('`')}")


_trees: dict[Path, ast.Module | None] = {}


def _tree(path: Path) -> ast.Module | None:
    if path not in _trees:
        try:
            _trees[path] = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            _trees[path] = None
    return _trees[path]


def _module_level(tree: ast.Module) -> list[ast.AST]:
    """Every node that runs at import time, outside function and class bodies (whose
    `setattr` or `globals()` calls do not change the module's names when it is imported)."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue  # its name, not its body, is module level
        stack.extend(ast.iter_child_nodes(node))
    return found


def _names_are_static(path: Path, depth: int = 0) -> bool:
    """Whether every name of the module is written in its source (or in the sources of the
    package-relative modules it star-imports), so a name jedi cannot find does not exist."""
    tree = _tree(path)
    if tree is None or depth > 5:
        return False
    for node in _module_level(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            if not node.level or not node.module:
                return False  # an absolute star import: its names depend on what is installed
            base = path.parent
            for _ in range(node.level - 1):
                base = base.parent
            target = base.joinpath(*node.module.split("."))
            source = target.with_suffix(".py") if target.with_suffix(".py").is_file() else target / "__init__.py"
            if not source.is_file() or not _names_are_static(source, depth + 1):
                return False
        elif isinstance(node, ast.Name) and (
            node.id in ("__getattr__", "globals", "__dir__") or "lazy" in node.id.lower()
        ):
            return False
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in ("__getattr__", "__dir__"):
            return False
        elif isinstance(node, ast.Attribute) and node.attr == "modules" and ast.unparse(node) == "sys.modules":
            return False
    return True


def _definition_at(path: Path, line: int, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | None:
    tree = _tree(path)
    if tree is None:
        return None
    # Module level only, and bound once: nested, conditional or rebound definitions are not definite.
    found = None
    bindings = 0
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            bindings += 1
            if node.lineno <= line <= (node.end_lineno or node.lineno):
                found = node
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.Import | ast.ImportFrom):
            bindings += name in {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
                a.asname or a.name for a in getattr(node, "names", [])
            }
        elif isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
            bindings += any(
                isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.name == name
                for n in ast.walk(node)
            )
    return found if bindings == 1 else None


def _keyword_params(node: ast.AST | None) -> frozenset[str] | None:
    """Keyword-passable parameter names, or None when the signature is not definite."""
    if isinstance(node, ast.ClassDef):
        if node.decorator_list or node.bases or node.keywords:
            return None
        inits = [n for n in node.body if isinstance(n, ast.FunctionDef) and n.name in ("__init__", "__new__")]
        if len(inits) != 1 or inits[0].name != "__init__":
            return None
        params = _keyword_params(inits[0])
        return params - {inits[0].args.args[0].arg} if params is not None and inits[0].args.args else None
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.decorator_list:
        return None
    if node.args.kwarg is not None:
        return None
    return frozenset(a.arg for a in (*node.args.args, *node.args.kwonlyargs))


def _bound_names(tree: ast.Module) -> dict[str, int]:
    """How many times each name is bound in the file (imports, assignments, defs, params...)."""
    counts: dict[str, int] = {}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names = [node.id]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.arg):
            names = [node.arg]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.asname or a.name.split(".", 1)[0] for a in node.names]
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names = list(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names = [node.name]
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            names = [node.name]
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    return counts


def _guarded_lines(tree: ast.Module) -> list[tuple[int, int]]:
    """Line spans where a missing attribute is expected and handled (try/except AttributeError,
    `if hasattr(...)`, version checks)."""
    spans: list[tuple[int, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                if any(t is None or (isinstance(t, ast.Name) and t.id in _ATTRIBUTE_GUARDS) for t in types):
                    spans.append((node.lineno, node.end_lineno or node.lineno))
        elif isinstance(node, ast.If | ast.IfExp):
            test = ast.unparse(node.test)
            if any(word in test for word in ("hasattr", "getattr", "version", "__all__", "dir(")):
                spans.append((node.lineno, node.end_lineno or node.lineno))
    return spans


def api_findings(
    tree: ast.Module, imports: list[ImportRef], checker: ApiChecker, lines: LineIndex, path: str
) -> list[Finding]:
    context = checker.context
    stdlib = context.environment.stdlib

    def third_party(ref: ImportRef) -> bool:
        return (
            not ref.guarded
            and ref.top not in stdlib
            and ref.top != "__future__"
            and context.names.installed(ref.top)
            and not context.is_workspace_module(ref.top, path)
        )

    def offset(line: int, column: int) -> int:
        return lines.offset(line - 1, column, "utf-8")

    candidates = [ref for ref in imports if third_party(ref)]
    if not candidates:
        return []  # nothing installed is used: no tree walk, no jedi
    findings: list[Finding] = []
    bound = _bound_names(tree)
    guarded: list[tuple[int, int]] | None = None

    def is_guarded(line: int) -> bool:
        nonlocal guarded
        if guarded is None:  # computed only when there is something to report
            guarded = _guarded_lines(tree)
        return any(first <= line <= last for first, last in guarded)

    # Local name -> (module, imported name or None for the module itself)
    local: dict[str, tuple[str, str | None]] = {}
    for ref in candidates:
        if ref.is_from:
            api = checker.module(ref.module)
            for imported in ref.names:
                if imported.name == "*" or api is None:
                    continue
                if imported.name not in api.names and not is_guarded(lines.line_col(imported.start)[0] + 1):
                    findings.append(_missing(api, imported.name, imported.start, imported.end))
                    continue
                name = imported.alias or imported.name
                if bound.get(name) != 1:
                    continue
                if _is_submodule(api.path, imported.name):
                    local[name] = (f"{ref.module}.{imported.name}", None)  # `from lsprotocol import types`
                else:
                    local[name] = (ref.module, imported.name)
        elif ref.alias and ("." not in ref.module or ref.alias != ref.top) and bound.get(ref.alias) == 1:
            local[ref.alias] = (ref.module, None)

    if not local:
        return findings
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name):
            target = local.get(node.value.id)
            if target is None or target[1] is not None:
                continue
            api = checker.module(target[0])
            if api is None or node.attr in api.names or is_guarded(node.lineno):
                continue
            start = offset(node.end_lineno or node.lineno, node.end_col_offset or 0) - len(node.attr)
            findings.append(_missing(api, node.attr, start, start + len(node.attr)))
        elif isinstance(node, ast.Call) and node.keywords:
            called = _called(node.func, local)
            if called is None:
                continue
            if checker.module(called[0]) is None:
                continue
            signature = checker.callable(*called)
            if signature is None:
                continue
            for keyword in node.keywords:
                if keyword.arg is None or keyword.arg in signature.params or is_guarded(node.lineno):
                    continue
                start = offset(keyword.lineno, keyword.col_offset)
                findings.append(_unknown_argument(signature, keyword.arg, start))
    return findings


def _is_submodule(package: Path, name: str) -> bool:
    """Whether `name` is a module file or package folder next to a package's __init__."""
    if package.name not in ("__init__.py", "__init__.pyi"):
        return False
    folder = package.parent
    return (folder / f"{name}.py").is_file() or (folder / name / "__init__.py").is_file()


def _called(func: ast.expr, local: dict[str, tuple[str, str | None]]) -> tuple[str, str] | None:
    if isinstance(func, ast.Name):
        target = local.get(func.id)
        if target is not None and target[1] is not None:
            return target[0], target[1]
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        target = local.get(func.value.id)
        if target is not None and target[1] is None:
            return target[0], func.attr
    return None


def _missing(api: ModuleApi, name: str, start: int, end: int) -> Finding:
    public = [n for n in api.suggestable if not n.startswith("_") or name.startswith("_")]
    suggestions = closest(name, public, limit=1)
    message = f"{api.label} has no `{name}`"
    fixes: tuple[Fix, ...] = ()
    if suggestions:
        message += f"; did you mean `{suggestions[0]}`?"
        fixes = (Fix(f"Replace with `{suggestions[0]}`", start, end, suggestions[0]),)
    return Finding("unknown-attribute", message, start, end, fixes=fixes)


def _unknown_argument(signature: Callable_, keyword: str, start: int) -> Finding:
    end = start + len(keyword)
    suggestions = closest(keyword, sorted(signature.params), limit=1)
    message = f"{signature.label} takes no keyword argument `{keyword}`"
    fixes: tuple[Fix, ...] = ()
    if suggestions:
        message += f"; did you mean `{suggestions[0]}`?"
        fixes = (Fix(f"Replace with `{suggestions[0]}`", start, end, suggestions[0]),)
    return Finding("unknown-argument", message, start, end, fixes=fixes)
