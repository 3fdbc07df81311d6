"""What a name of a read module stands for, and what can be said for certain about it: the
keywords a function or class accepts (overloads, dataclass, attrs and NamedTuple fields,
see-through decorators), the attributes a class's instances have, the class a call returns.

Every answer is None when it is not certain: an unknown decorator, a base that cannot be read,
`**kwargs`, a `__getattr__`, a union or `Any` return. None means "say nothing".
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from domain_lsp.analysis.python.modules import MAX_DEPTH, TRY_NODES, Binding, ModuleModel, ModuleReader, live_statements

Function = ast.FunctionDef | ast.AsyncFunctionDef
# Decorators that hand back the function itself or a wrapper with its signature.
TRANSPARENT = frozenset(
    {
        "overload", "staticmethod", "classmethod", "abstractmethod", "final", "override", "lru_cache", "cache",
        "deprecated", "contextmanager", "asynccontextmanager", "no_type_check", "total_ordering",
        "runtime_checkable", "type_check_only", "unique", "dataclass_transform", "coroutine", "disjoint_base",
    }
)  # fmt: skip
PROPERTIES = frozenset({"property", "cached_property", "abstractproperty", "setter", "getter", "deleter"})
DATACLASS = frozenset({"dataclass"})
ATTRS = frozenset({"s", "attrs", "define", "frozen", "mutable", "dataclass"})
ATTRS_MODULES = frozenset({"attr", "attrs"})
FIELD_CALLS = frozenset({"ib", "attrib", "field"})
DYNAMIC_ATTRIBUTES = frozenset({"__getattr__", "__getattribute__"})
TYPING_NAMES = frozenset({"typing", "typing_extensions", "_typeshed"})


@dataclass(frozen=True)
class Def:
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    module: ModuleModel
    stub: bool

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, ast.ClassDef)


@dataclass(frozen=True)
class Lookup:
    """What a name is: a module, definitions (functions or one class), a value that exists but
    is not a definition, or nothing."""

    kind: str
    """"module", "defs", "value", "missing"."""
    module: str = ""
    defs: tuple[Def, ...] = ()


VALUE = Lookup("value")
MISSING = Lookup("missing")


def decorator_name(node: ast.expr) -> str:
    """`functools.lru_cache(maxsize=1)` → `lru_cache`, `attr.s` → `s`."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    try:
        return ast.unparse(node)
    except Exception:  # unparse of an odd node: not a name we know
        return ""


class Symbols:
    def __init__(self, reader: ModuleReader) -> None:
        self.reader = reader

    # -- names ---------------------------------------------------------------------------
    def lookup(self, module: str, name: str, depth: int = 0) -> Lookup:
        model = self.reader.module(module)
        if model is None:
            return MISSING
        return self.lookup_in(model, name, depth)

    def lookup_in(self, model: ModuleModel, name: str, depth: int = 0, builtins: bool = False) -> Lookup:
        if depth > MAX_DEPTH:
            return VALUE
        bindings = model.names.get(name, [])
        if not bindings:
            if model.has_submodule(name):
                return Lookup("module", f"{model.name}.{name}")
            if builtins and model.name != "builtins":
                return self.lookup("builtins", name, depth + 1)
            return MISSING if model.closed else VALUE
        # typeshed describes the standard library: its bindings decide, its sources only add names.
        if self.reader.is_stdlib(model.name) and any(b.stub for b in bindings):
            bindings = [b for b in bindings if b.stub]
        found = [self._binding(b, model, depth) for b in bindings]
        if any(f.kind == "missing" for f in found):
            return VALUE
        if all(f.kind == "module" for f in found) and len({f.module for f in found}) == 1:
            return found[0]
        if all(f.kind == "defs" for f in found):
            defs = tuple(d for f in found for d in f.defs)
            if all(not d.is_class for d in defs) or (len(defs) == 1 or _same_class(defs)):
                return Lookup("defs", defs=defs)
        return VALUE

    def _binding(self, binding: Binding, model: ModuleModel, depth: int) -> Lookup:
        if binding.kind == "def":
            assert isinstance(binding.node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            return Lookup("defs", defs=(Def(binding.node, model, binding.stub),))
        if binding.kind == "module":
            return Lookup("module", binding.target) if self.reader.module(binding.target) is not None else VALUE
        if binding.kind == "import":
            target = self.reader.module(binding.target)
            if target is None:
                return VALUE
            if target.has_submodule(binding.name) and self.reader.module(f"{binding.target}.{binding.name}"):
                return Lookup("module", f"{binding.target}.{binding.name}")  # `from . import path`
            if binding.name in target.names:
                return self.lookup_in(target, binding.name, depth + 1)
            return VALUE
        if isinstance(binding.node, ast.Name | ast.Attribute):  # `Client = _client.Client`
            return self.expression(binding.node, model, depth + 1)
        return VALUE

    def expression(self, node: ast.expr, model: ModuleModel, depth: int = 0) -> Lookup:
        """A name or dotted name as written in `model` (a base class, an alias, an annotation)."""
        if isinstance(node, ast.Name):
            return self.lookup_in(model, node.id, depth, builtins=True)
        if isinstance(node, ast.Attribute):
            owner = self.expression(node.value, model, depth + 1)
            if owner.kind == "module":
                return self.lookup(owner.module, node.attr, depth + 1)
            return VALUE
        if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a forward reference
            try:
                parsed = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return VALUE
            return self.expression(parsed, model, depth + 1)
        return VALUE

    # -- classes -------------------------------------------------------------------------
    def bases(self, cls: Def, depth: int = 0) -> list[Def] | None:
        """The class and its bases in method resolution order (approximately: depth first,
        each once), or None when a base or a metaclass cannot be read."""
        order: list[Def] = []
        seen: set[int] = set()

        def visit(current: Def, level: int) -> bool:
            if id(current.node) in seen:
                return True
            if level > MAX_DEPTH:
                return False
            seen.add(id(current.node))
            order.append(current)
            node = current.node
            assert isinstance(node, ast.ClassDef)
            for keyword in node.keywords:
                if keyword.arg == "metaclass" and decorator_name(keyword.value) not in ("ABCMeta", "type"):
                    return False
            for base in node.bases:
                if isinstance(base, ast.Subscript):
                    base = base.value  # Generic[T], Mapping[str, int]
                name = decorator_name(base)
                if name in ("Generic", "object", "Protocol"):
                    continue
                found = self.expression(base, current.module, depth + 1)
                if found.kind != "defs" or not found.defs or not found.defs[0].is_class:
                    return False
                if not visit(found.defs[0], level + 1):
                    return False
            return True

        return order if visit(cls, 0) else None

    def members(self, cls: Def) -> frozenset[str] | None:
        """Every attribute an instance of the class can have, or None when any may exist."""
        order = self.bases(cls)
        if order is None:
            return None
        names: set[str] = set()
        for current in order:
            node = current.node
            assert isinstance(node, ast.ClassDef)
            if current.module.name == "builtins" and node.name == "object":
                names.update(_class_body_names(node, current.module) or ())
                continue
            for decorator in node.decorator_list:
                name = decorator_name(decorator)
                if name not in TRANSPARENT and name not in DATACLASS and not _is_attrs(decorator):
                    return None  # a decorator may add attributes
            if _special(node, first=current is order[0]):
                return None
            body = _class_body_names(node, current.module)
            if body is None or (DYNAMIC_ATTRIBUTES & body and node.name != "object"):
                return None
            names |= body
        return frozenset(names)

    def is_concrete(self, cls: Def) -> bool:
        """Neither abstract nor a protocol: a value declared as it is most likely exactly it."""
        order = self.bases(cls)
        if order is None:
            return False
        for current in order[:1]:  # a concrete subclass of an ABC is concrete
            node = current.node
            assert isinstance(node, ast.ClassDef)
            if _special(node, first=True) or any(decorator_name(b) in ("ABC", "Protocol") for b in node.bases):
                return False
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    "abstract" in decorator_name(d) for d in item.decorator_list
                ):
                    return False
        return True

    def member(self, cls: Def, name: str) -> Lookup:
        """A class attribute as a definition (a method), when it is one for certain."""
        order = self.bases(cls)
        if order is None:
            return VALUE
        for current in order:
            node = current.node
            assert isinstance(node, ast.ClassDef)
            defs = [
                item
                for item in live_statements(node.body, self.reader.version)
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and item.name == name
            ]
            assigned = any(name in _assigned(item) for item in live_statements(node.body, self.reader.version))
            if assigned:
                return VALUE
            if defs:
                return Lookup("defs", defs=tuple(Def(d, current.module, current.stub) for d in defs))
        return VALUE

    # -- signatures ----------------------------------------------------------------------
    def keywords(self, defs: tuple[Def, ...], bound: bool = False) -> frozenset[str] | None:
        """The keyword arguments a call accepts (any overload), or None when any may be fine.
        `bound`: called through an instance, so the first parameter is taken."""
        accepted: set[str] = set()
        for definition in defs:
            found = (
                self._class_keywords(definition) if definition.is_class else self._function_keywords(definition, bound)
            )
            if found is None:
                return None
            accepted |= found
        return frozenset(accepted)

    def _function_keywords(self, definition: Def, bound: bool) -> frozenset[str] | None:
        node = definition.node
        assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        static = False
        for decorator in node.decorator_list:
            name = decorator_name(decorator)
            if name == "staticmethod":
                static = True
            elif name in PROPERTIES or (name not in TRANSPARENT and not self._wraps_through(decorator, definition)):
                return None
        if node.args.kwarg is not None:
            return None
        names = [a.arg for a in node.args.args]
        if bound and not static and names:
            names = names[1:]
        names += [a.arg for a in node.args.kwonlyargs]
        # Positional-only by the old stub convention: `__x` (not a dunder).
        return frozenset(n for n in names if not (n.startswith("__") and not n.endswith("__")))

    def _wraps_through(self, decorator: ast.expr, definition: Def) -> bool:
        """A decorator of the same module whose wrapper is `@functools.wraps(func)` with
        `(*args, **kwargs)`: calls go through to the decorated function unchanged."""
        if not isinstance(decorator, ast.Name):
            return False
        found = self.lookup_in(definition.module, decorator.id)
        if found.kind != "defs" or len(found.defs) != 1 or found.defs[0].is_class:
            return False
        outer = found.defs[0].node
        assert isinstance(outer, ast.FunctionDef | ast.AsyncFunctionDef)
        if outer.decorator_list or len(outer.args.args) != 1:
            return False
        wrapped = outer.args.args[0].arg
        inner = [n for n in outer.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        returns = [n for n in outer.body if isinstance(n, ast.Return)]
        if len(inner) != 1 or len(returns) != 1 or not isinstance(returns[0].value, ast.Name):
            return False
        wrapper = inner[0]
        if returns[0].value.id != wrapper.name or wrapper.args.vararg is None or wrapper.args.kwarg is None:
            return False
        return any(
            decorator_name(d) == "wraps"
            and isinstance(d, ast.Call)
            and d.args
            and isinstance(d.args[0], ast.Name)
            and d.args[0].id == wrapped
            for d in wrapper.decorator_list
        )

    def _class_keywords(self, definition: Def) -> frozenset[str] | None:
        order = self.bases(definition)
        if order is None:
            return None
        init: tuple[Def, ...] | None = None
        new: tuple[Def, ...] | None = None
        fields: set[str] = set()
        generated = False
        for current in order:
            node = current.node
            assert isinstance(node, ast.ClassDef)
            if current.module.name == "builtins" and node.name == "object":
                break
            if _special(node, first=current is order[0]):
                return None
            kind = self._generated_init(node)
            if kind == "unknown":
                return None
            own = [
                item
                for item in live_statements(node.body, self.reader.version)
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
            if any(item.name == "__call__" for item in own) and _is_metaclass(node):
                return None
            if init is None:
                defined = tuple(Def(i, current.module, current.stub) for i in own if i.name == "__init__")
                if defined:
                    init = defined
                elif kind in ("dataclass", "attrs", "namedtuple"):
                    field_names = _fields(node, kind, self.reader.version)
                    if field_names is None:
                        return None
                    fields |= field_names
                    generated = True
                    if kind == "namedtuple":
                        return frozenset(fields)  # its generated `__new__` takes exactly the fields
            if new is None:
                defined = tuple(Def(i, current.module, current.stub) for i in own if i.name == "__new__")
                if defined:
                    new = defined
        accepted: set[str] = set(fields)
        for defs in (init, new):
            if defs is None:
                continue
            found = self.keywords(defs, bound=True)
            if found is None:
                return None
            accepted |= found
        if init is None and new is None and not generated:
            return frozenset()  # object(): no keyword at all
        return frozenset(accepted)

    def _generated_init(self, node: ast.ClassDef) -> str:
        """ "dataclass", "attrs", "namedtuple", "" (plain) or "unknown" (a decorator or base that
        may write an `__init__` we cannot read)."""
        kind = ""
        for decorator in node.decorator_list:
            name = decorator_name(decorator)
            if name in DATACLASS and not _is_attrs(decorator):
                if isinstance(decorator, ast.Call) and any(k.arg == "init" for k in decorator.keywords):
                    return "unknown"
                kind = "dataclass"
            elif _is_attrs(decorator):
                kind = "attrs"
            elif name not in TRANSPARENT:
                return "unknown"
        for base in node.bases:
            if decorator_name(base) == "NamedTuple":
                kind = "namedtuple"
            elif decorator_name(base) in ("TypedDict", "BaseModel", "Enum", "IntEnum", "StrEnum", "Flag"):
                return "unknown"
        return kind

    # -- return types --------------------------------------------------------------------
    def returned_class(self, defs: tuple[Def, ...], receiver: Def | None = None) -> Def | None:
        """The class every definition's return annotation names, when it is one concrete class
        (`-> Self` and `-> T` with `self: T` are the receiver's)."""
        found: Def | None = None
        for definition in defs:
            node = definition.node
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.returns is None:
                return None
            if isinstance(node, ast.AsyncFunctionDef):
                return None  # a coroutine, not the annotated value
            for decorator in node.decorator_list:
                name = decorator_name(decorator)
                if name in PROPERTIES or name not in TRANSPARENT or name in ("contextmanager", "asynccontextmanager"):
                    return None
            annotation = node.returns
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                try:
                    annotation = ast.parse(annotation.value, mode="eval").body
                except SyntaxError:
                    return None
            result: Def | None
            if decorator_name(annotation) == "Self" or self._is_self_typevar(node, annotation):
                result = receiver
            else:
                if isinstance(annotation, ast.Subscript):
                    annotation = annotation.value  # `CompletedProcess[str]`: the class; `Optional[X]` is no class
                if not isinstance(annotation, ast.Name | ast.Attribute):
                    return None  # unions, literals: not one certain class
                looked = self.expression(annotation, definition.module)
                if looked.kind != "defs" or len(looked.defs) != 1 or not looked.defs[0].is_class:
                    return None
                result = looked.defs[0]
            if result is None or (found is not None and found.node is not result.node):
                return None
            found = result
        if found is None or found.module.name in TYPING_NAMES or not self.is_concrete(found):
            return None  # `-> Any` is a class in typeshed, and means anything
        if found.module.name == "builtins" and found.node.name in ("object", "type"):
            return None
        return found

    @staticmethod
    def _is_self_typevar(node: Function, annotation: ast.expr) -> bool:
        args = node.args.args
        if not args or not isinstance(annotation, ast.Name) or args[0].annotation is None:
            return False
        first = args[0].annotation
        return isinstance(first, ast.Name) and first.id == annotation.id


def _same_class(defs: tuple[Def, ...]) -> bool:
    return len({id(d.node) for d in defs}) == 1


def _is_attrs(decorator: ast.expr) -> bool:
    dotted = _dotted(decorator)
    head, _, tail = dotted.rpartition(".")
    if head:
        return head in ATTRS_MODULES and tail in ATTRS
    return dotted in ("define", "frozen", "mutable", "attrs")


def _is_metaclass(node: ast.ClassDef) -> bool:
    return any(decorator_name(b) == "type" for b in node.bases)


def _special(node: ast.ClassDef, first: bool) -> bool:
    """TypedDicts, enums and models whose members a metaclass or base writes; and, for the
    class itself (not a base), protocols, which any class may satisfy."""
    special = {"TypedDict", "Enum", "IntEnum", "StrEnum", "Flag", "IntFlag", "BaseModel", "type"}
    if first:
        special.add("Protocol")
    return any(decorator_name(b.value if isinstance(b, ast.Subscript) else b) in special for b in node.bases)


def _assigned(node: ast.stmt) -> set[str]:
    names: set[str] = set()
    if isinstance(node, ast.Assign):
        for target in node.targets:
            names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
        names.add(node.target.id)
    return names


def _class_body_names(node: ast.ClassDef, module: ModuleModel) -> set[str] | None:
    """Names a class body binds (in every branch), and `self.x` / `cls.x` assignments in its
    methods; None when a method writes attributes by name (`setattr(self, ...)`, `self.__dict__`)."""
    names: set[str] = set()
    stack: list[ast.stmt] = list(node.body)
    while stack:
        item = stack.pop()
        if isinstance(item, (ast.If, ast.With, *TRY_NODES)):
            stack.extend(getattr(item, "body", []))
            stack.extend(getattr(item, "orelse", []))
            stack.extend(getattr(item, "finalbody", []))
            stack.extend(s for h in getattr(item, "handlers", []) for s in h.body)
        elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(item.name)
        elif isinstance(item, ast.Assign | ast.AnnAssign | ast.AugAssign):
            names |= _assigned(item)
            if "__slots__" in _assigned(item):
                slots = item.value
                if isinstance(slots, ast.Tuple | ast.List | ast.Set):
                    names.update(
                        e.value for e in slots.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
                    )
                elif isinstance(slots, ast.Constant) and isinstance(slots.value, str):
                    names.add(slots.value)
                else:
                    return None
    for child in _walk_outside(node, RESTORING):
        if isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name) and child.value.id in ("self", "cls"):
            if isinstance(child.ctx, ast.Store | ast.Del):
                names.add(child.attr)
            elif child.attr == "__dict__":
                return None
        elif isinstance(child, ast.Call) and child.args and _dotted(child.func) in ("setattr", "object.__setattr__"):
            first = child.args[0]
            if isinstance(first, ast.Name) and first.id in ("self", "cls"):
                return None
    return names


RESTORING = frozenset({"__setstate__", "__getstate__", "__reduce__", "__reduce_ex__", "__copy__", "__deepcopy__"})
"""Methods that copy an instance's existing attributes back (pickling, copying): their
`setattr(self, ...)` adds no name."""


def _walk_outside(node: ast.ClassDef, skipped: frozenset[str]) -> list[ast.AST]:
    found: list[ast.AST] = []
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        for child in ast.iter_child_nodes(current):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and child.name in skipped:
                continue
            stack.append(child)
    return found


def _fields(node: ast.ClassDef, kind: str, version: tuple[int, ...]) -> set[str] | None:
    """The `__init__` parameter names a dataclass, attrs class or NamedTuple gets from its body."""
    names: set[str] = set()
    for item in live_statements(node.body, version):
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            if "ClassVar" in ast.unparse(item.annotation):
                continue
            if item.target.id == "_" or "KW_ONLY" in ast.unparse(item.annotation):
                continue
            call = item.value if isinstance(item.value, ast.Call) else None
            if kind == "attrs" and call is None and item.value is not None:
                pass  # a default value: still a field under auto_attribs
            if call is not None and decorator_name(call.func) in FIELD_CALLS:
                if any(k.arg == "init" for k in call.keywords):
                    return None
                alias = next((k.value for k in call.keywords if k.arg == "alias"), None)
                if alias is not None:
                    if not (isinstance(alias, ast.Constant) and isinstance(alias.value, str)):
                        return None
                    names.add(alias.value)
                    continue
            names.add(_init_name(item.target.id, kind))
        elif isinstance(item, ast.Assign) and kind == "attrs" and isinstance(item.value, ast.Call):
            if decorator_name(item.value.func) in FIELD_CALLS:
                if any(k.arg in ("init", "alias") for k in item.value.keywords):
                    return None
                for target in item.targets:
                    if isinstance(target, ast.Name):
                        names.add(_init_name(target.id, kind))
    return names


def _init_name(name: str, kind: str) -> str:
    """attrs takes the leading underscores off a private field's parameter name."""
    return name.lstrip("_") if kind == "attrs" else name
