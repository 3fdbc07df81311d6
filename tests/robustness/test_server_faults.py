"""The server under bad documents, cancellation and rapid edits: it keeps answering, says why a
document was not analysed, and never publishes diagnostics for an older version after a newer."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsp_driver import Driver, check_range
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

from domain_lsp.server.state import LIVE_MAX_CHARS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"


@pytest.fixture(params=["neovim", "vscode"])
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Driver]:
    root = tmp_path / "warehouse"
    shutil.copytree(EXAMPLE, root)
    driver = Driver(root, request.param)
    driver.start()
    yield driver
    driver.stop()


def diagnostics(driver: Driver, uri: str, version: int) -> list[types.Diagnostic]:
    return driver.pull(uri) if driver.profile == "neovim" else driver.pushed(uri, version)


def hover(driver: Driver, uri: str, line: int, character: int) -> types.Hover | None:
    params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, character))
    result: types.Hover | None = driver.request(types.TEXT_DOCUMENT_HOVER, params)
    return result


def test_bad_documents_get_a_diagnostic_and_the_server_keeps_answering(driver: Driver) -> None:
    cases = {
        "huge.sql": (
            "sql",
            "SELECT 1;\n" * (LIVE_MAX_CHARS // 10 + 1),
            "too large to analyse while editing",
            "file-error",
        ),
        "sum.py": ("python", "x = " + "+".join(["1"] * 100_000) + "\n", "RecursionError", "analysis-limit"),
    }
    for name, (language, text, expected, code) in cases.items():
        uri = (driver.root / name).as_uri()
        driver.open(uri, text, language)
        found = diagnostics(driver, uri, 1)
        assert [d.code for d in found] == [code], (name, found)
        assert expected in found[0].message
        assert check_range(text, found[0].range, driver.encoding) is None
    odd = {
        "deep.sql": "SELECT " + "(" * 5000 + "1" + ")" * 5000 + " FROM sales.orders",
        "deep_open.sql": "SELECT " + "(" * 5000,
        "nul.sql": "SELECT \x00 FROM sales.orders\x00;",
        "deep.py": 'cur.execute("SELECT ' + "(" * 5000 + '")\n' + "x = " + "[" * 5000 + "]" * 5000,
    }
    for name, text in odd.items():
        uri = (driver.root / name).as_uri()
        driver.open(uri, text, "python" if name.endswith(".py") else "sql")
        for d in diagnostics(driver, uri, 1):
            assert check_range(text, d.range, driver.encoding) is None, (name, d)
        hover(driver, uri, 0, 9)
    # Still fully working on an ordinary document.
    uri = (driver.root / "ok.sql").as_uri()
    driver.open(uri, "SELECT nope FROM sales.orders", "sql")
    assert [d.code for d in diagnostics(driver, uri, 1)] == ["unknown-column"]
    assert driver.alive()


def test_cancel_request_is_honoured_or_the_request_finishes(driver: Driver) -> None:
    uri = (driver.root / "big.sql").as_uri()
    text = "SELECT o.order_id FROM sales.orders o WHERE o.status = 'x';\n" * 5000
    driver.open(uri, text, "sql")
    outcomes: list[str] = []

    async def request_then_cancel(msg_id: str) -> None:
        params = types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(4999, 10))
        future = driver.client.protocol.send_request(types.TEXT_DOCUMENT_HOVER, params, msg_id=msg_id)
        driver.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
        try:
            await asyncio.wrap_future(future) if not asyncio.isfuture(future) else await future
            outcomes.append("finished")
        except JsonRpcRequestCancelled:
            outcomes.append("cancelled")

    for i in range(5):
        driver.call(lambda i=i: request_then_cancel(f"cancel-{i}"))  # type: ignore[misc]
    assert len(outcomes) == 5 and set(outcomes) <= {"finished", "cancelled"}
    # pygls cancels a request that has not started: sent together, the cancel wins.
    assert "cancelled" in outcomes
    assert hover(driver, uri, 0, 12) is not None  # `order_id`
    assert driver.alive()


def test_diagnostics_never_go_back_to_an_older_version(driver: Driver) -> None:
    if driver.profile == "neovim":
        pytest.skip("Neovim pulls diagnostics; nothing is pushed")
    uri = (driver.root / "rapid.sql").as_uri()
    text = "SELECT order_id FROM sales.orders;\n" * 300
    driver.open(uri, text, "sql")
    version = 1
    for i in range(61):  # break and repair `order_id` on line 0, ending broken
        version += 1
        edit = types.Range(types.Position(0, 7), types.Position(0, 8))
        driver.change(uri, version, [types.TextDocumentContentChangePartial(range=edit, text="o" if i % 2 else "x")])
    final = driver.pushed(uri, version)
    versions = [p.version for p in driver.recorded.publishes if p.uri == uri]
    assert versions == sorted(versions), versions
    assert versions[-1] == version
    assert [(d.code, d.range.start.line) for d in final] == [("unknown-column", 0)]


def test_a_reopened_document_never_keeps_the_diagnostics_of_its_old_text(driver: Driver) -> None:
    # A client that pulls sends the result id it holds; a document closed and opened again starts
    # at version 1 again, so the version alone cannot say the client's copy is current.
    uri = (driver.root / "reopened.sql").as_uri()
    identifier = types.TextDocumentIdentifier(uri)
    driver.open(uri, "SELECT nope FROM sales.orders", "sql")
    first = driver.request(types.TEXT_DOCUMENT_DIAGNOSTIC, types.DocumentDiagnosticParams(identifier))
    driver.close(uri)
    driver.open(uri, "SELECT order_id FROM sales.orders", "sql")
    params = types.DocumentDiagnosticParams(identifier, previous_result_id=first.result_id)
    second = driver.request(types.TEXT_DOCUMENT_DIAGNOSTIC, params)
    assert isinstance(second, types.RelatedFullDocumentDiagnosticReport), second
    assert list(second.items) == []
    # Asked again about the same text, the answer is "unchanged".
    params = types.DocumentDiagnosticParams(identifier, previous_result_id=second.result_id)
    third = driver.request(types.TEXT_DOCUMENT_DIAGNOSTIC, params)
    assert isinstance(third, types.RelatedUnchangedDocumentDiagnosticReport)
