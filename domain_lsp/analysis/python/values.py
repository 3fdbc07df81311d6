"""What the names and expressions of one Python file stand for, where that is certain: the
modules it imports, the functions and classes it takes from them, and instances whose class is
known (`httpx.Client()`, `Path(p)`, `httpx.get(u)` with an annotated return, `with X() as c`).

A local name counts only when the file binds it exactly once (an import, an assignment, a
`with ... as`): rebound names, parameters and loop variables may hold anything.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from domain_lsp.analysis.python.symbols import Def, Symbols, decorator_name


@dataclass(frozen=True)
class Value:
    kind: str
    """"module", "defs" (functions or a class), "instance", "method" (bound to `receiver`)."""
    module: str
    """The module (for "module"), or the module the user took the thing from."""
    name: str = ""
    """How messages name it: `Client`, `Client.get`, `get`."""
    defs: tuple[Def, ...] = ()
    receiver: Def | None = None

    @property
    def cls(self) -> Def | None:
        return self.defs[0] if self.kind == "instance" and self.defs else None


def _method_kind(definition: Def) -> str:
    if definition.is_class:
        return "class"
    names = {decorator_name(d) for d in definition.node.decorator_list}
    return "classmethod" if "classmethod" in names else "staticmethod" if "staticmethod" in names else "method"


def bound_names(tree: ast.Module) -> dict[str, int]:
    """How many times each name is bound in the file (imports, assignments, defs, params...)."""
    counts: dict[str, int] = {}
    imported_modules: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names = [node.id]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.arg):
            names = [node.arg]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".", 1)[0]
                key = (local, alias.name if alias.asname else local)
                if key not in imported_modules:  # `import os` and `import os.path` bind `os` alike
                    imported_modules.add(key)
                    names.append(local)
        elif isinstance(node, ast.ImportFrom):
            names = [a.asname or a.name for a in node.names]
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names = list(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names = [node.name]
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            names = [node.name]
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names = [node.rest]
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    return counts


class FileValues:
    def __init__(self, tree: ast.Module, symbols: Symbols, imported: dict[str, Value]) -> None:
        self.symbols = symbols
        self.bound = bound_names(tree)
        self.local: dict[str, Value | None] = {name: v for name, v in imported.items() if self.bound.get(name) == 1}
        self._pending: dict[str, ast.expr | tuple[str, ast.expr]] = {}
        self._evaluating: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self._remember(node.targets[0].id, node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                self._remember(node.target.id, node.value)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if isinstance(item.optional_vars, ast.Name):
                        kind = "with" if isinstance(node, ast.With) else "async with"
                        self._remember(item.optional_vars.id, (kind, item.context_expr))

    def _remember(self, name: str, value: ast.expr | tuple[str, ast.expr]) -> None:
        if self.bound.get(name) == 1 and name not in self.local:
            self._pending[name] = value

    def name(self, name: str) -> Value | None:
        if name in self.local:
            return self.local[name]
        pending = self._pending.get(name)
        if pending is None or name in self._evaluating:
            return None
        self._evaluating.add(name)
        try:
            if isinstance(pending, tuple):
                kind, expression = pending
                value = self._entered(self.infer(expression)) if kind == "with" else None
            else:
                value = self.infer(pending)
        finally:
            self._evaluating.discard(name)
        self.local[name] = value
        return value

    def infer(self, node: ast.expr) -> Value | None:
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.infer(node.value), node.attr)
        if isinstance(node, ast.Call):
            return self.called(self.infer(node.func))
        if isinstance(node, ast.Await):
            return None
        return None

    def attribute(self, owner: Value | None, attr: str) -> Value | None:
        if owner is None:
            return None
        if owner.kind == "module":
            found = self.symbols.lookup(owner.module, attr)
            if found.kind == "module":
                return Value("module", found.module)
            if found.kind == "defs":
                return Value("defs", owner.module, attr, found.defs)
            return None
        if owner.kind == "defs" and len(owner.defs) == 1 and owner.defs[0].is_class:
            # `Path.cwd()`, `datetime.now()`: class and static methods called on the class
            found = self.symbols.member(owner.defs[0], attr)
            kinds = {_method_kind(d) for d in found.defs} if found.kind == "defs" else set()
            if kinds == {"classmethod"}:
                return Value("method", owner.module, f"{owner.name}.{attr}", found.defs, receiver=owner.defs[0])
            if kinds == {"staticmethod"}:
                return Value("defs", owner.module, f"{owner.name}.{attr}", found.defs)
            return None
        cls = owner.cls
        if cls is not None:
            found = self.symbols.member(cls, attr)
            if found.kind == "defs" and all(not d.is_class for d in found.defs):
                return Value("method", owner.module, f"{owner.name}.{attr}", found.defs, receiver=cls)
        return None

    def called(self, callee: Value | None) -> Value | None:
        if callee is None:
            return None
        if callee.kind == "defs" and len(callee.defs) == 1 and callee.defs[0].is_class:
            cls = callee.defs[0]
            return Value("instance", callee.module, callee.name, (cls,)) if self._constructs(cls) else None
        if callee.kind in ("defs", "method"):
            returned = self.symbols.returned_class(callee.defs, callee.receiver)
            if returned is not None:
                return Value("instance", callee.module, returned.node.name, (returned,))
        return None

    def _constructs(self, cls: Def) -> bool:
        """Calling the class gives an instance of it: no `__new__` in its sources that may
        return something else, no metaclass `__call__` (bases() refuses unknown metaclasses)."""
        order = self.symbols.bases(cls)
        if order is None:
            return False
        for current in order:
            if current.stub:
                continue
            node = current.node
            assert isinstance(node, ast.ClassDef)
            if any(isinstance(i, ast.FunctionDef) and i.name == "__new__" for i in node.body):
                return False
        return True

    def _entered(self, value: Value | None) -> Value | None:
        """`with value as c`: what `__enter__` returns."""
        cls = value.cls if value is not None else None
        if value is None or cls is None:
            return None
        enter = self.symbols.member(cls, "__enter__")
        if enter.kind != "defs":
            return None
        returned = self.symbols.returned_class(enter.defs, cls)
        if returned is None:
            return None
        name = value.name if returned.node is cls.node else returned.node.name
        return Value("instance", value.module, name, (returned,))
