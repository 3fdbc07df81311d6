"""Trust comes only from the user. Each attack a hostile repository can mount on `check` in CI or
on a freshly cloned workspace in an editor is planted here with a marker file (for code that must
not run) or a loopback server that records what it receives (for requests that must not be
made); the real CLI process and the real server over stdio must leave both untouched by default,
and the trusted mode must do what the user allowed (so each test can fail).
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest
from lsp_driver import Driver
from lsprotocol import types

from tests.fixtures.loopback import serving

SCRIPT = Path(sys.executable).with_name("domain-lsp")
SECRET = "aws-Qm4-SECRET-77f"

SCHEMA = "CREATE TABLE orders (order_id int PRIMARY KEY, status text);\n"
QUERY = "SELECT nope FROM orders;\n"
PYTHON = "import os\nimport private_internal_pkg\n\nprint(os.sep)\n"


def executable(path: Path, marker: Path) -> None:
    """A shell script standing in for an interpreter: it only records that it ran."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def base_workspace(root: Path, config: str = "") -> None:
    (root / "schema").mkdir(parents=True)
    (root / "schema" / "orders.sql").write_text(SCHEMA)
    (root / "query.sql").write_text(QUERY)
    (root / "job.py").write_text(PYTHON)
    (root / "markers").mkdir()
    (root / "domain-lsp.toml").write_text(f'[sql]\nschemas = ["schema/*.sql"]\n{config}')


def committed_venv(root: Path) -> None:
    base_workspace(root)
    executable(root / ".venv" / "bin" / "python", root / "markers" / "ran")


def configured_script(root: Path) -> None:
    base_workspace(root, '[python]\nenvironment = "evil.sh"\n')
    executable(root / "evil.sh", root / "markers" / "ran")


def pyproject_script(root: Path) -> None:
    base_workspace(root)
    (root / "domain-lsp.toml").unlink()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\n\n[tool.domain-lsp.sql]\nschemas = ["schema/*.sql"]\n\n'
        '[tool.domain-lsp.python]\nenvironment = "./tools.sh"\n'
    )
    executable(root / "tools.sh", root / "markers" / "ran")


def configured_folder(root: Path) -> None:
    base_workspace(root, '[python]\nenvironment = "tools/env"\n')
    executable(root / "tools" / "env" / "bin" / "python3", root / "markers" / "ran")


def venv_with_pth(root: Path) -> None:
    """A real virtual environment whose site-packages holds a `.pth` line that runs code at
    every start of its interpreter."""
    base_workspace(root)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    (site,) = (root / ".venv" / "lib").glob("python*/site-packages")
    marker = root / "markers" / "ran"
    (site / "evil.pth").write_text(f"import pathlib; pathlib.Path({str(marker)!r}).touch()\n")


ATTACKS: dict[str, Callable[[Path], None]] = {
    "committed-venv-python": committed_venv,
    "config-environment-script": configured_script,
    "pyproject-environment-script": pyproject_script,
    "config-environment-folder": configured_folder,
    "committed-venv-pth": venv_with_pth,
}


def environment(root: Path, **extra: str) -> dict[str, str]:
    """The process environment of a CI job or an editor: no trust, no user config of the
    developer running the tests, nothing activated."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "CI")
        and not (k.startswith("DOMAIN_LSP_") and k != "DOMAIN_LSP_CACHE_DIR")
    }
    env["DOMAIN_LSP_USER_CONFIG"] = str(root.parent / "user-config.toml")  # absent unless a test writes it
    env.update(extra)
    return env


def check(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "check", *args],
        cwd=root,
        env=environment(root, **env),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def ran(root: Path) -> bool:
    return (root / "markers" / "ran").exists()


@pytest.fixture(params=list(ATTACKS))
def attacked(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    ATTACKS[request.param](root)
    return root


# -- code execution ---------------------------------------------------------------------------


def test_check_runs_no_workspace_interpreter_by_default(attacked: Path) -> None:
    result = check(attacked)
    assert result.returncode == 1, result.stderr
    assert "query.sql:1:8: error[unknown-column]" in result.stdout  # the workspace was checked
    assert not ran(attacked)
    assert "Traceback" not in result.stderr


def test_check_with_trust_runs_the_workspace_interpreter(attacked: Path) -> None:
    result = check(attacked, "--trust")
    assert result.returncode in (0, 1), result.stderr
    assert ran(attacked)  # trusted, the workspace's own environment is what counts


def test_ci_is_untrusted_even_when_the_user_config_trusts_the_folder(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    committed_venv(root)
    (tmp_path / "user-config.toml").write_text(f"[trust]\nworkspaces = [{str(root)!r}]\n")
    assert check(root, CI="true").returncode == 1
    assert not ran(root)
    check(root)  # the same user config outside CI trusts it
    assert ran(root)


@pytest.mark.parametrize("how", ["--trust", "DOMAIN_LSP_TRUST"])
def test_ci_trusts_only_what_the_job_says(tmp_path: Path, how: str) -> None:
    root = tmp_path / "repo"
    committed_venv(root)
    if how == "--trust":
        check(root, "--trust", CI="true")
    else:
        check(root, CI="true", DOMAIN_LSP_TRUST="1")
    assert ran(root)


def test_no_trust_wins_over_the_environment(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    committed_venv(root)
    check(root, "--no-trust", DOMAIN_LSP_TRUST="1")
    assert not ran(root)


def test_untrusted_mode_runs_only_the_interpreter_the_user_named(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    configured_script(root)
    mine = tmp_path / "my-python"
    executable(mine, tmp_path / "mine-ran")
    check(root, DOMAIN_LSP_PYTHON=str(mine))
    assert (tmp_path / "mine-ran").exists()
    assert not ran(root)
    (tmp_path / "mine-ran").unlink()
    check(root, "--python", str(mine))
    assert (tmp_path / "mine-ran").exists()
    assert not ran(root)


def open_everything(driver: Driver, root: Path) -> None:
    for name, language in (("job.py", "python"), ("query.sql", "sql")):
        uri = (root / name).as_uri()
        driver.open(uri, (root / name).read_text(), language)
        driver.pull(uri)
        document = types.TextDocumentIdentifier(uri)
        position = types.Position(0, 8)  # `os` in `import os`: jedi would start the interpreter
        driver.request(types.TEXT_DOCUMENT_HOVER, types.HoverParams(document, position))
        driver.request(types.TEXT_DOCUMENT_COMPLETION, types.CompletionParams(document, position))


def serve(root: Path, options: dict[str, object] | None, **env: str) -> Driver:
    driver = Driver(root, "neovim", env=environment(root, **env), initialization_options=options)
    driver.start()
    return driver


@pytest.mark.parametrize(
    "options",
    [None, {}, {"trusted": "false"}, {"trusted": 0}, {"trusted": None}, {"trusted": "true"}, {"trusted": False}],
    ids=["no-options", "empty", "string-false", "zero", "null", "string-true", "false"],
)
def test_server_runs_no_workspace_interpreter_unless_told_true(tmp_path: Path, options: dict[str, object]) -> None:
    root = tmp_path / "repo"
    committed_venv(root)
    driver = serve(root, options)
    try:
        open_everything(driver, root)
        assert driver.alive()
    finally:
        driver.stop()
    assert not ran(root)


def test_server_runs_no_interpreter_of_any_attack(attacked: Path) -> None:
    driver = serve(attacked, None)
    try:
        open_everything(driver, attacked)
    finally:
        driver.stop()
    assert not ran(attacked)


def test_server_trusted_by_the_editor_runs_the_workspace_interpreter(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    committed_venv(root)
    driver = serve(root, {"trusted": True})
    try:
        open_everything(driver, root)
    finally:
        driver.stop()
    assert ran(root)


# -- secrets and requests to hosts the workspace chose -------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str]]] = []
    """(path, Authorization header) of every request received."""

    def do_GET(self) -> None:
        Recorder.seen.append((self.path, self.headers.get("Authorization", "")))
        body = b'{"extra": {"widgets": {"widget_id": "int"}}}' if self.path.startswith("/catalog") else b"{}"
        self.send_response(200 if self.path.startswith("/catalog") else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def recorder() -> Iterator[int]:
    Recorder.seen = []
    with serving(Recorder) as port:
        yield port


def http_source_workspace(root: Path, port: int, token_env: str | None) -> None:
    token = f'token_env = "{token_env}"\n' if token_env else ""
    base_workspace(root, f'[[sql.sources]]\nkind = "http"\nurl = "http://127.0.0.1:{port}/catalog"\n{token}')


def test_untrusted_check_sends_no_workspace_chosen_secret(tmp_path: Path, recorder: int) -> None:
    root = tmp_path / "repo"
    http_source_workspace(root, recorder, "AWS_SECRET_ACCESS_KEY")
    result = check(root, "--format", "json", AWS_SECRET_ACCESS_KEY=SECRET)
    assert Recorder.seen == []
    assert SECRET not in result.stdout + result.stderr
    assert "AWS_SECRET_ACCESS_KEY" in result.stdout  # the source's problem says why it was not read


def test_a_secret_the_user_allowed_goes_only_to_its_host(tmp_path: Path, recorder: int) -> None:
    root = tmp_path / "repo"
    http_source_workspace(root, recorder, "CATALOG_TOKEN")
    (tmp_path / "user-config.toml").write_text('[secrets]\nCATALOG_TOKEN = ["catalog.example.com"]\n')
    check(root, CATALOG_TOKEN=SECRET)
    assert Recorder.seen == []  # allowed, but for another host
    (tmp_path / "user-config.toml").write_text(f'[secrets]\nCATALOG_TOKEN = ["127.0.0.1:{recorder}"]\n')
    result = check(root, CATALOG_TOKEN=SECRET)
    assert Recorder.seen == [("/catalog", f"Bearer {SECRET}")]
    assert SECRET not in result.stdout + result.stderr


def test_untrusted_check_contacts_no_workspace_chosen_host(tmp_path: Path, recorder: int) -> None:
    root = tmp_path / "repo"
    http_source_workspace(root, recorder, None)
    check(root)
    assert Recorder.seen == []
    check(root, DOMAIN_LSP_ALLOWED_HOSTS=f"127.0.0.1:{recorder}")
    assert [path for path, _ in Recorder.seen] == ["/catalog"]


def test_trusted_check_sends_what_the_workspace_config_names(tmp_path: Path, recorder: int) -> None:
    root = tmp_path / "repo"
    http_source_workspace(root, recorder, "AWS_SECRET_ACCESS_KEY")
    check(root, "--trust", AWS_SECRET_ACCESS_KEY=SECRET)
    assert Recorder.seen == [("/catalog", f"Bearer {SECRET}")]


@pytest.mark.parametrize("options", [{"trusted": False}, None])
def test_untrusted_server_sends_no_secret_and_asks_no_index(
    tmp_path: Path, recorder: int, options: dict[str, object] | None
) -> None:
    root = tmp_path / "repo"
    http_source_workspace(root, recorder, "AWS_SECRET_ACCESS_KEY")
    with (root / "domain-lsp.toml").open("a") as config:
        config.write(f'\n[packages]\ninventory = []\nindex = "http://127.0.0.1:{recorder}/simple/"\n')
    driver = serve(root, options, AWS_SECRET_ACCESS_KEY=SECRET)
    try:
        open_everything(driver, root)
        driver.request(types.WORKSPACE_EXECUTE_COMMAND, types.ExecuteCommandParams("domain-lsp.reloadCatalog"))
        open_everything(driver, root)
        said = driver.recorded.everything()
    finally:
        driver.stop()
    assert Recorder.seen == []
    assert SECRET not in said


def test_untrusted_check_asks_no_workspace_chosen_package_index(tmp_path: Path, recorder: int) -> None:
    root = tmp_path / "repo"
    base_workspace(root, f'[packages]\ninventory = []\nindex = "http://127.0.0.1:{recorder}/simple/"\n')
    check(root)
    assert Recorder.seen == []
    check(root, "--trust")
    assert any(path.startswith("/simple/private-internal-pkg") for path, _ in Recorder.seen), Recorder.seen


class Listener:
    """A TCP port that only counts the connections made to it (a database that must not be
    contacted)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.socket.close()


def test_untrusted_check_reads_no_workspace_chosen_dsn_variable(tmp_path: Path) -> None:
    pytest.importorskip("psycopg")
    listener = Listener()
    try:
        root = tmp_path / "repo"
        base_workspace(root, '[[sql.sources]]\nkind = "postgres"\ndsn_env = "AWS_SECRET_ACCESS_KEY"\ntimeout = 2\n')
        dsn = f"host=127.0.0.1 port={listener.port} dbname=x user=x password={SECRET}"
        result = check(root, AWS_SECRET_ACCESS_KEY=dsn)
        assert listener.connections == 0
        assert SECRET not in result.stdout + result.stderr
        check(root, "--trust", AWS_SECRET_ACCESS_KEY=dsn)
        assert listener.connections >= 1
    finally:
        listener.close()


@pytest.mark.parametrize(
    "text",
    [
        "[trust]\nworkspaces = 3\n",
        "[trust]\nworkspace = ['/']\n",
        "[trustt]\n",
        "not toml [",
        "[read]\npaths = [" * 4000,
    ],
    ids=["wrong-type", "unknown-key", "unknown-table", "not-toml", "deeply-nested"],
)
def test_a_broken_user_config_stops_the_check_and_grants_nothing(tmp_path: Path, text: str) -> None:
    root = tmp_path / "repo"
    committed_venv(root)
    (tmp_path / "user-config.toml").write_text(text + f"\n[trust]\nworkspaces = [{str(root)!r}]\n")
    result = check(root)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("domain-lsp: user config error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert not ran(root)


def test_the_server_says_once_that_the_user_config_is_broken_and_stays_untrusted(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    committed_venv(root)
    (tmp_path / "user-config.toml").write_text(f"[trust]\nworkspaces = [{str(root)!r}]\nbogus = 1\n")
    driver = serve(root, None)
    try:
        open_everything(driver, root)
        assert driver.alive()
        messages = [m for m in driver.recorded.messages if "invalid user config" in m]
    finally:
        driver.stop()
    assert len(messages) == 1 and "trust.bogus" in messages[0]
    assert not ran(root)
