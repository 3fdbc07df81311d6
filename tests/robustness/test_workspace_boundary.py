"""Reads stay in the workspace (docs/security.md, "Reads stay in the workspace").

A committed repository can point at any file of the machine that checks it: `-r ~/.netrc` in a
requirements file, a schema glob `../outside/*.sql`, a symlink `schema/x.sql -> /tmp/...`, a link
to the output pipe `x.sql -> /proc/self/fd/1`. Each is planted here next to files that hold a
unique marker; the real CLI (every output format) and the real server must name the path and
never print the marker, never hang, and never let a link change which config governs a folder.
A folder the user allowed is read, so each refusal is shown to be one that can fail.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_driver import Driver

RUN_BOUND = 120  # seconds; a hang guard, not a timing assert
MARKER = "OUTSIDE-Zk3-MARKER-41q"
INSIDE_MARKER = "INCLUDED-Jp8-MARKER-07c"
FORMATS = ("text", "json", "sarif", "github", "gitlab")
HAS_PROC_FD = Path("/proc/self/fd").is_dir()
SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "dbt" / "shop"


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No user config of the developer running the tests, no trust, nothing activated."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "CI")
        and not (k.startswith("DOMAIN_LSP_") and k != "DOMAIN_LSP_CACHE_DIR")
    }
    env["DOMAIN_LSP_USER_CONFIG"] = str(tmp_path / "user-config.toml")  # absent
    env.update(extra)
    return env


def check(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`domain-lsp check` as a process; stdout and stderr are pipes, as in `check ... | cat`."""
    return subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", *args],
        cwd=root,
        env=environment(root.parent, **env),
        capture_output=True,
        text=True,
        timeout=RUN_BOUND,
        stdin=subprocess.DEVNULL,
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files next to the workspace, each holding the marker in a form each reader would quote."""
    folder = tmp_path / "outside"
    write(folder / "secret.txt", f"machine github.com password {MARKER}\n")
    write(folder / "shared.sql", f"CREATE TABLE shared_table (id int);\n-- {MARKER}\n")
    write(folder / "proj" / "pyproject.toml", '[project]\nname = "outside-project"\n')
    database = sqlite3.connect(folder / "app.db")
    database.execute("CREATE TABLE outside_db_table (id integer)")
    database.commit()
    database.close()
    return folder


@pytest.fixture
def workspace(tmp_path: Path, outside: Path) -> Path:
    """A repository whose config, requirements and symlinks all reach for `outside`."""
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    write(root / "schema" / "orders.sql", "CREATE TABLE orders (order_id int, status text);\n")
    (root / "schema" / "linked.sql").symlink_to(outside / "shared.sql")
    write(
        root / "domain-lsp.toml",
        '[sql]\nschemas = ["schema/*.sql", "../outside/*.sql"]\n'
        '[[sql.sources]]\nkind = "sqlite"\npath = "../outside/app.db"\n',
    )
    write(
        root / "requirements.txt",
        f"httpx\n-r {outside / 'secret.txt'}\n-r ../outside/secret.txt\n-c ../outside/secret.txt\n"
        "-r /etc/passwd\n-r dev.txt\n-e ../outside/proj\n",
    )
    write(root / "dev.txt", f"pytest\n{INSIDE_MARKER} junk\n")  # inside, but only ever included
    (root / "requirements-linked.txt").symlink_to(outside / "secret.txt")
    write(root / "query.sql", "SELECT order_id, shared_table.id FROM orders, shared_table;\n")
    write(root / "job.py", "import httpx\n")
    return root


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


@pytest.mark.parametrize("output_format", FORMATS)
def test_files_outside_the_workspace_are_never_quoted(workspace: Path, output_format: str) -> None:
    result = check(workspace, "--format", output_format)
    everything = output(result)
    assert result.returncode in (0, 1), everything
    assert "Traceback" not in result.stderr
    assert MARKER not in everything
    assert INSIDE_MARKER not in everything  # a line of an included file is never quoted either
    assert ":x:0:0:" not in everything and "/bin/" not in everything  # /etc/passwd's lines
    assert "requirements-linked.txt" in everything  # the link is named by its own name
    assert "linked.sql" in everything


def findings_by_path(result: subprocess.CompletedProcess[str]) -> dict[str, list[tuple[str, str, int]]]:
    by_path: dict[str, list[tuple[str, str, int]]] = {}
    for item in json.loads(result.stdout)["diagnostics"]:
        by_path.setdefault(item["path"], []).append((item["code"], item["message"], item["range"]["start"]["line"]))
    return by_path


def test_each_refusal_names_the_path_as_written(workspace: Path, outside: Path) -> None:
    result = check(workspace, "--format", "json")
    found = findings_by_path(result)
    requirements = found["requirements.txt"]
    lines = {line: message for code, message, line in requirements if code == "inventory-error"}
    assert f"included file `{outside / 'secret.txt'}` is outside the workspace" in lines[1]
    assert "included file `../outside/secret.txt` is outside the workspace" in lines[2]
    assert "included file `../outside/secret.txt` is outside the workspace" in lines[3]
    assert "included file `/etc/passwd` is outside the workspace" in lines[4]
    assert lines[5] == "line 2 of included file `dev.txt`: not a requirement"  # said on the -r line
    assert "dev.txt" not in found  # the included file itself is never shown
    assert lines[6].startswith("local project `../outside/proj` is outside the workspace")
    [(code, message, _)] = found["requirements-linked.txt"]
    assert code == "inventory-error" and message.startswith("not read: outside the workspace")
    [(code, message, line)] = found["schema/linked.sql"]
    assert code == "source-error" and "not read: outside the workspace" in message and line == 0
    config = {message for code, message, _ in found["domain-lsp.toml"]}
    assert any("schema glob `../outside/*.sql` is outside the workspace" in m for m in config), config
    assert any("sqlite ../outside/app.db" in m and "outside the workspace" in m for m in config), config
    # Nothing from outside reached the catalog: the query's outside table is unknown.
    assert ("unknown-table", "table `shared_table` does not exist", 0) in [
        (code, message.split(";")[0], line) for code, message, line in found["query.sql"]
    ]


def test_a_folder_the_user_allowed_is_read(workspace: Path, outside: Path) -> None:
    result = check(workspace, "--format", "json", DOMAIN_LSP_READ_PATHS=str(outside))
    found = findings_by_path(result)
    assert "query.sql" not in found, found.get("query.sql")  # shared_table now comes from outside
    config = [message for _, message, _ in found.get("domain-lsp.toml", [])]
    assert not any("outside the workspace" in m for m in config), config
    refused = [m for _, m, _ in found["requirements.txt"] if "outside the workspace" in m]
    assert [m.split(" is ")[0] for m in refused] == ["included file `/etc/passwd`"]  # not allowed
    # Read, and still never quoted: an included file's bad line is said by number on the -r
    # line; a listed file's, by its first word only.
    assert any(f"line 1 of included file `{outside / 'secret.txt'}`" in m for _, m, _ in found["requirements.txt"])
    assert [m for _, m, _ in found["requirements-linked.txt"]] == ["not a requirement: `machine`"]
    assert MARKER not in output(result)


def test_a_user_named_config_may_read_the_workspace_it_checks(tmp_path: Path, workspace: Path) -> None:
    elsewhere = write(tmp_path / "ci" / "ci.toml", f'[sql]\nschemas = ["{(workspace / "schema").as_posix()}/*.sql"]\n')
    write(workspace / "q.sql", "SELECT status FROM orders;\n")
    result = check(workspace, "--config", str(elsewhere), "--format", "json", "q.sql")
    assert result.returncode == 0, output(result)
    assert set(findings_by_path(result)) == {"schema/linked.sql"}  # only the link out is refused


@pytest.mark.skipif(not HAS_PROC_FD, reason="needs /proc/self/fd")
@pytest.mark.parametrize(
    "config", ["", '[sql]\nschemas = ["*.sql", "schema/*.sql"]\n'], ids=["discovered", "configured"]
)
def test_links_to_the_output_pipe_neither_hang_nor_stop_the_check(tmp_path: Path, config: str) -> None:
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    write(root / "schema" / "orders.sql", "CREATE TABLE orders (order_id int);\n")
    write(root / "good.sql", "SELECT nope FROM orders;\n")
    if config:
        write(root / "domain-lsp.toml", config)
    (root / "x.sql").symlink_to("/proc/self/fd/1")  # our stdout: a pipe
    (root / "schema" / "y.sql").symlink_to("/proc/self/fd/1")
    (root / "in.sql").symlink_to("/proc/self/fd/0")
    (root / ".gitignore").symlink_to("/proc/self/fd/1")
    (root / "requirements.txt").symlink_to("/proc/self/fd/1")
    os.mkfifo(root / "pipe.sql")  # a FIFO in the folder discovery reads
    try:
        result = check(root)
    except subprocess.TimeoutExpired:
        pytest.fail("domain-lsp check hung on a link to a pipe")
    assert result.returncode == 1, output(result)
    assert "good.sql:1:8: error[unknown-column]" in result.stdout
    assert "pipe.sql:1:1: warning[file-error] not a regular file" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not HAS_PROC_FD, reason="needs /proc/self/fd")
def test_a_dbt_catalog_linked_to_the_output_pipe_is_named(tmp_path: Path) -> None:
    root = Path(shutil.copytree(SHOP, tmp_path / "shop"))
    (root / ".git").mkdir()
    (root / "target" / "catalog.json").unlink()
    (root / "target" / "catalog.json").symlink_to("/proc/self/fd/1")  # read beside the manifest
    write(root / "domain-lsp.toml", '[sql]\ndialect = "postgres"\nschemas = ["target/manifest.json"]\n')
    try:
        result = check(root, "--format", "json")
    except subprocess.TimeoutExpired:
        pytest.fail("domain-lsp check hung on a dbt catalog.json linked to a pipe")
    found = findings_by_path(result)
    [(code, message, _)] = found["target/manifest.json"]
    assert code == "source-error" and "catalog.json not used: outside the workspace" in message


def test_a_link_does_not_reconfigure_its_folder(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    write(root / "team" / "domain-lsp.toml", '[packages]\ndeny = { requests = "use httpx" }\n')
    (root / "team" / "0.sql").symlink_to("/dev/null")  # sorted first in its folder
    write(root / "other" / "domain-lsp.toml", "")  # no deny list
    write(root / "other" / "empty.sql", "")
    (root / "team" / "0a.sql").symlink_to("../other/empty.sql")  # a link within the walked folder
    write(root / "team" / "job.py", "import requests\n")
    for args in ((), ("team/0.sql", "team/job.py"), ("team/0a.sql", "team/job.py")):
        result = check(root, *args)
        assert "team/job.py:1:8: error[denied-package] `requests` is denied: use httpx" in result.stdout, args
    assert "0.sql" not in check(root).stderr  # a link out of the walked folder is skipped quietly,
    said = [line for line in check(root, "-v").stderr.splitlines() if "0.sql" in line]
    assert said and all("that points outside it" in line for line in said)  # and said with -v


@pytest.mark.parametrize(
    ("name", "config", "expected"),
    [
        ("dot-schema", '[sql]\nschemas = ["."]\n', "sql.schemas: `.` names folders, not files"),
        ("starstar-schema", '[sql]\nschemas = ["**"]\n', "sql.schemas: `**` names folders"),
        ("folder-inventory", '[packages]\ninventory = ["reqs/"]\n', "packages.inventory: `reqs/` names folders"),
        ("nul-schema", '[sql]\nschemas = ["a\\u0000.sql"]\n', "sql.schemas: holds a NUL character"),
        ("nul-environment", '[python]\nenvironment = "venv\\u0000"\n', "python.environment: holds a NUL character"),
        (
            "nul-source-path",
            '[[sql.sources]]\nkind = "sqlite"\npath = "a\\u0000.db"\n',
            "sql.sources[1].path: holds a NUL character",
        ),
        ("deep-array", "x = " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 64 deep"),
        ("deep-table", "x = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n", "nested more than 64 deep"),
        ("huge", "# " + "x" * (1024 * 1024) + "\n", "larger than 1 MB"),
    ],
)
def test_odd_config_values_are_one_line_config_errors(tmp_path: Path, name: str, config: str, expected: str) -> None:
    root = tmp_path / "ws"
    write(root / "domain-lsp.toml", config)
    write(root / "q.sql", "SELECT 1;\n")
    result = check(root)
    assert result.returncode == 2, output(result)
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"domain-lsp: config error: {root / 'domain-lsp.toml'}"), line
    assert expected in line, line
    assert "Traceback" not in result.stderr


def test_a_config_linked_out_of_the_workspace_is_refused(tmp_path: Path, outside: Path) -> None:
    write(outside / "team.toml", f'[sql]\n"{MARKER}" = 1\n')  # its unknown key would be quoted
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    (root / "domain-lsp.toml").symlink_to(outside / "team.toml")
    write(root / "q.sql", "SELECT 1;\n")
    result = check(root)
    assert result.returncode == 2
    assert "domain-lsp.toml: outside the workspace" in result.stderr
    assert MARKER not in output(result)
    assert check(root, DOMAIN_LSP_READ_PATHS=str(outside)).returncode == 2  # allowed: now its own error
    assert MARKER in check(root, DOMAIN_LSP_READ_PATHS=str(outside)).stderr


def test_absolute_inventory_globs_read_inside_and_refuse_outside(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    write(root / "deps" / "requirements.txt", "httpx\n")
    write(
        root / "domain-lsp.toml",
        f'[packages]\ninventory = ["{(root / "deps").as_posix()}/*.txt", "{outside.as_posix()}/*.txt"]\n',
    )
    write(root / "job.py", "import httpx\nimport requests\n")
    result = check(root, "--format", "json")
    found = findings_by_path(result)
    assert [line for _, _, line in found["job.py"]] == [1]  # httpx is declared, requests is not
    [(code, message, line)] = found["domain-lsp.toml"]
    assert code == "inventory-error" and line == 1
    assert message.startswith(f"inventory glob `{outside.as_posix()}/*.txt` is outside the workspace")
    assert MARKER not in output(result)


# -- the server ---------------------------------------------------------------------------------


def server_env(tmp_path: Path) -> dict[str, str]:
    return {"DOMAIN_LSP_USER_CONFIG": str(tmp_path / "user-config.toml"), "DOMAIN_LSP_READ_PATHS": ""}


@pytest.mark.skipif(not HAS_PROC_FD, reason="needs /proc/self/fd")
def test_the_server_keeps_serving_beside_a_link_to_its_own_output(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    write(root / "schema.sql", "CREATE TABLE orders (order_id int);\n")
    (root / "x.sql").symlink_to("/proc/self/fd/1")  # the server's stdout: the LSP channel
    (root / "requirements.txt").symlink_to("/proc/self/fd/0")  # and its stdin
    driver = Driver(root, "neovim", env=server_env(tmp_path))
    driver.start()
    try:
        uri = (root / "q.sql").as_uri()
        driver.open(uri, "SELECT nope FROM orders;\n", "sql")
        assert [d.code for d in driver.pull(uri)] == ["unknown-column"]
        assert driver.alive()
    finally:
        driver.stop()


@pytest.mark.parametrize(
    "config",
    ['[sql]\nschemas = ["."]\n', "x = " + "[" * 5000 + "]" * 5000 + "\n", '[packages]\ninventory = ["/abs\\u0000"]\n'],
    ids=["dot-schema", "deep-array", "nul"],
)
def test_the_server_reports_an_odd_config_and_keeps_serving(tmp_path: Path, config: str) -> None:
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    write(root / "domain-lsp.toml", config)
    write(root / "schema.sql", "CREATE TABLE orders (order_id int);\n")
    driver = Driver(root, "vscode", env=server_env(tmp_path))
    driver.start()
    try:
        uri = (root / "q.sql").as_uri()
        driver.open(uri, "SELECT nope FROM orders;\n", "sql")
        assert [d.code for d in driver.pushed(uri, 1)] == ["unknown-column"]  # with the defaults
        assert any("invalid config" in message for message in driver.recorded.messages), driver.recorded.messages
        config_uri = (root / "domain-lsp.toml").as_uri()
        published = [p for p in driver.recorded.publishes if p.uri == config_uri]
        assert published and [d.code for d in published[-1].diagnostics] == ["config-error"]
        assert "Traceback" not in driver.recorded.stderr.decode("utf-8", "replace")
        assert driver.alive()
    finally:
        driver.stop()
