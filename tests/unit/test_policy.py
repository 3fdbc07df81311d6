"""[diagnostics] in the config and the Policy both front-ends apply to findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain_lsp.config import ConfigError, DiagnosticSettings, load_config
from domain_lsp.findings import Finding, Severity
from domain_lsp.policy import Policy, UnknownCode, parse_codes


def config(tmp_path: Path, text: str) -> DiagnosticSettings:
    path = tmp_path / "domain-lsp.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path).diagnostics


def test_diagnostics_table_is_read(tmp_path: Path) -> None:
    settings = config(
        tmp_path,
        '[diagnostics]\nselect = ["unknown-column", "file-error"]\nignore = ["file-error"]\n'
        '[diagnostics.severity]\n"unknown-column" = "Warning"\n',
    )
    assert settings == DiagnosticSettings(
        select=("unknown-column", "file-error"), ignore=("file-error",), severity=(("unknown-column", "warning"),)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[diagnostics]\nselect = ["unknown-colum"]\n',
            "domain-lsp.toml:2: diagnostics.select: unknown code `unknown-colum`; did you mean `unknown-column`?",
        ),
        ('[diagnostics]\nignore = "nonsense-here"\n', "diagnostics.ignore: unknown code `nonsense-here`; see"),
        (
            '[diagnostics]\nseverity = { "unknown-column" = "warn" }\n',
            "domain-lsp.toml:2: diagnostics.severity.unknown-column: unknown severity `warn`; did you mean `warning`?",
        ),
        (
            '[diagnostics.severity]\n"unknown-tabel" = "hint"\n',
            "domain-lsp.toml:2: diagnostics.severity.unknown-tabel: unknown code `unknown-tabel`; did you mean",
        ),
        ('[diagnostics]\nseverity = ["x"]\n', "diagnostics.severity: expected a table, got an array"),
        ("[diagnostics]\nselct = []\n", "diagnostics.selct: unknown key; did you mean `select`?"),
    ],
)
def test_bad_diagnostics_config_is_one_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config(tmp_path, text)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_parse_codes_suggests_the_closest_code() -> None:
    assert parse_codes(" unknown-table, syntax-error ,") == ("unknown-table", "syntax-error")
    with pytest.raises(UnknownCode, match=r"unknown code `unknwon-table`; did you mean `unknown-table`\?"):
        parse_codes("unknwon-table")


FINDINGS = [
    Finding("unknown-column", "c", 0, 1),
    Finding("unknown-table", "t", 2, 3),
    Finding("syntax-error", "s", 4, 5),
    Finding("unknown-package", "guarded", 6, 7, Severity.HINT),
]


def test_select_keeps_only_the_codes_and_ignore_wins() -> None:
    policy = Policy.build(select=("unknown-column", "unknown-table"), ignore=("unknown-table",))
    assert [f.code for f in policy.apply(FINDINGS)] == ["unknown-column"]


def test_command_line_select_replaces_the_configs_and_ignore_adds_to_it() -> None:
    settings = DiagnosticSettings(select=("syntax-error",), ignore=("unknown-table",))
    assert [f.code for f in Policy.build(settings).apply(FINDINGS)] == ["syntax-error"]
    policy = Policy.build(
        settings, select=("unknown-column", "unknown-table", "syntax-error"), ignore=("syntax-error",)
    )
    assert [f.code for f in policy.apply(FINDINGS)] == ["unknown-column"]


def test_severity_override_never_raises_a_softened_finding() -> None:
    settings = DiagnosticSettings(severity=(("unknown-column", "warning"), ("unknown-package", "warning")))
    by_code = {f.code: f.effective_severity for f in Policy.build(settings).apply(FINDINGS)}
    assert by_code == {
        "unknown-column": Severity.WARNING,
        "unknown-table": Severity.ERROR,
        "syntax-error": Severity.ERROR,
        "unknown-package": Severity.HINT,  # the analysis made it a hint: it stays one
    }


def test_default_policy_changes_nothing() -> None:
    assert Policy().apply(FINDINGS) == FINDINGS
