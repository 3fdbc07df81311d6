"""The CI side of `domain-lsp check`: --diff in a real git repository, --shard, --jobs,
--select/--ignore and [diagnostics] severities, --format github, and the pre-commit hook.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCHEMA = "CREATE TABLE core.customers (id int, name text, email text);\n"
CONFIG = '[sql]\ndialect = "postgres"\nschemas = ["schema/*.sql"]\n'
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def diagnostics(cwd: Path, *args: str) -> list[dict[str, Any]]:
    result = run(cwd, "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    items: list[dict[str, Any]] = json.loads(result.stdout)["diagnostics"]
    return items


def where(items: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    """(path, 1-based line, code) of each diagnostic."""
    return [(d["path"], d["range"]["start"]["line"] + 1, d["code"]) for d in items]


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, check=True
    )
    return result.stdout


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    write(tmp_path / "domain-lsp.toml", CONFIG)
    write(tmp_path / "schema" / "tables.sql", SCHEMA)
    return tmp_path


# -- --diff ------------------------------------------------------------------------------------------

BEFORE = """\
SELECT nme FROM core.customers;
SELECT id FROM core.customers;
SELECT id FROM core.customers;
SELECT emial FROM core.customers;
"""


@pytest.fixture
def repo(workspace: Path) -> Path:
    git(workspace, "init", "-q", "-b", "main")
    write(workspace / "q.sql", BEFORE)
    write(workspace / "other.sql", "SELECT id FROM core.customers;\n")
    git(workspace, "add", ".")
    git(workspace, "commit", "-q", "-m", "base")
    git(workspace, "checkout", "-q", "-b", "feature")
    return workspace


def test_diff_reports_only_changed_lines(repo: Path) -> None:
    assert where(diagnostics(repo, "--diff", "main")) == []  # nothing changed yet
    # A commit on the branch changes line 2, an unstaged edit line 4 (keeping its old error),
    # and an untracked new file is new code throughout. Line 1's old error stays unreported.
    write(
        repo / "q.sql",
        BEFORE.replace("SELECT id FROM core.customers;\nSELECT id", "SELECT idd FROM core.customers;\nSELECT id", 1),
    )
    git(repo, "commit", "-q", "-am", "feature work")
    text = (repo / "q.sql").read_text().replace("SELECT emial FROM", "SELECT emial, nam FROM")
    write(repo / "q.sql", text)
    write(repo / "new.sql", "SELECT 1;\nSELECT x FROM core.customers;\n")
    assert where(diagnostics(repo)) == [
        ("new.sql", 2, "unknown-column"),
        ("q.sql", 1, "unknown-column"),
        ("q.sql", 2, "unknown-column"),
        ("q.sql", 4, "unknown-column"),
        ("q.sql", 4, "unknown-column"),
    ]
    assert where(diagnostics(repo, "--diff", "main")) == [
        ("new.sql", 2, "unknown-column"),
        ("q.sql", 2, "unknown-column"),
        ("q.sql", 4, "unknown-column"),
        ("q.sql", 4, "unknown-column"),
    ]
    # Against the branch's own last commit only the uncommitted work remains.
    assert where(diagnostics(repo, "--diff", "HEAD")) == [
        ("new.sql", 2, "unknown-column"),
        ("q.sql", 4, "unknown-column"),
        ("q.sql", 4, "unknown-column"),
    ]


def test_diff_uses_the_merge_base_like_a_pull_request(repo: Path) -> None:
    # main moves on after the branch was made: its new mistakes are not the branch's.
    git(repo, "checkout", "-q", "main")
    write(repo / "other.sql", "SELECT bad FROM core.customers;\n")
    git(repo, "commit", "-q", "-am", "main moves on")
    git(repo, "checkout", "-q", "feature")
    write(repo / "q.sql", BEFORE + "SELECT worse FROM core.customers;\n")
    assert where(diagnostics(repo, "--diff", "main")) == [("q.sql", 5, "unknown-column")]


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("no-such-branch", "domain-lsp: error: --diff: unknown git revision `no-such-branch`"),
        ("--output=x", "domain-lsp: error: --diff: unknown git revision `--output=x`"),
    ],
)
def test_diff_with_an_unknown_revision_exits_2(repo: Path, ref: str, message: str) -> None:
    result = run(repo, f"--diff={ref}")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert not (repo / "x").exists()


def test_diff_outside_a_git_repository_exits_2(workspace: Path) -> None:
    result = run(workspace, "--diff", "main")
    assert result.returncode == 2
    assert result.stderr == f"domain-lsp: error: --diff: not a git repository: {workspace.resolve()}\n"


# -- --shard and --jobs ----------------------------------------------------------------------------


@pytest.fixture
def many(workspace: Path) -> Path:
    (workspace / ".git").mkdir()
    for i in range(40):
        write(
            workspace / f"d{i % 4}" / f"q{i}.sql", f"SELECT id FROM core.customers;\nSELECT c{i} FROM core.customers;\n"
        )
    write(workspace / "schema" / "broken.sql", "CREATE TABLE core.x (id int;\n")  # a source problem too
    return workspace


def test_shards_partition_the_files(many: Path) -> None:
    everything = where(diagnostics(many))
    assert len(everything) > 40
    shards = [where(diagnostics(many, "--shard", f"{i}/3")) for i in (1, 2, 3)]
    assert all(shards)
    assert sorted(item for shard in shards for item in shard) == sorted(everything)
    # The same split from a subfolder run: the hash is of the path from the repository's top.
    sub = [where(diagnostics(many / "d1", "--shard", f"{i}/3")) for i in (1, 2, 3)]
    for shard, part in zip(shards, sub, strict=True):
        inside = {(f"d1/{p}", line, code) for p, line, code in part if not p.startswith("../")}
        assert inside == {x for x in shard if x[0].startswith("d1/")}


@pytest.mark.parametrize("shard", ["0/3", "4/3", "1", "a/b", "1/0"])
def test_a_bad_shard_is_a_usage_error(many: Path, shard: str) -> None:
    result = run(many, "--shard", shard)
    assert result.returncode == 2
    assert result.stderr.startswith("domain-lsp: error: --shard") and result.stderr.count("\n") == 1


def test_jobs_must_be_positive(many: Path) -> None:
    result = run(many, "--jobs", "0")
    assert (result.returncode, result.stderr) == (2, "domain-lsp: error: --jobs must be at least 1, got 0\n")


@pytest.mark.parametrize("fmt", ["json", "sarif", "text", "github", "gitlab"])
def test_two_processes_give_the_same_output_as_one(many: Path, fmt: str) -> None:
    one = run(many, "--format", fmt, "--jobs", "1")
    two = run(many, "--format", fmt, "--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert "schema/broken.sql" in one.stdout


# -- --select / --ignore / severity ------------------------------------------------------------------


def test_select_and_ignore(workspace: Path) -> None:
    write(workspace / "q.sql", "SELECT nme FROM core.customers;\nSELECT id FROM core.nope;\nSELECT FROM WHERE;\n")
    assert {c for _, _, c in where(diagnostics(workspace))} == {"unknown-column", "unknown-table", "syntax-error"}
    assert where(diagnostics(workspace, "--select", "unknown-table,unknown-column", "--ignore", "unknown-column")) == [
        ("q.sql", 2, "unknown-table")
    ]
    result = run(workspace, "--ignore", "unknown-colum")
    assert result.returncode == 2
    assert result.stderr == (
        "domain-lsp: error: --ignore: unknown code `unknown-colum`; did you mean `unknown-column`?\n"
    )


def test_config_severity_override_decides_the_exit_code(workspace: Path) -> None:
    write(workspace / "q.sql", "SELECT nme FROM core.customers;\n")
    assert run(workspace).returncode == 1
    write(workspace / "domain-lsp.toml", CONFIG + '\n[diagnostics.severity]\n"unknown-column" = "warning"\n')
    result = run(workspace, "--format", "json")
    assert result.returncode == 0
    assert [d["severity"] for d in json.loads(result.stdout)["diagnostics"]] == ["warning"]
    write(workspace / "domain-lsp.toml", CONFIG + '\n[diagnostics]\nignore = ["unknown-column"]\n')
    assert diagnostics(workspace) == []
    assert where(diagnostics(workspace, "--select", "unknown-column")) == []  # ignore wins


def test_github_format_from_the_command_line(workspace: Path) -> None:
    (workspace / ".git").mkdir()
    write(workspace / "sub" / "q.sql", "SELECT nme FROM core.customers;\n")
    result = run(workspace / "sub", "--format", "github")
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith(
        "::error file=sub/q.sql,line=1,col=8,endColumn=10,endLine=1,title=domain-lsp unknown-column::"
    )


# -- pre-commit ------------------------------------------------------------------------------------

PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")


@pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed")
def test_pre_commit_runs_the_hook(workspace: Path) -> None:
    """pre-commit itself installs this repository's hook (from a copy, as a git repository)
    and runs it on a commit's files.
    """
    assert PRE_COMMIT is not None
    hook_repo = workspace.parent / "hook-repo"
    hook_repo.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):  # what pip installs from
        shutil.copy2(REPO / name, hook_repo / name)
    shutil.copytree(REPO / "domain_lsp", hook_repo / "domain_lsp", ignore=shutil.ignore_patterns("__pycache__"))
    git(hook_repo, "init", "-q", "-b", "main")
    git(hook_repo, "add", ".")
    git(hook_repo, "commit", "-q", "-m", "hook")
    revision = git(hook_repo, "rev-parse", "HEAD").strip()
    write(
        workspace / ".pre-commit-config.yaml",
        f"repos:\n  - repo: {hook_repo.as_posix()}\n    rev: {revision}\n    hooks:\n      - id: domain-lsp\n",
    )
    git(workspace, "init", "-q", "-b", "main")
    write(workspace / "q.sql", "SELECT nme FROM core.customers;\n")
    git(workspace, "add", ".")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(workspace.parent / "pre-commit-home")}
    result = subprocess.run(
        [PRE_COMMIT, "run", "--all-files"], cwd=workspace, capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "q.sql:1:8: error[unknown-column]" in result.stdout
    write(workspace / "q.sql", "SELECT name FROM core.customers;\n")
    git(workspace, "add", ".")
    result = subprocess.run(
        [PRE_COMMIT, "run", "--all-files"], cwd=workspace, capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
