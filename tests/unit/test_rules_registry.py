"""The SQL rule registry (analysis/sql/rules/): one module per rule, each code declared in the
product's code registry (findings.RULES, which docs/rules.md is tested against) with the same
severity and summary, each code registered once."""

from __future__ import annotations

import importlib
import pkgutil

from domain_lsp.analysis.sql import rules
from domain_lsp.findings import RULES as CODES


def test_every_rule_is_a_declared_code_with_its_severity_and_doc() -> None:
    for rule in rules.RULES:
        assert rule.code in CODES, rule.code
        assert rule.severity == CODES[rule.code].severity, rule.code
        assert rule.doc == CODES[rule.code].summary, rule.code


def test_each_code_is_registered_once_and_every_rule_module_is_registered() -> None:
    codes = [rule.code for rule in rules.RULES]
    assert len(codes) == len(set(codes))
    modules = [m.name for m in pkgutil.iter_modules(rules.__path__) if not m.name.startswith("_")]
    registered = {rule.check.__module__ for rule in rules.RULES}
    for name in modules:
        module = importlib.import_module(f"{rules.__name__}.{name}")
        assert module.RULE in rules.RULES, f"rules/{name}.py is not in rules.RULES"
        assert module.__name__ in registered


def test_only_unknown_function_runs_without_a_catalog() -> None:
    assert {rule.code for rule in rules.RULES if not rule.needs_catalog} == {"unknown-function"}
