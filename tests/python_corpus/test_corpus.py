"""The Python API checks against a corpus of annotated files (format: README.md beside this
file): every `expect` line gets exactly its finding at its token, every other line none, and
every claimed mistake is confirmed by the installed objects themselves."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain_lsp.analysis.python.apis import ApiChecker
from domain_lsp.analysis.python.document import analyze_python
from domain_lsp.config import load_config
from domain_lsp.project import Project
from tests.fixtures.python.packages import LAZYLIB, build_wheel_files, make_venv

CORPUS = Path(__file__).parent
FILES = sorted(CORPUS.glob("*.py.txt"))
ANNOTATION = re.compile(r"#\s*(expect|miss):\s*(\S+)\s+(\S+?)(?:#(\d+))?\s*(?:\|\s*(.+))?$")
CODES = ("unknown-attribute", "unknown-argument", "unknown-package")
pytestmark = pytest.mark.skipif(
    sys.version_info[:2] != (3, 11), reason="the corpus states what Python 3.11's standard library has"
)


@dataclass(frozen=True)
class Line:
    number: int
    """0-based."""
    kind: str
    """"expect", "miss" or "" (must stay silent)."""
    code: str = ""
    start: int = 0
    end: int = 0
    confirm: str = ""


def annotated(text: str) -> list[Line]:
    found = []
    for number, line in enumerate(text.splitlines()):
        match = ANNOTATION.search(line)
        if match is None:
            if line.strip() and not line.strip().startswith("#"):
                found.append(Line(number, ""))
            continue
        kind, code, token, nth, confirm = match.groups()
        code_part = line[: match.start()]
        start = -1
        for _ in range(int(nth or 1)):
            start = code_part.index(token, start + 1)
        found.append(Line(number, kind, code, start, start + len(token), (confirm or "").strip()))
    return found


CONFIRMER = r"""
import inspect, json, sys
def lacks(obj, name):
    return not hasattr(obj, name)
def rejects(function, keyword):
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return False
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:
            return False
        if parameter.name == keyword and parameter.kind is not parameter.POSITIONAL_ONLY:
            return False
    return True
def fails(call, keyword):
    # Calling it (a harmless call of the standard library) is rejected for that keyword.
    try:
        call()
    except (TypeError, ValueError) as exc:
        return keyword in str(exc) or "keyword" in str(exc)
    return False
imports, checks = json.loads(sys.stdin.read())
exec(imports, globals())
results = []
for check in checks:
    try:
        results.append(bool(eval(check)))
    except Exception as exc:
        results.append(repr(exc))
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def corpus_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path]:
    """A trusted workspace whose venv has lazylib and, through a .pth line, this environment's
    packages (httpx, sqlglot, jedi, pygls)."""
    import sysconfig

    folder = tmp_path_factory.mktemp("corpus")
    python = make_venv(folder / "venv", [build_wheel_files(folder / "dist", "lazylib", "1.4.0", LAZYLIB)])
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    root = folder / "workspace"
    root.mkdir()
    (root / "requirements.txt").write_text("httpx\nsqlglot\njedi\npygls\nlazylib\n", encoding="utf-8")
    (root / "domain-lsp.toml").write_text('[python]\nenvironment = "../venv"\n', encoding="utf-8")
    return Project.load(load_config(root / "domain-lsp.toml"), trusted=True), python


def findings_of(project: Project, path: Path, text: str) -> set[tuple[str, int, int, int]]:
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    found = set()
    for finding in project.analyze(project.config.root / path.name.removesuffix(".txt"), text):
        if finding.code not in CODES:
            continue
        number = max(i for i, s in enumerate(starts) if s <= finding.start)
        found.add((finding.code, number, finding.start - starts[number], finding.end - starts[number]))
    return found


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file(path: Path, corpus_project: tuple[Project, Path]) -> None:
    project, python = corpus_project
    text = path.read_text(encoding="utf-8")
    lines = annotated(text)
    expected = {(line.code, line.number, line.start, line.end) for line in lines if line.kind == "expect"}
    found = findings_of(project, path, text)
    assert sorted(found - expected) == [], "false positives"
    assert sorted(expected - found) == [], "missed"
    claims = [line for line in lines if line.kind and line.confirm]
    assert all(line.confirm for line in lines if line.kind), "every mistake says how to confirm it"
    imports = "\n".join(
        line for line in text.splitlines() if line.startswith(("import ", "from ")) and "# " not in line
    )
    confirmed = subprocess.run(
        [str(python), "-c", CONFIRMER],
        input=json.dumps([imports, [line.confirm for line in claims]]),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=project.config.root,
    )
    assert confirmed.returncode == 0, confirmed.stderr
    results = json.loads(confirmed.stdout)
    unconfirmed = [(line.number + 1, line.confirm, r) for line, r in zip(claims, results, strict=True) if r is not True]
    assert unconfirmed == [], "\n".join(map(str, unconfirmed))


def test_untrusted_workspaces_keep_the_static_answers(
    corpus_project: tuple[Project, Path], caplog: pytest.LogCaptureFixture
) -> None:
    project, _ = corpus_project
    checker = ApiChecker(project.package_context(), trusted=False)
    text = "import lazylib\nlazylib.conect('x')\nlazylib.other_missing\nlazylib.connect('x', tmeout=1)\n"
    with caplog.at_level(logging.INFO, logger="domain_lsp"):
        analysis = analyze_python(
            text,
            project.catalog,
            project.config.sql,
            str(project.config.root / "job.py"),
            packages=project.package_context(),
            apis=checker,
        )
    found = [(f.code, text[f.start : f.end]) for f in analysis.findings if f.code in CODES]
    assert found == [("unknown-argument", "tmeout")]  # read statically; the two names need the agent
    said = [r.getMessage() for r in caplog.records if "untrusted workspace" in r.getMessage()]
    assert len(said) == 1
