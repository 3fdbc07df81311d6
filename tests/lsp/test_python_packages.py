"""Python imports and APIs through the real server, against a virtual environment the tests
create (tinyclient 1.0.0 pinned, built here; not the server's own interpreter) and a package
index served on loopback."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types

from tests.fixtures.python.packages import EXTRAPKG, TINYCLIENT_1, build_wheel, make_venv, serve_index
from tests.lsp.conftest import EXAMPLE, Session

ATTEMPTS = 400  # polls of 50 ms: a hang guard, not a timing
ON_THE_INDEX = {"ghostpkg_sdk", "realpkg_on_index", "fastjson_ultra"}
"""The imports of SOURCE that only the package index can judge."""
CLIENT = "pipelines/ai_client.py"
SOURCE = """\
import tinyclient
import requests
import ghostpkg_sdk
import realpkg_on_index
import extrapkg
from tinyclient import fetch_json
try:
    import fastjson_ultra
except ImportError:
    fastjson_ultra = None

tinyclient.fetch("https://crm.example.com", retries=3)
tinyclient.Session("https://crm.example.com", verify=False)
tinyclient.post("https://crm.example.com", data=b"")
"""


# The editor trusts the workspace, so its configured venv and index count;
# tests/robustness/test_trust.py shows that an untrusted one uses neither.
pytestmark = pytest.mark.trusted_workspace


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with tinyclient 1.0.0 (declared) and extrapkg 0.1.0 (declared nowhere)."""
    folder = tmp_path_factory.mktemp("pyenv")
    wheels = [
        build_wheel(folder / "dist", "tinyclient", "1.0.0", "tinyclient", TINYCLIENT_1),
        build_wheel(folder / "dist", "extrapkg", "0.1.0", "extrapkg", EXTRAPKG),
    ]
    make_venv(folder / "venv", wheels)
    return folder / "venv"


@pytest.fixture(scope="module")
def index() -> Iterator[tuple[str, list[str]]]:
    projects = {
        "tinyclient": ["tinyclient-1.0.0-py3-none-any.whl", "tinyclient-2.0.0-py3-none-any.whl"],
        "realpkg-on-index": ["realpkg_on_index-1.0-py3-none-any.whl"],
    }
    with serve_index(projects) as served:
        yield served


@pytest.fixture
def workspace(tmp_path: Path, environment: Path, index: tuple[str, list[str]]) -> Path:
    """The example warehouse, grounded in the test venv and the loopback index."""
    root = tmp_path / "warehouse"
    shutil.copytree(EXAMPLE, root)
    config = root / "domain-lsp.toml"
    text = config.read_text(encoding="utf-8").replace("[packages]\n", f'[packages]\nindex = "{index[0]}"\n')
    config.write_text(text + f'\n[python]\nenvironment = "{environment.as_posix()}"\n', encoding="utf-8")
    requirements = root / "requirements.txt"
    requirements.write_text(requirements.read_text(encoding="utf-8") + "tinyclient==1.0.0\n", encoding="utf-8")
    return root


def span(line: int, start: int, end: int) -> types.Range:
    return types.Range(start=types.Position(line=line, character=start), end=types.Position(line=line, character=end))


async def answered_by_the_index(session: Session, uri: str) -> list[types.Diagnostic]:
    """The diagnostics once the server's background questions to the package index are
    answered: the first ones say "don't know" for names the index has not answered yet."""
    for _ in range(ATTEMPTS):
        found = await session.diagnostics(uri)
        answered = {
            name for name in ON_THE_INDEX for d in found if f"`{name}`" in d.message and "package index" in d.message
        }
        if answered == ON_THE_INDEX:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"the index's answers never reached the diagnostics: {found}")


async def test_every_package_and_api_code_at_its_name(session: Session, index: tuple[str, list[str]]) -> None:
    uri = session.open(CLIENT, SOURCE, language="python")
    diagnostics = {(d.code, d.range.start.line): d for d in await answered_by_the_index(session, uri)}
    assert set(diagnostics) == {
        ("denied-package", 1),
        ("unknown-package", 2),
        ("undeclared-package", 3),
        ("undeclared-package", 4),
        ("unknown-attribute", 5),
        ("unknown-package", 7),
        ("unknown-argument", 11),
    }
    denied = diagnostics["denied-package", 1]
    assert denied.range == span(1, 7, 15)
    assert denied.message == "`requests` is denied: use httpx (team standard)"
    assert denied.severity == types.DiagnosticSeverity.Error

    ghost = diagnostics["unknown-package", 2]
    assert ghost.range == span(2, 7, 19)
    assert f"does not exist on the package index {index[0]}" in ghost.message
    assert ghost.severity == types.DiagnosticSeverity.Error
    assert "/simple/ghostpkg-sdk/" in index[1]  # the index was really asked

    on_index = diagnostics["undeclared-package", 3]
    assert on_index.range == span(3, 7, 23)
    assert "exists on the package index" in on_index.message and "requirements.txt" in on_index.message
    assert on_index.severity == types.DiagnosticSeverity.Warning

    installed = diagnostics["undeclared-package", 4]
    assert installed.range == span(4, 7, 15)
    assert installed.message == "`extrapkg` is installed (extrapkg 0.1.0) but not declared in requirements.txt"

    # The version in the message is the test venv's, which the server's own interpreter lacks.
    missing = diagnostics["unknown-attribute", 5]
    assert missing.range == span(5, 23, 33)
    assert missing.message == "tinyclient 1.0.0 has no `fetch_json`; did you mean `fetch`?"
    assert missing.severity == types.DiagnosticSeverity.Error

    guarded = diagnostics["unknown-package", 7]
    assert guarded.range == span(7, 11, 25)
    assert guarded.severity == types.DiagnosticSeverity.Hint

    argument = diagnostics["unknown-argument", 11]
    assert argument.range == span(11, 44, 51)
    assert argument.message == "`fetch` in tinyclient 1.0.0 takes no keyword argument `retries`"


async def code_actions(session: Session, uri: str, line: int, character: int) -> list[types.CodeAction]:
    result = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=span(line, character, character),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def edit_of(action: types.CodeAction) -> types.TextEdit:
    assert action.edit is not None and action.edit.document_changes is not None
    (change,) = action.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    (edit,) = change.edits
    assert isinstance(edit, types.TextEdit)
    return edit


async def test_quick_fixes_offer_the_replacement_and_the_real_name(session: Session) -> None:
    uri = session.open(CLIENT, SOURCE, language="python")
    await session.diagnostics(uri)
    (denied,) = await code_actions(session, uri, 1, 9)
    assert denied.title == "Use `httpx`"
    assert edit_of(denied) == types.TextEdit(range=span(1, 7, 15), new_text="httpx")
    (attribute,) = await code_actions(session, uri, 5, 25)
    assert attribute.title == "Replace with `fetch`"
    assert edit_of(attribute) == types.TextEdit(range=span(5, 23, 33), new_text="fetch")


async def test_correct_code_against_the_pinned_version_gets_nothing(session: Session) -> None:
    text = (
        "import tinyclient\n"
        "from tinyclient import Session, fetch\n"
        "from pipelines import churn_export\n"
        "import psycopg\n"
        "fetch('u', timeout=3, headers={})\n"
        "Session('u', verify=False)\n"
        "tinyclient.post('u', data=None)\n"
    )
    uri = session.open("pipelines/correct.py", text, language="python")
    assert await session.diagnostics(uri) == []


def apply(text: str, action: types.CodeAction, session: Session) -> str:
    """The text after the action's edits, applied as a client applies them (from the end)."""
    assert action.edit is not None and action.edit.document_changes is not None
    (change,) = action.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: types.Position) -> int:
        return starts[position.line] + position.character  # ASCII text: UTF-16 units are characters

    for edit in sorted(change.edits, key=lambda e: offset(e.range.start), reverse=True):
        assert isinstance(edit, types.TextEdit)
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


@pytest.mark.parametrize(
    ("source", "fixed"),
    [
        (  # already imported: the denied import goes, its uses follow
            "import httpx\nimport requests\nimport tinyclient\n\n\ndef push(rows):\n"
            "    tinyclient.fetch_json('u')\n    requests.post('u', json=rows)\n",
            "import httpx\nimport tinyclient\n\n\ndef push(rows):\n"
            "    tinyclient.fetch_json('u')\n    httpx.post('u', json=rows)\n",
        ),
        (  # not imported yet: the import and its uses are renamed
            "import requests\nimport tinyclient\n\n\ndef push(rows):\n    tinyclient.fetch_json('u')\n"
            "    requests.post('u', json=rows)\n    return requests.codes\n",
            "import httpx\nimport tinyclient\n\n\ndef push(rows):\n    tinyclient.fetch_json('u')\n"
            "    httpx.post('u', json=rows)\n    return httpx.codes\n",
        ),
    ],
    ids=["already-imported", "renamed"],
)
async def test_the_denied_import_fix_gives_working_code_and_findings_follow(
    session: Session, source: str, fixed: str
) -> None:
    uri = session.open("pipelines/push.py", source, language="python")
    before = await session.diagnostics(uri)
    assert "denied-package" in [d.code for d in before]
    line = source.splitlines().index("import requests")
    (action,) = [a for a in await code_actions(session, uri, line, 9) if a.title == "Use `httpx`"]
    text = apply(source, action, session)
    assert text == fixed
    session.versions[uri] += 1
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=session.versions[uri]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    after = await session.diagnostics(uri)
    # The unrelated mistake is still reported, on the fixed text; the denied import is gone.
    assert [(d.code, d.range.start.line) for d in after] == [
        (
            "unknown-attribute",
            fixed.splitlines().index(next(line for line in fixed.splitlines() if "fetch_json" in line)),
        )
    ]


async def test_no_fix_is_offered_where_it_could_not_be_right(session: Session) -> None:
    source = "from requests import post\nimport requests as r\n\npost('u')\nr.get('u')\n"
    uri = session.open("pipelines/partial.py", source, language="python")
    await session.diagnostics(uri)
    assert [a.title for a in await code_actions(session, uri, 0, 6)] == []  # `from requests import ...`
    (aliased,) = await code_actions(session, uri, 1, 8)  # `import requests as r`: r's uses stay right
    assert edit_of(aliased) == types.TextEdit(range=span(1, 7, 15), new_text="httpx")
