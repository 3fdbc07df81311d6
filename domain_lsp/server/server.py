"""The pygls server: document sync, then one module per LSP feature registered on it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from domain_lsp import __version__
from domain_lsp.analysis.regions import SqlRegion
from domain_lsp.config import ConfigError
from domain_lsp.findings import RULES
from domain_lsp.project import PYTHON_SUFFIXES, SQL_SUFFIXES, Project
from domain_lsp.server.documents import use_lsp_lines
from domain_lsp.server.memory import IdleCollector
from domain_lsp.server.options import option_problems
from domain_lsp.server.positions import Positions, encoding_of
from domain_lsp.server.protocol import DomainProtocol, serve_stdio
from domain_lsp.server.state import DocumentAnalysis, ServerState
from domain_lsp.server.suggestions import SuggestionTracker
from domain_lsp.trust import UserConfigError, explicit_trust, report_errors_to

if TYPE_CHECKING:
    from domain_lsp.server.diagnostics import Publisher

log = logging.getLogger(__name__)

SQL_LANGUAGE_IDS = frozenset(
    {"sql", "pgsql", "plpgsql", "postgres", "mysql", "plsql", "sqlite", "duckdb", "bigquery", "snowflake"}
)


@dataclass(frozen=True)
class Cursor:
    """A request's position resolved once: the document's analysis, the offset, and the SQL
    under it (the whole .sql file, or the Python string it is in) with the SQL-side offset."""

    analysis: DocumentAnalysis
    positions: Positions
    offset: int
    project: Project
    region: SqlRegion | None
    sql_offset: int | None

    @property
    def in_sql(self) -> bool:
        return self.region is not None and self.sql_offset is not None


class DomainLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "domain-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=DomainProtocol,
        )
        self.collector = IdleCollector()
        from domain_lsp.server.freshness import progress_reporter, source_reporter

        self.state = ServerState(
            self.report_config_problems,
            on_reloaded=self.republish,
            on_load=progress_reporter(self),
            on_sources=source_reporter(self),
        )
        self.suggestions = SuggestionTracker()
        self.publisher: Publisher | None = None

    # -- helpers shared by the feature modules ------------------------------------------
    def path_of(self, uri: str) -> Path:
        fs_path = to_fs_path(uri)
        if fs_path:
            return Path(fs_path)
        root = self.state.root or Path.cwd()
        return root / Path(uri.rsplit("/", 1)[-1] or "untitled")

    def language(self, uri: str) -> str:
        """ "sql", "python" or "" from the client's language id, else the file's suffix."""
        document = self.workspace.text_documents.get(uri)
        language_id = (document.language_id or "").lower() if document is not None else ""
        if language_id in SQL_LANGUAGE_IDS:
            return "sql"
        if language_id == "python":
            return "python"
        suffix = self.path_of(uri).suffix.lower()
        return "sql" if suffix in SQL_SUFFIXES else "python" if suffix in PYTHON_SUFFIXES else ""

    def positions(self, analysis: DocumentAnalysis) -> Positions:
        return Positions(analysis.lines, encoding_of(self.workspace.position_encoding))

    async def analysis(self, uri: str) -> DocumentAnalysis | None:
        """The analysis of an open document's current text (cached per version)."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        path = self.path_of(uri)
        return await self.state.analyze(uri, path, document.source, document.version, self.language(uri))

    def refresh_code_lenses(self) -> None:
        workspace = self.client_capabilities.workspace
        code_lens = workspace.code_lens if workspace is not None else None
        if code_lens is not None and code_lens.refresh_support:
            self.workspace_code_lens_refresh(None)

    def republish(self) -> None:
        if self.publisher is not None:
            self.publisher.republish_all()

    async def cursor(self, uri: str, position: types.Position) -> Cursor | None:
        analysis = await self.analysis(uri)
        if analysis is None:
            return None
        positions = self.positions(analysis)
        offset = positions.offset(position)
        region = analysis.region_at(offset)
        sql_offset = region.to_sql(offset) if region is not None else None
        project = await self.state.project_for(self.path_of(uri))
        return Cursor(analysis, positions, offset, project, region, sql_offset)

    def report_user_config_error(self, error: UserConfigError) -> None:
        """The user-level config is broken: it grants nothing (untrusted, no secrets, no hosts)
        until it is fixed; say so once per change of the file."""
        self.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Error,
                message=f"domain-lsp: invalid user config, nothing it grants applies: {error}",
            )
        )

    def report_config_problems(self, path: Path, problems: list[ConfigError]) -> None:
        """A config's problems as diagnostics on its lines (none: its old ones are cleared), and
        one message saying what still applies."""
        if problems:
            whole = any(not problem.key for problem in problems)  # unreadable or not TOML
            what = "using defaults" if whole else "those keys are ignored; the rest of it applies"
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error,
                    message=f"domain-lsp: invalid config ({what}): {problems[0]}"
                    + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
                )
            )
        href = RULES["config-error"].href
        diagnostics = []
        for problem in problems:
            line = max((problem.line or 1) - 1, 0)
            diagnostics.append(
                types.Diagnostic(
                    range=types.Range(
                        start=types.Position(line=line, character=0), end=types.Position(line=line + 1, character=0)
                    ),
                    message=f"{problem.key}: {problem.problem}" if problem.key else problem.problem,
                    severity=types.DiagnosticSeverity.Error,
                    code="config-error",
                    code_description=types.CodeDescription(href=href),
                    source="domain-lsp",
                )
            )
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=path.resolve().as_uri(), diagnostics=diagnostics)
        )


def create_server() -> DomainLanguageServer:
    from domain_lsp.server import (
        code_actions,
        code_lens,
        commands,
        completion,
        diagnostics,
        freshness,
        hover,
        navigation,
        outline,
        snippets,
    )

    server = DomainLanguageServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: DomainLanguageServer, params: types.InitializeParams) -> None:
        use_lsp_lines(ls.workspace)
        folders = params.workspace_folders or []
        root = to_fs_path(folders[0].uri) if folders else (to_fs_path(params.root_uri) if params.root_uri else None)
        ls.state.root = Path(root).resolve() if root else None
        options: Any = params.initialization_options or {}
        ls.state.trusted = explicit_trust(options)
        loop = asyncio.get_running_loop()
        report_errors_to(lambda error: loop.call_soon_threadsafe(ls.report_user_config_error, error))
        problems = option_problems(params.initialization_options, ls.state.root)
        if problems:  # said once; each problem option is ignored and the rest applies
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning, message="domain-lsp: editor settings: " + "; ".join(problems)
                )
            )
        severity = options.get("severity") if isinstance(options, dict) else None
        if isinstance(severity, dict):
            ls.state.set_editor_severity(severity)
        config = options.get("configPath") if isinstance(options, dict) else None
        if isinstance(config, str) and config:
            path = Path(config)
            if not path.is_absolute() and ls.state.root is not None:
                path = ls.state.root / path
            ls.state.config_path = path

    diagnostics.register(server)
    completion.register(server)
    hover.register(server)
    navigation.register(server)
    outline.register(server)
    code_actions.register(server)
    commands.register(server)
    code_lens.register(server)
    snippets.register(server)
    freshness.register(server)
    return server


def serve() -> None:
    logging.basicConfig(level=logging.WARNING, format="domain-lsp: %(levelname)s %(message)s")
    # pygls warns on routine protocol events ("Cancel notification for unknown message id");
    # editors show the server's stderr as errors.
    logging.getLogger("pygls.protocol.json_rpc").setLevel(logging.ERROR)
    serve_stdio(create_server())  # pygls' start_io, with a reader that survives bad framing
