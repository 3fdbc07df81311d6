"""Protocol fuzzing through the real server over stdio: random open/change/close sequences and
requests at random positions over SQL, Python and garbage, as Neovim (pull, UTF-8) and as
VS Code (push, UTF-16).

Invariants checked after every step:
- the server process is still running, and every request answered within `BOUND`;
- the server's text equals the client's: the server's diagnostics equal those the same analysis
  gives in this process for the client's text, converted with an independent position codec;
- every range the server returns (diagnostics, hover, completion edits, code actions, lenses)
  lies inside the document and on character boundaries of the negotiated encoding.

`DOMAIN_LSP_FUZZ_EXAMPLES` sets the number of examples per profile (default 25); `make fuzz`
runs thousands.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("hypothesis", reason="hypothesis is a dev dependency")

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from lsp_driver import BOUND, Driver, check_range, iter_ranges, line_starts, position
from lsprotocol import types

from domain_lsp.config import load_config
from domain_lsp.project import Project

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"
EXAMPLES = int(os.environ.get("DOMAIN_LSP_FUZZ_EXAMPLES", "25"))
STEPS = int(os.environ.get("DOMAIN_LSP_FUZZ_STEPS", "12"))

SQL_WORDS = [
    "SELECT ",
    "FROM ",
    "WHERE ",
    "JOIN ",
    " ON ",
    "GROUP BY ",
    "WITH ",
    " AS ",
    "sales.orders",
    "core.customer",
    "orders",
    "o",
    "o.",
    "c.",
    "order_id",
    "customer_id",
    "statuz",
    "full_name",
    "nosuch",
    "count(*)",
    "now()",
    "sum(",
    "(",
    ")",
    ",",
    ";",
    "*",
    "=",
    "'",
    "''",
    '"',
    "--",
    "/*",
    "*/",
    "$$",
    "::",
    "1",
    "NULL",
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "é",
    "ß",
    "😀",
    "𝔘",
    "中",
    "\u200b",
    "\ufeff",
    "\x0c",
    "\u2028",
    "\x85",
    "\x00",
]
PY_WORDS = [
    "import os\n",
    "import pandas as pd\n",
    "cur.execute(",
    'cur.execute("',
    '")',
    "'",
    '"',
    '"""',
    "f'",
    'f"',
    "rb'",
    "{",
    "}",
    "{x}",
    "\\n",
    "\\",
    "text(",
    "sql = ",
    "pd.read_sql(",
    "def f():\n    ",
    "    ",
    "#",
    ",",
    ")",
    "(",
    "\n",
    "\r\n",
    "\r",
    "é",
    "😀",
    "𝔘",
    "\x0c",
    "\u2028",
]
WORDS = SQL_WORDS + PY_WORDS
# Text a real editor can hold: anything but lone surrogates (not encodable in the JSON stream).
GARBAGE = st.text(st.characters(exclude_categories=("Cs",)), max_size=6)
TEXT = st.lists(st.sampled_from(WORDS) | GARBAGE, max_size=30).map("".join)
LANGUAGES = [("sql", ".sql"), ("python", ".py"), ("plaintext", ".txt")]
REQUESTS = ["hover", "completion", "definition", "codeAction", "diagnostic", "codeLens", "checkSnippet"]


def snap(text: str, offset: int) -> int:
    """An offset a client can name: never between the two characters of a CRLF."""
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        return offset - 1
    return offset


class Doc:
    def __init__(self, uri: str, path: Path, language: str, text: str) -> None:
        self.uri, self.path, self.language, self.text, self.version = uri, path, language, text, 1


class FuzzSession:
    """One server and the in-process analysis the client compares it with."""

    def __init__(self, root: Path, profile: str) -> None:
        self.root = root
        self.driver = Driver(root, profile)
        self.driver.start()
        self.project = Project.load(load_config(root / "domain-lsp.toml"))
        self.ids = itertools.count()
        self.steps = 0

    def expected(self, doc: Doc) -> set[tuple[Any, ...]]:
        """What the server must report for the client's text, if it holds the same text."""
        if doc.language == "sql":
            findings = self.project.analyze_sql(doc.text, str(doc.path)).findings
        elif doc.language == "python":
            findings = self.project.analyze_python(doc.text, str(doc.path)).findings
        else:
            return set()
        encoding = self.driver.encoding
        return {
            (f.code, *_tuple(position(doc.text, f.start, encoding)), *_tuple(position(doc.text, f.end, encoding)))
            for f in findings
        }


def _tuple(pos: types.Position) -> tuple[int, int]:
    return pos.line, pos.character


class ProtocolMachine(RuleBasedStateMachine):
    session: FuzzSession

    def __init__(self) -> None:
        super().__init__()
        self.docs: dict[str, Doc] = {}
        """Open documents in the order they were opened (draws must not depend on URIs: they are
        fresh per example so one server serves all examples)."""
        self.driver = self.session.driver
        self.held: dict[str, tuple[str | None, list[types.Diagnostic]]] = {}
        """Per URI, the last pulled result id and diagnostics (kept across close and reopen)."""
        self.closed: list[Doc] = []

    # -- rules -------------------------------------------------------------------------------
    @rule(kind=st.sampled_from(LANGUAGES), text=TEXT)
    def open_document(self, kind: tuple[str, str], text: str) -> None:
        language, suffix = kind
        path = self.session.root / f"doc{next(self.session.ids)}{suffix}"
        doc = Doc(path.as_uri(), path, language, text)
        self.docs[doc.uri] = doc
        self.driver.open(doc.uri, text, language)
        self.check_diagnostics(doc)

    @precondition(lambda self: self.docs)
    @rule(data=st.data())
    def change_document(self, data: st.DataObject) -> None:
        doc = data.draw(st.sampled_from(list(self.docs.values())), label="doc")
        changes: list[types.TextDocumentContentChangeEvent] = []
        for _ in range(data.draw(st.integers(1, 3), label="ranges")):
            start = snap(doc.text, data.draw(st.integers(0, len(doc.text)), label="start"))
            end = snap(doc.text, data.draw(st.integers(start, min(len(doc.text), start + 12)), label="end"))
            new = data.draw(TEXT, label="insert")
            encoding = self.driver.encoding
            range_ = types.Range(start=position(doc.text, start, encoding), end=position(doc.text, end, encoding))
            changes.append(types.TextDocumentContentChangePartial(range=range_, text=new))
            doc.text = doc.text[:start] + new + doc.text[end:]
        if data.draw(st.booleans(), label="then full"):
            doc.text = data.draw(TEXT, label="full text")
            changes.append(types.TextDocumentContentChangeWholeDocument(text=doc.text))
        doc.version += 1
        self.driver.change(doc.uri, doc.version, changes)
        self.check_diagnostics(doc)

    @precondition(lambda self: self.docs)
    @rule(data=st.data())
    def close_document(self, data: st.DataObject) -> None:
        uri = data.draw(st.sampled_from(list(self.docs)), label="doc")
        self.closed.append(self.docs.pop(uri))
        self.driver.close(uri)

    @precondition(lambda self: self.closed)
    @rule(data=st.data(), text=TEXT)
    def reopen_document(self, data: st.DataObject, text: str) -> None:
        """The same URI again, at version 1 again, maybe with other text (changed on disk)."""
        doc = data.draw(st.sampled_from(self.closed), label="closed doc")
        self.closed.remove(doc)
        doc.text = data.draw(st.sampled_from([doc.text, text]), label="reopened text")
        doc.version = 1
        self.docs[doc.uri] = doc
        self.driver.open(doc.uri, doc.text, doc.language)
        self.check_diagnostics(doc)

    @precondition(lambda self: self.docs)
    @rule(data=st.data(), kind=st.sampled_from(REQUESTS))
    def request(self, data: st.DataObject, kind: str) -> None:
        doc = data.draw(st.sampled_from(list(self.docs.values())), label="doc")
        starts = line_starts(doc.text)
        # Mostly exact positions, sometimes past the end of a line or of the document.
        if data.draw(st.integers(0, 9), label="wild") == 0:
            pos = types.Position(
                line=data.draw(st.integers(0, len(starts) + 2)), character=data.draw(st.integers(0, 99))
            )
        else:
            pos = position(doc.text, snap(doc.text, data.draw(st.integers(0, len(doc.text)))), self.driver.encoding)
        result = self.send(kind, doc, pos, data)
        for range_ in iter_ranges(result):
            if kind == "definition":
                continue  # may point into another file
            problem = check_range(doc.text, range_, self.driver.encoding)
            assert problem is None, f"{kind} at {pos} in {doc.text!r}: {problem}"

    def send(self, kind: str, doc: Doc, pos: types.Position, data: st.DataObject) -> Any:
        document = types.TextDocumentIdentifier(uri=doc.uri)
        if kind == "hover":
            return self.driver.request(types.TEXT_DOCUMENT_HOVER, types.HoverParams(document, pos))
        if kind == "completion":
            return self.driver.request(types.TEXT_DOCUMENT_COMPLETION, types.CompletionParams(document, pos))
        if kind == "definition":
            return self.driver.request(types.TEXT_DOCUMENT_DEFINITION, types.DefinitionParams(document, pos))
        if kind == "codeAction":
            context = types.CodeActionContext(diagnostics=[])
            params = types.CodeActionParams(document, types.Range(pos, pos), context)
            return self.driver.request(types.TEXT_DOCUMENT_CODE_ACTION, params)
        if kind == "diagnostic":
            return self.driver.pull(doc.uri)
        if kind == "codeLens":
            return self.driver.request(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensParams(document))
        snippet = data.draw(TEXT, label="snippet")
        params = {"textDocument": {"uri": doc.uri}, "position": {"line": pos.line, "character": pos.character}}
        result = self.driver.request("domainLsp/checkSnippet", {**params, "text": snippet})
        assert isinstance(getattr(result, "diagnostics", None), list), result
        return None  # its ranges are in the text after the insertion; checked by its own tests

    # -- invariants --------------------------------------------------------------------------
    def check_diagnostics(self, doc: Doc) -> None:
        """The server's diagnostics for the latest version equal those of the client's text."""
        if self.driver.profile == "neovim":
            # As Neovim does: send the result id held, keep the held items when "unchanged".
            previous_id, held = self.held.get(doc.uri, (None, []))
            params = types.DocumentDiagnosticParams(
                types.TextDocumentIdentifier(doc.uri), previous_result_id=previous_id
            )
            report = self.driver.request(types.TEXT_DOCUMENT_DIAGNOSTIC, params)
            if isinstance(report, types.RelatedUnchangedDocumentDiagnosticReport):
                diagnostics = held
            else:
                diagnostics = list(report.items)
            self.held[doc.uri] = (report.result_id, diagnostics)
        else:
            diagnostics = self.driver.pushed(doc.uri, doc.version)
        got = {
            (d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
            for d in diagnostics
        }
        for d in diagnostics:
            problem = check_range(doc.text, d.range, self.driver.encoding)
            assert problem is None, f"diagnostic {d.code} in {doc.text!r}: {problem}"
        assert got == self.session.expected(doc), f"server text differs from the client's: {doc.text!r}"

    @invariant()
    def server_alive(self) -> None:
        self.session.steps += 1
        assert self.driver.alive(), f"server exited with {self.driver.returncode}"

    def teardown(self) -> None:
        for uri in list(self.docs):
            self.driver.close(uri)


@pytest.fixture(scope="module", params=["neovim", "vscode"])
def fuzz_session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzSession]:
    root = tmp_path_factory.mktemp(f"fuzz-{request.param}") / "warehouse"
    shutil.copytree(EXAMPLE, root)
    session = FuzzSession(root, request.param)
    yield session
    session.driver.stop()


def test_protocol_fuzz(fuzz_session: FuzzSession) -> None:
    ProtocolMachine.session = fuzz_session
    run_state_machine_as_test(
        ProtocolMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=os.environ.get("DOMAIN_LSP_FUZZ_SEED") is None and EXAMPLES <= 100,
        ),
    )
    print(f"{fuzz_session.driver.profile}: {EXAMPLES} examples, {fuzz_session.steps} steps")
    assert fuzz_session.driver.alive()
    assert BOUND > 0
