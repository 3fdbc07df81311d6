"""A real LSP client (pytest-lsp) talking to `python -m domain_lsp serve` over stdio, as Neovim
0.11 (pulls diagnostics, UTF-8 positions) and as VS Code (diagnostics pushed, UTF-16).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"


def _record_diagnostics(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published_versions[params.uri] = params.version  # type: ignore[attr-defined]


def _code_lens_refresh(client: LanguageClient, params: None) -> None:
    client.code_lens_refreshes += 1  # type: ignore[attr-defined]


def _register_capability(client: LanguageClient, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)  # type: ignore[attr-defined]


def make_client() -> LanguageClient:
    """pytest-lsp's client, also remembering which document version each push was for."""
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record_diagnostics
    features[types.WORKSPACE_CODE_LENS_REFRESH] = _code_lens_refresh
    features[types.CLIENT_REGISTER_CAPABILITY] = _register_capability
    register_lsp_features(client, features)
    client.published_versions = {}  # type: ignore[attr-defined]
    client.code_lens_refreshes = 0  # type: ignore[attr-defined]
    client.registrations = []  # type: ignore[attr-defined]
    return client


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "domain_lsp", "serve"], client_factory=make_client)


HANG_GUARD_SECONDS = 30  # not a timing assert: only turns a hang into a failure


class Session:
    """The client plus the workspace it opened and helpers that hide push vs pull."""

    def __init__(self, client: LanguageClient, root: Path, profile: str) -> None:
        self.client = client
        self.root = root
        self.profile = profile
        self.versions: dict[str, int] = {}

    @property
    def pulls(self) -> bool:
        return self.profile == "neovim"

    def uri(self, relative: str) -> str:
        return (self.root / relative).as_uri()

    def open(self, relative: str, text: str | None = None, language: str = "sql") -> str:
        uri = self.uri(relative)
        if text is None:
            text = (self.root / relative).read_text(encoding="utf-8")
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
            )
        )
        return uri

    def change(self, uri: str, range_: types.Range, text: str) -> None:
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[types.TextDocumentContentChangePartial(range=range_, text=text)],
            )
        )

    async def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """The diagnostics for the document's latest version, pulled or waited for."""
        if self.pulls:
            report = await self.client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
            return list(report.items)

        async def published() -> list[types.Diagnostic]:
            while self.client.published_versions.get(uri) != self.versions[uri]:  # type: ignore[attr-defined]
                await asyncio.sleep(0.01)
            return list(self.client.diagnostics[uri])

        return await asyncio.wait_for(published(), HANG_GUARD_SECONDS)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A throwaway copy of the example warehouse."""
    root = tmp_path / "warehouse"
    shutil.copytree(EXAMPLE, root)
    return root


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "trusted_workspace: the editor tells the server the workspace is trusted")


async def start_session(lsp_client: LanguageClient, profile: str, root: Path, trusted: bool = False) -> None:
    """Initialize the server as the editor `profile` ("neovim", "visual-studio-code") would,
    with `root` as the one workspace folder; `trusted` as VS Code passes its workspace trust."""
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(profile),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options={"trusted": True} if trusted else None,
        )
    )
    lsp_client.profile = profile  # type: ignore[attr-defined]


@pytest_lsp.fixture(params=["neovim", "visual-studio-code"], config=SERVER)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest, workspace: Path) -> AsyncIterator[None]:
    trusted = request.node.get_closest_marker("trusted_workspace") is not None
    await start_session(lsp_client, request.param, workspace, trusted)
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def session(client: LanguageClient, workspace: Path) -> Session:
    return Session(client, workspace, client.profile)  # type: ignore[attr-defined]
