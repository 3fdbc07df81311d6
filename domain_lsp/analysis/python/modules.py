"""What a module of the configured environment defines, read from its files with `ast` (never
imported, never run): the installed package's source and the `.pyi` stubs beside it, and for
the standard library typeshed's stubs for the interpreter's Python version (the copy jedi
ships) together with the interpreter's own `.py` sources.

A module is *closed* when every name it can have is written in those files: names bound at
module level in any branch the interpreter's version can take, names of the modules it
star-imports (themselves closed), its submodules, and names functions declare `global`. It is
*open* when something creates names at import time (a module `__getattr__`, `globals()` or
`sys.modules` writes, lazy loaders, `exec`, a star import that cannot be read, a compiled
module without a stub): then no name of it is ever reported missing.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_DYNAMIC_SOURCE = re.compile(
    r"globals\(\)\s*(?:\[|\.update|\.setdefault|\.__setitem__)"
    r"|vars\(\)\s*(?:\[|\.update)"
    r"|sys\.modules\[[^\]\n]+\]\s*(?:=[^=]|\.__dict__)"
    r"|setattr\(\s*sys\.modules"
)
_IMPORT_HOOKS = re.compile(r"sys\.modules|__path__|meta_path|path_hooks|extend_path")
"""What may make `import pkg.sub` find a module that is not a file of the package."""
_COMPILED_SUFFIXES = (".so", ".pyd")
TRY_NODES: tuple[Any, ...] = tuple(getattr(ast, name) for name in ("Try", "TryStar") if hasattr(ast, name))
RUNTIME_ALIASES = {"os.path": ("posixpath", "ntpath")}
"""Standard modules that are another module at run time (os.py puts it in sys.modules)."""
MAX_DEPTH = 12
"""Star imports and re-exports followed this deep; deeper is treated as open (a cycle or a maze)."""


def typeshed_folder() -> Path | None:
    """typeshed as jedi ships it (found without importing jedi)."""
    try:
        spec = importlib.util.find_spec("jedi")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "third_party" / "typeshed"
    return folder if (folder / "stdlib" / "builtins.pyi").is_file() else None


@dataclass
class Binding:
    """One way a module binds a name."""

    kind: str
    """"def" (function or class: `node`), "module" (`target` module), "import" (`target`
    module's `name`), "value" (anything else; `node` is the assigned expression, if any)."""
    node: ast.AST | None = None
    target: str = ""
    name: str = ""
    module: ModuleModel | None = field(default=None, repr=False)
    """The module whose file holds the binding."""
    stub: bool = False


@dataclass
class ModuleModel:
    name: str
    files: list[Path]
    stub_only: bool
    """Every file is a stub (the runtime module is compiled or only described)."""
    folders: list[Path] = field(default_factory=list)
    """Package folders, where submodules live."""
    names: dict[str, list[Binding]] = field(default_factory=dict)
    open_reason: str = ""
    """Why any name may exist ("" when the module is closed)."""
    all_names: tuple[str, ...] | None = None
    """`__all__`, when it is written out."""
    import_hooks: bool = False
    """Its files touch `sys.modules`, `__path__` or import hooks: submodules may come from elsewhere."""
    open_all: bool = False
    """`__all__` is also built some other way (`__all__ += other.__all__`)."""
    trees: list[tuple[Path, ast.Module]] = field(default_factory=list, repr=False)

    @property
    def closed(self) -> bool:
        return not self.open_reason

    def has(self, name: str) -> bool:
        return name in self.names or self.has_submodule(name)

    def has_submodule(self, name: str) -> bool:
        for folder in self.folders:
            if (folder / f"{name}.py").is_file() or (folder / f"{name}.pyi").is_file():
                return True
            if (folder / name).is_dir():
                return True  # a package, or a namespace package
            try:
                if any(
                    entry.startswith(name + ".") and entry.endswith(_COMPILED_SUFFIXES) for entry in os.listdir(folder)
                ):
                    return True
            except OSError:
                return True
        return False

    def submodules(self) -> list[str]:
        found: set[str] = set()
        for folder in self.folders:
            try:
                entries = os.listdir(folder)
            except OSError:
                continue
            for entry in entries:
                stem = entry.split(".", 1)[0]
                if stem.isidentifier() and (
                    entry.endswith((".py", ".pyi", *_COMPILED_SUFFIXES)) or (folder / entry).is_dir()
                ):
                    found.add(stem)
        found.discard("__init__")
        return sorted(found)

    def exported(self) -> set[str] | None:
        """What `from this import *` binds; None when it cannot be known."""
        if self.all_names is not None and not self.open_all:
            return set(self.all_names)  # a star import binds exactly `__all__`, however open the module
        if not self.closed:
            return None
        return {name for name in self.names if not name.startswith("_")}


def version_test(test: ast.expr, version: tuple[int, ...]) -> bool | None:
    """The value of a `sys.version_info` comparison for this interpreter; None for any other
    test (platform checks, TYPE_CHECKING...), whose branches are then all taken."""
    if isinstance(test, ast.BoolOp):
        values = [version_test(v, version) for v in test.values]
        if isinstance(test.op, ast.And):
            return False if False in values else (None if None in values else True)
        return True if True in values else (None if None in values else False)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        value = version_test(test.operand, version)
        return None if value is None else not value
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    left = _version_value(test.left, version)
    right = _literal_version(test.comparators[0])
    if left is None or right is None:
        return None
    op = test.ops[0]
    if isinstance(left, int) != isinstance(right, int):
        return None
    compare = {
        ast.Lt: lambda a, b: a < b,
        ast.LtE: lambda a, b: a <= b,
        ast.Gt: lambda a, b: a > b,
        ast.GtE: lambda a, b: a >= b,
        ast.Eq: lambda a, b: a == b,
        ast.NotEq: lambda a, b: a != b,
    }.get(type(op))
    return None if compare is None else bool(compare(left, right))


def _is_version_info(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "version_info" and isinstance(node.value, ast.Name)


def _version_value(node: ast.expr, version: tuple[int, ...]) -> tuple[int, ...] | int | None:
    if _is_version_info(node):
        return tuple(version)
    if isinstance(node, ast.Subscript) and _is_version_info(node.value):
        index = node.slice
        if isinstance(index, ast.Constant) and isinstance(index.value, int) and index.value < len(version):
            return version[index.value]
        if isinstance(index, ast.Slice) and index.lower is None and index.step is None:
            if isinstance(index.upper, ast.Constant) and isinstance(index.upper.value, int):
                return tuple(version[: index.upper.value])
    if isinstance(node, ast.Attribute) and _is_version_info(node.value) and node.attr in ("major", "minor"):
        return version[0] if node.attr == "major" else version[1]
    return None


def _literal_version(node: ast.expr) -> tuple[int, ...] | int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) and isinstance(e.value, int) for e in node.elts):
        return tuple(e.value for e in node.elts)  # type: ignore[attr-defined]
    return None


def live_statements(body: list[ast.stmt], version: tuple[int, ...]) -> list[ast.stmt]:
    """The statements of a block that can run on this version, nested blocks flattened (each
    `if` keeps the branches its version test allows; try, with and loops keep all)."""
    out: list[ast.stmt] = []
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If):
            value = version_test(node.test, version)
            branch = node.body if value is True else node.orelse if value is False else node.body + node.orelse
            stack.extend(reversed(branch))
        elif isinstance(node, TRY_NODES):
            nested = node.body + [s for h in node.handlers for s in h.body] + node.orelse + node.finalbody
            stack.extend(reversed(nested))
        elif isinstance(node, ast.With | ast.AsyncWith):
            stack.extend(reversed(node.body))
        elif isinstance(node, ast.For | ast.AsyncFor | ast.While):
            out.append(node)  # its target is bound
            stack.extend(reversed(node.body + node.orelse))
        elif isinstance(node, ast.Match):
            stack.extend(reversed([s for case in node.cases for s in case.body]))
        else:
            out.append(node)
    return out


def _targets(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Tuple | ast.List):
        return [name for element in node.elts for name in _targets(element)]
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    return []


def _string_list(node: ast.expr | None) -> list[str] | None:
    if isinstance(node, ast.List | ast.Tuple) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return [e.value for e in node.elts]  # type: ignore[attr-defined]
    return None


class ModuleReader:
    """Finds and reads modules of one environment; each module read once (per file version)."""

    def __init__(
        self,
        site_dirs: tuple[str, ...],
        stdlib: frozenset[str],
        version: tuple[int, ...],
        stdlib_dir: str = "",
        typeshed: Path | None = None,
    ) -> None:
        self.site_dirs = tuple(Path(d) for d in site_dirs)
        self.stdlib = stdlib
        self.version = tuple(version[:3])
        self.stdlib_dir = Path(stdlib_dir) if stdlib_dir else None
        self.typeshed = typeshed if typeshed is not None else typeshed_folder()
        self._modules: dict[str, ModuleModel | None] = {}
        self._reading: set[str] = set()
        self._trees: dict[Path, ast.Module | None] = {}
        self._lock = threading.RLock()

    def is_stdlib(self, module: str) -> bool:
        return module.split(".", 1)[0] in self.stdlib or module == "builtins"

    # -- finding files -------------------------------------------------------------------
    def _candidates(self, module: str) -> tuple[list[Path], list[Path], bool]:
        """(files, package folders, compiled) for a dotted module name."""
        parts = module.split(".")
        files: list[Path] = []
        folders: list[Path] = []
        compiled = False
        roots: list[tuple[Path, bool]] = []
        if self.is_stdlib(module):
            if self.typeshed is not None:
                roots.append((self.typeshed / "stdlib", True))
            if self.stdlib_dir is not None:
                roots.append((self.stdlib_dir, False))
        else:
            for site in self.site_dirs:
                roots.append((site / f"{parts[0]}-stubs", True))  # PEP 561 stub-only package
                roots.append((site, False))
        for root, stubs_only in roots:
            if stubs_only and root.name.endswith("-stubs"):
                base = root.joinpath(*parts[1:])
            else:
                base = root.joinpath(*parts)
            package = base
            for init in ("__init__.pyi", "__init__.py"):
                if stubs_only and init.endswith(".py"):
                    continue
                if (package / init).is_file():
                    files.append(package / init)
            if package.is_dir() and (not stubs_only or files):
                folders.append(package)
            for suffix in (".pyi",) if stubs_only else (".pyi", ".py"):
                if base.with_name(base.name + suffix).is_file():
                    files.append(base.with_name(base.name + suffix))
            if not stubs_only and base.parent.is_dir():
                try:
                    compiled = compiled or any(
                        entry.startswith(base.name + ".") and entry.endswith(_COMPILED_SUFFIXES)
                        for entry in os.listdir(base.parent)
                    )
                except OSError:
                    pass
        return files, folders, compiled

    def tree(self, path: Path) -> ast.Module | None:
        with self._lock:
            if path not in self._trees:
                try:
                    text = path.read_text(encoding="utf-8")
                    tree = ast.parse(text)
                    tree.type_ignores = []
                    if _DYNAMIC_SOURCE.search(text):
                        tree.type_ignores.append(ast.TypeIgnore(0, "domain-lsp:dynamic"))
                    if _IMPORT_HOOKS.search(text):
                        tree.type_ignores.append(ast.TypeIgnore(0, "domain-lsp:hooks"))
                    self._trees[path] = tree
                except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
                    self._trees[path] = None
            return self._trees[path]

    # -- reading -------------------------------------------------------------------------
    def module(self, name: str) -> ModuleModel | None:
        """The module, or None when no file of it is found (not installed, or only compiled
        without a stub: nothing static to read)."""
        with self._lock:
            if name in self._modules:
                return self._modules[name]
            if name in self._reading or len(self._reading) > MAX_DEPTH:
                return ModuleModel(name, [], False, open_reason="imports itself while it is read")
            self._reading.add(name)
            try:
                model = self._read(name)
            finally:
                self._reading.discard(name)
            self._modules[name] = model
            return model

    def _read(self, name: str) -> ModuleModel | None:
        files, folders, compiled = self._candidates(name)
        for alias in RUNTIME_ALIASES.get(name, ()):  # `os.path` is posixpath or ntpath at run time
            files.extend(f for f in self._candidates(alias)[0] if f.suffix == ".py")
        if not files:
            if folders:  # a namespace package: its names are its submodules
                return ModuleModel(name, [], False, folders, open_reason="a namespace package")
            return None
        stub_only = all(f.suffix == ".pyi" for f in files)
        model = ModuleModel(name, files, stub_only, folders)
        if compiled and stub_only and not self.is_stdlib(name):
            model.open_reason = "compiled; its stub may not list every name"
        if self.is_stdlib(name) and not any(f.suffix == ".pyi" for f in files):
            model.open_reason = "typeshed has no stub for it"
        package = name if any(f.stem == "__init__" for f in files) else name.rpartition(".")[0]
        for path in files:
            tree = self.tree(path)
            if tree is None:
                model.open_reason = model.open_reason or f"{path.name} cannot be parsed"
                continue
            model.trees.append((path, tree))
            runtime_stdlib = self.is_stdlib(name) and path.suffix == ".py"
            before = model.open_reason
            tags = {t.tag for t in tree.type_ignores}
            if "domain-lsp:dynamic" in tags:
                model.open_reason = model.open_reason or "creates names at run time"
            if "domain-lsp:hooks" in tags:
                model.import_hooks = True
            self._bind(model, tree, package, path.suffix == ".pyi")
            if runtime_stdlib:
                # typeshed describes the standard library; its sources only add names (`os`
                # writes sys.modules to make `os.path`, which the stub already says).
                model.open_reason = before
        return model

    def _bind(self, model: ModuleModel, tree: ast.Module, package: str, stub: bool) -> None:
        def add(name: str, binding: Binding) -> None:
            binding.module = model
            binding.stub = stub
            model.names.setdefault(name, []).append(binding)

        for node in live_statements(tree.body, self.version):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if node.name in ("__getattr__", "__dir__") and not isinstance(node, ast.ClassDef):
                    model.open_reason = model.open_reason or "has a module `__getattr__`"
                add(node.name, Binding("def", node))
                if not isinstance(node, ast.ClassDef):
                    for inner in ast.walk(node):
                        if isinstance(inner, ast.Global):
                            for global_name in inner.names:
                                add(global_name, Binding("value"))
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                value = node.value
                for target in targets:
                    for bound in _targets(target):
                        if bound == "__getattr__":
                            model.open_reason = model.open_reason or "has a module `__getattr__`"
                        if bound == "__all__":
                            self._record_all(model, node)
                        add(bound, Binding("value", value))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        add(alias.asname, Binding("module", target=alias.name))
                    else:
                        top = alias.name.split(".", 1)[0]
                        add(top, Binding("module", target=top))
            elif isinstance(node, ast.ImportFrom):
                source = self._absolute(node, package)
                if source is None:
                    model.open_reason = model.open_reason or "a relative import goes above its package"
                    continue
                for alias in node.names:
                    if alias.name == "*":
                        self._star(model, source, stub, add)
                    else:
                        add(alias.asname or alias.name, Binding("import", target=source, name=alias.name))
            elif isinstance(node, ast.For | ast.AsyncFor):
                for bound in _targets(node.target):
                    add(bound, Binding("value"))
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                call = ast.unparse(node.value.func)
                if "lazy" in call.lower() or call == "exec":
                    model.open_reason = model.open_reason or f"calls `{call}` at import time"
            elif isinstance(node, ast.Delete):
                continue
        for expression in ast.walk(tree):
            if isinstance(expression, ast.NamedExpr) and isinstance(expression.target, ast.Name):
                add(expression.target.id, Binding("value"))

    def _record_all(self, model: ModuleModel, node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
        listed = _string_list(node.value)
        if listed is None:
            model.open_all = True  # `__all__ = other.__all__ + [...]`: not written out
            return
        if isinstance(node, ast.AugAssign):
            model.all_names = (*(model.all_names or ()), *listed)
        else:
            model.all_names = (*(model.all_names or ()), *listed) if model.all_names else tuple(listed)

    @staticmethod
    def _absolute(node: ast.ImportFrom, package: str) -> str | None:
        if not node.level:
            return node.module or ""
        parts = package.split(".") if package else []
        if node.level - 1 > len(parts):
            return None
        base = parts[: len(parts) - (node.level - 1)]
        if node.module:
            base.append(node.module)
        return ".".join(base) if base else None

    def _star(self, model: ModuleModel, source: str, stub: bool, add: object) -> None:
        target = self.module(source)
        exported = target.exported() if target is not None else None
        if exported is None:
            model.open_reason = model.open_reason or f"star-imports `{source}`, which cannot be read"
            return
        for name in sorted(exported):
            add(name, Binding("import", target=source, name=name))  # type: ignore[operator]
