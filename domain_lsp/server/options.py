"""`initializationOptions` as the editor sends them (the VS Code extension's settings, Neovim's
`init_options`): each one that is unknown or not understood is reported, never silently dropped,
and the others still apply."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from domain_lsp.findings import RULES, Severity

KNOWN = ("trusted", "severity", "configPath")
LEVELS = ("error", "warning", "information", "hint", "off")


def _hint(word: str, known: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else f"; known: {', '.join(known)}"


def option_problems(options: Any, root: Path | None) -> list[str]:
    """What is wrong with the options, one sentence each (what was sent, and what was done)."""
    if options is None:
        return []
    if not isinstance(options, dict):
        return [f"initializationOptions should be an object, got {type(options).__name__}; ignored"]
    problems = [f"unknown option `{name}`{_hint(str(name), KNOWN)}; ignored" for name in options if name not in KNOWN]
    severity = options.get("severity")
    if severity is not None and not isinstance(severity, dict):
        problems.append("option `severity` should map rule codes to levels; ignored")
    elif isinstance(severity, dict):
        for code, level in severity.items():
            if code not in RULES:
                problems.append(f"severity: unknown code `{code}`{_hint(str(code), list(RULES))}; ignored")
            elif not isinstance(level, str) or level.lower() not in LEVELS:
                problems.append(f"severity.{code}: `{level}` is not one of {', '.join(LEVELS)}; ignored")
    config = options.get("configPath")
    if config is not None and not isinstance(config, str):
        problems.append("option `configPath` should be a path; ignored")
    elif isinstance(config, str) and config:
        path = Path(config) if Path(config).is_absolute() or root is None else root / config
        if not path.is_file():
            problems.append(f"configPath `{config}` is not a file; no config applies until it is fixed")
    trusted = options.get("trusted")
    if trusted is not None and not isinstance(trusted, bool):
        problems.append("option `trusted` is only trusted as the boolean true; the workspace is untrusted")
    return problems


def severity_levels(severity: dict[str, Any]) -> tuple[dict[str, Severity], frozenset[str]]:
    """The valid entries of `severity`: overrides, and the codes turned off."""
    overrides: dict[str, Severity] = {}
    ignored: set[str] = set()
    for code, level in severity.items():
        if code not in RULES or not isinstance(level, str) or level.lower() not in LEVELS:
            continue
        if level.lower() == "off":
            ignored.add(code)
        else:
            overrides[code] = Severity[level.upper()]
    return overrides, frozenset(ignored)
