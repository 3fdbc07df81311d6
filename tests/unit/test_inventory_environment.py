"""The environment probe (run in the interpreter, cached until site-packages changes), the
interpreter discovery, and the package index client (JSON, HTML, missing, offline)."""

from __future__ import annotations

import dataclasses
import os
import socket
import sys
import threading
from pathlib import Path

import pytest

from domain_lsp.inventory import environment as env_module
from domain_lsp.inventory.environment import find_interpreter, probe
from domain_lsp.inventory.index import PackageIndex
from tests.fixtures.python.packages import serve_index


def test_probe_reads_this_interpreter_without_importing_packages() -> None:
    environment = probe(Path(sys.executable))
    assert environment.error == ""
    assert environment.version[:2] == tuple(sys.version_info[:2])
    assert {"json", "asyncio", "sys"} <= environment.stdlib
    pyyaml = environment.distribution("pyyaml")
    assert pyyaml is not None and "yaml" in pyyaml.modules
    assert [d.name for d in environment.providers["yaml"]] == ["PyYAML"]
    assert "sqlglot" in environment.modules


def test_probe_is_cached_until_site_packages_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = probe(Path(sys.executable))
    assert probe(Path(sys.executable)) is first
    # A site-packages folder whose mtime moved (a package was installed) is probed again.
    site = tmp_path / "site"
    site.mkdir()
    key = os.path.abspath(sys.executable)
    stamp, real = env_module._cache[key]
    cached = dataclasses.replace(real, site_dirs=(*real.site_dirs, str(site)))
    monkeypatch.setitem(env_module._cache, key, (stamp, cached))
    assert probe(Path(sys.executable)) is not cached


def test_an_interpreter_that_cannot_run_is_an_error_not_a_crash(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "python"
    environment = probe(missing)
    assert "cannot read the Python environment" in environment.error
    assert "json" in environment.stdlib and not environment.distributions


def test_interpreter_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.delenv("DOMAIN_LSP_PYTHON", raising=False)
    monkeypatch.setenv("DOMAIN_LSP_USER_CONFIG", str(tmp_path / "no-user-config.toml"))
    assert find_interpreter(tmp_path, None, trusted=True) == (Path(sys.executable), False)
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("", encoding="utf-8")
    assert find_interpreter(tmp_path, None, trusted=True) == (python, True)
    other = (tmp_path / "other" / "bin" / "python", True)
    assert find_interpreter(tmp_path, "other/bin/python", trusted=True) == other
    assert find_interpreter(tmp_path, ".venv", trusted=True)[0] == python
    # Untrusted, nothing the workspace chose: domain-lsp's own interpreter, or the user's.
    assert find_interpreter(tmp_path, None) == (Path(sys.executable), False)
    assert find_interpreter(tmp_path, "other/bin/python") == (Path(sys.executable), False)
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / ".venv"))
    assert find_interpreter(tmp_path, None) == (Path(sys.executable), False)
    monkeypatch.setenv("DOMAIN_LSP_PYTHON", str(tmp_path / "mine"))
    assert find_interpreter(tmp_path, ".venv") == (tmp_path / "mine", True)


@pytest.mark.parametrize("html_only", [False, True])
def test_index_answers_from_json_or_html(html_only: bool) -> None:
    with serve_index({"tinyclient": ["tinyclient-1.0.0-py3-none-any.whl"]}, html_only=html_only) as (url, seen):
        index = PackageIndex(url)
        found = index.lookup("TinyClient")
        assert found is not None and found.exists
        missing = index.lookup("ghost_pkg")
        assert missing is not None and not missing.exists
        asked = len(seen)
        assert index.lookup("ghost-pkg") is missing  # normalized name, answered from the cache
        assert PackageIndex(url).lookup("tinyclient") is found  # the next reload's index too
        assert len(seen) == asked
    assert seen == ["/simple/tinyclient/", "/simple/ghost-pkg/"]


def test_an_unreachable_index_answers_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    index = PackageIndex(f"http://127.0.0.1:{port}/simple/", timeout=1.0)
    assert index.lookup("httpx") is None
    asked: list[str] = []
    monkeypatch.setattr(PackageIndex, "_ask", lambda self, key: asked.append(key))
    assert index.lookup("another-name") is None  # the index is down: not asked again for a while
    # Nor by the next project's index (the server makes one on each reload).
    assert PackageIndex(f"http://127.0.0.1:{port}/simple", timeout=1.0).lookup("httpx") is None
    assert asked == []


def test_without_waiting_a_name_is_asked_in_the_background() -> None:
    answered = threading.Event()
    with serve_index({"tinyclient": ["tinyclient-1.0.0-py3-none-any.whl"]}) as (url, seen):
        index = PackageIndex(url)
        index.wait = False
        index.on_answer = answered.set
        assert index.lookup("bg_only_pkg") is None  # not known yet: "don't know" at once
        assert answered.wait(30)  # a hang guard, not a timing
        missing = index.lookup("bg_only_pkg")
        assert missing is not None and not missing.exists
        assert seen.count("/simple/bg-only-pkg/") == 1
