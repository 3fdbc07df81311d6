"""The [diagnostics] policy and the editor's severity overrides, through the real server: the
editor reports what `domain-lsp check` reports."""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp.conftest import EXAMPLE, Session, make_client

REPORT = "reports/ai_churn_report.sql"


async def test_config_diagnostics_table_filters_and_overrides(session: Session) -> None:
    config = session.root / "domain-lsp.toml"
    config.write_text(
        config.read_text()
        + '\n[diagnostics]\nignore = ["unknown-function"]\nseverity = { "unknown-column" = "warning" }\n'
    )
    uri = session.open(REPORT)
    diagnostics = await session.diagnostics(uri)
    codes = {str(d.code) for d in diagnostics}
    assert "unknown-function" not in codes
    assert {"unknown-column", "unknown-table", "ambiguous-column"} <= codes
    assert {d.severity for d in diagnostics if d.code == "unknown-column"} == {types.DiagnosticSeverity.Warning}


@pytest.fixture
def plain_workspace(tmp_path: Path) -> Path:
    root = tmp_path / "warehouse"
    shutil.copytree(EXAMPLE, root)
    return root


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "domain_lsp", "serve"], client_factory=make_client)
)
async def overridden(lsp_client: LanguageClient, plain_workspace: Path) -> AsyncIterator[None]:
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=plain_workspace.as_uri(),
            initialization_options={"severity": {"unknown-table": "hint", "ambiguous-column": "off", "nope": "error"}},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_editor_severity_overrides_from_initialization_options(
    overridden: LanguageClient, plain_workspace: Path
) -> None:
    session = Session(overridden, plain_workspace, "visual-studio-code")
    uri = session.open(REPORT)
    diagnostics = await session.diagnostics(uri)
    assert "ambiguous-column" not in {d.code for d in diagnostics}
    assert {d.severity for d in diagnostics if d.code == "unknown-table"} == {types.DiagnosticSeverity.Hint}
    assert {d.severity for d in diagnostics if d.code == "unknown-column"} == {types.DiagnosticSeverity.Error}
