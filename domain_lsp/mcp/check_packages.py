"""`check_packages {names}`: whether each module or distribution may be imported here."""

from __future__ import annotations

from typing import Any

from domain_lsp.analysis.suggest import closest
from domain_lsp.inventory.model import normalize
from domain_lsp.inventory.packages import PackageContext, replacement_in
from domain_lsp.mcp.registry import ArgumentError, Tool, register
from domain_lsp.mcp.state import Workspace

MAX_NAMES = 200


def status_of(context: PackageContext, name: str) -> dict[str, Any]:
    module = name.strip()
    top = module.split(".", 1)[0]
    result: dict[str, Any] = {"name": module}
    environment = context.environment
    denied = context.denial(module, top)
    dist = environment.distribution(module) or next(
        (environment.distribution(d) for d in context.names.installed_by(top)), None
    )
    if dist is not None:
        result["installed"] = {"distribution": dist.name, "version": dist.version}
    declared = context.inventory.declared.get(normalize(module)) is not None or bool(context.names.declared_by(top))
    if denied is not None:
        what, reason = denied
        result.update(status="denied", denied=what, reason=reason)
        replacement = replacement_in(reason)
        if replacement:
            result["replacement"] = replacement
    elif top in environment.stdlib:
        result["status"] = "stdlib"
    elif declared:
        result["status"] = "declared"
    elif dist is not None or context.names.installed(top):
        result["status"] = "undeclared" if context.grounded else "installed"
    elif context.is_workspace_module(top, ""):
        result["status"] = "workspace"
    else:
        result["status"] = "unknown"
        candidates = [d.name for d in environment.distributions.values()] + list(environment.modules)
        near = closest(top, sorted(set(candidates)), 3)
        if near:
            result["closest"] = near
        result["note"] = "no declared or installed package provides it: likely invented; do not import it"
    return result


def handle(workspace: Workspace, arguments: dict[str, Any]) -> dict[str, Any]:
    names = arguments["names"]
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names:
        raise ArgumentError("names", "expects a non-empty array of module or distribution names")
    if len(names) > MAX_NAMES:
        raise ArgumentError("names", f"has {len(names)} names; at most {MAX_NAMES} at once")
    for position, name in enumerate(names):
        if not isinstance(name, str) or not name.strip():
            raise ArgumentError("names", f"item {position} is not a non-empty string")
    context = workspace.current.project.package_context()
    return {"packages": [status_of(context, name) for name in names], "grounded": context.grounded}


TOOL = register(
    Tool(
        "check_packages",
        "Before importing or adding a dependency: for each module or distribution name, whether the team "
        "declares it, it is installed (with its version) but undeclared, the policy denies it (with the team's "
        "replacement), it is the standard library, or it is unknown (likely invented).",
        {"names": {"type": "array", "items": {"type": "string"}, "description": "module or distribution names"}},
        ("names",),
        handle,
    )
)
