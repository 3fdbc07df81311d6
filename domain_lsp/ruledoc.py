"""`domain-lsp rule CODE`: what a code means, in the terminal where the finding was read.

The registry (`findings.RULES`) always has the code's severity and one-sentence summary, which
is all a wheel carries: docs/ is not package data. From a source checkout, the code's section
of docs/rules.md (its examples, its fix, when it is not reported) is printed too, as written.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from domain_lsp.findings import RULES, Rule

RULES_MD = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
"""Where docs/rules.md is in a checkout (an editable install). In site-packages this is
another place, so the file must prove it is ours (`_section`)."""


class UnknownRule(ValueError):
    """One line, with the closest codes."""


def rule_for(code: str) -> Rule:
    rule = RULES.get(code.strip().lower())
    if rule is not None:
        return rule
    close = difflib.get_close_matches(code, list(RULES), n=2, cutoff=0.5)
    hint = " or ".join(f"`{name}`" for name in close)
    raise UnknownRule(
        f"unknown code `{code}`; " + (f"did you mean {hint}?" if close else "`domain-lsp rule` lists the codes")
    )


def _section(code: str, docs: Path) -> str | None:
    """The text under `## code` up to the next heading of its level, or None when the file is
    not there or is not domain-lsp's rules.md."""
    try:
        text = docs.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("# Rules\n") or "domain-lsp" not in text[:1000]:
        return None
    heading = f"\n## {code}\n"
    start = text.find(heading)
    if start == -1:
        return None
    body = text[start + len(heading) :]
    end = body.find("\n## ")
    return (body if end == -1 else body[:end]).strip()


def render(code: str, docs: Path = RULES_MD) -> str:
    """Raises UnknownRule."""
    rule = rule_for(code)
    lines = [f"{rule.code} ({rule.severity.label})", "", rule.summary]
    section = _section(rule.code, docs)
    if section is not None:
        lines += ["", section]
    lines += ["", f"Docs: {rule.href}"]
    return "\n".join(lines) + "\n"


def render_list() -> str:
    """Every code, its default severity and summary, in the registry's order (rules.md's)."""
    width = max(len(code) for code in RULES)
    return "".join(f"{rule.code:<{width}}  {rule.severity.label:<11}  {rule.summary}\n" for rule in RULES.values())
