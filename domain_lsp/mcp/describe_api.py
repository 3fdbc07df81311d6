"""`describe_api {module, name?}`: whether a module, and a name in it, exists in the installed version."""

from __future__ import annotations

import ast
from typing import Any

from domain_lsp.analysis.suggest import closest
from domain_lsp.mcp.registry import ArgumentError, Tool, optional_text, register, text_argument
from domain_lsp.mcp.state import Workspace

MAX_SIGNATURES = 3
"""Overloads and version branches each have one; more is noise for a model."""


def signature(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    if isinstance(node, ast.ClassDef):
        init = next(
            (n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == "__init__"),
            None,
        )
        bases = ", ".join(ast.unparse(base) for base in node.bases)
        head = f"class {node.name}({bases})" if bases else f"class {node.name}"
        return f"{head}: __init__({ast.unparse(init.args)})" if init is not None else head
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    return f"{prefix} {node.name}({ast.unparse(node.args)}){returns}"


def handle(workspace: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    module = text_argument(arguments, "module", empty=False).strip()
    name = optional_text(arguments, "name")
    if name is not None and not name.strip():
        raise ArgumentError("name", "must not be empty when given")
    if not all(part.isidentifier() for part in module.split(".")):
        raise ArgumentError("module", f"`{module}` is not a dotted module name")
    apis = workspace.current.project.api_checker()
    result: dict[str, Any] = {"module": module}
    if not apis.available:
        result.update(exists=None, note="the Python environment could not be read, so nothing can be said")
        return result
    model = apis.module(module)
    if model is None:
        parent, _, last = module.rpartition(".")
        parent_model = apis.module(parent) if parent else None
        if parent_model is not None:
            candidates = sorted(set(parent_model.names) | set(parent_model.submodules()))
        else:
            environment = apis.context.environment
            candidates = sorted(environment.modules | environment.stdlib)
        result.update(exists=False, closest=[f"{parent}.{c}" if parent else c for c in closest(last, candidates, 5)])
        return result
    result.update(exists=True, version=apis.label(module))
    if name is None:
        public = sorted(n for n in model.names if not n.startswith("_"))
        result["names"] = public[:200]
        result["names_truncated"] = len(public) > 200
        return result
    member = name.strip()
    result["name"] = member
    lookup = apis.symbols.lookup_in(model, member)
    if lookup.kind == "missing":
        result.update(name_exists=False, closest=closest(member, [n for n in model.names if not n.startswith("_")], 5))
        return result
    if lookup.kind == "value" and member not in model.names and not model.closed:
        result.update(name_exists=None, note=f"cannot be told: {model.open_reason}")
        return result
    result["name_exists"] = True
    result["kind"] = {"defs": "callable", "module": "module"}.get(lookup.kind, "value")
    if lookup.kind == "defs":
        result["signatures"] = list(dict.fromkeys(signature(d.node) for d in lookup.defs))[:MAX_SIGNATURES]
    return result


TOOL = register(
    Tool(
        "describe_api",
        "Before calling a library: whether a module (and a name in it) exists in the installed version, "
        "with the signature, and the closest real names when it does not. Read from the installed files, "
        "never imported.",
        {
            "module": {"type": "string", "description": "a dotted module name, e.g. httpx or os.path"},
            "name": {"type": "string", "description": "a function, class or constant in it"},
        },
        ("module",),
        handle,
    )
)
