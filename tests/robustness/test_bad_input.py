"""Bad input through the CLI: each problem is named with its file, the rest of the workspace is
still checked, and exit status 2 is kept for usage and config errors. Every run is bounded."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"
RUN_BOUND = 120  # seconds; a hang guard, not a timing assert
KNOWN_ERROR = "SELECT nope FROM sales.orders;\n"


def check(cwd: Path, *args: str, timeout: float = RUN_BOUND) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The example's config and schemas, plus one file with a known error."""
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copytree(EXAMPLE / "schema", root / "schema")
    shutil.copy(EXAMPLE / "domain-lsp.toml", root / "domain-lsp.toml")
    (root / "good.sql").write_text(KNOWN_ERROR)
    return root


def assert_line(output: str, *parts: str) -> None:
    assert any(all(p in line for p in parts) for line in output.splitlines()), f"no line with {parts}:\n{output}"


def test_unreadable_and_odd_files_are_named_and_the_rest_is_checked(workspace: Path) -> None:
    (workspace / "bad_utf8.sql").write_bytes(b"SELECT \xff\xfe FROM sales.orders;\n")
    (workspace / "binary.sql").write_bytes(bytes(range(256)) * 4)
    (workspace / "binary.py").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
    (workspace / "deep.sql").write_text("SELECT " + "(" * 5000 + "1" + ")" * 5000 + " FROM sales.orders;\n")
    (workspace / "deep600.sql").write_text("SELECT " + "(" * 600 + "1" + ")" * 600 + " FROM sales.orders;\n")
    (workspace / "deep_open.sql").write_text("SELECT " + "(" * 5000 + "\n")
    (workspace / "deep.py").write_text("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n")
    (workspace / "long_sum.py").write_text("x = " + "+".join(["1"] * 100_000) + "\n")  # ast: RecursionError
    (workspace / "folder.sql").mkdir()  # a directory with a checked suffix
    (workspace / "loop").symlink_to(workspace, target_is_directory=True)  # a symlink loop
    (workspace / "a").symlink_to("b")
    (workspace / "b").symlink_to("a")  # a loop of two links
    result = check(workspace)
    out = result.stdout
    assert result.returncode == 1, result.stderr
    assert_line(out, "bad_utf8.sql", "file-error", "invalid UTF-8")
    assert_line(out, "binary.sql", "file-error", "binary")
    assert_line(out, "binary.py", "file-error", "binary")
    assert_line(out, "deep_open.sql", "syntax-error")
    assert_line(out, "deep.sql:1:1", "analysis-limit", "statement too complex to check", "5,000 deep")
    assert_line(out, "deep600.sql:1:1", "analysis-limit", "statement too complex to check", "600 deep")
    assert_line(out, "long_sum.py", "analysis-limit", "RecursionError")
    assert_line(out, "good.sql:1:8", "unknown-column")
    assert out.count("good.sql:1:8") == 1, "a file reached through a symlink loop is checked once"
    assert "Traceback" not in result.stderr


def test_a_20_mb_sql_file_is_reported_not_analysed(workspace: Path) -> None:
    statement = "INSERT INTO sales.orders VALUES (1, 2, now(), 'x', NULL);\n"
    (workspace / "dump.sql").write_text(statement * (20_000_000 // len(statement)))
    (workspace / "huge.sql").write_bytes(b"-- x\n" * (21 * 1024 * 1024 // 5))  # over the 20 MB read limit
    result = check(workspace)
    assert result.returncode == 1, result.stderr
    assert_line(result.stdout, "dump.sql", "file-error", "too large to analyse")
    assert_line(result.stdout, "huge.sql", "file-error", "larger than 20 MB")
    assert_line(result.stdout, "good.sql:1:8", "unknown-column")


def test_a_100_000_line_python_file_is_checked_to_its_end(workspace: Path) -> None:
    body = "".join(f"value_{i} = {i}\n" for i in range(99_999))
    (workspace / "big.py").write_text(body + 'cur.execute("SELECT nope FROM sales.orders")\n')
    result = check(workspace, "big.py")
    assert result.returncode == 1, result.stderr
    assert_line(result.stdout, "big.py:100000:", "unknown-column")


def test_malformed_config_is_a_config_error_naming_file_and_line(workspace: Path) -> None:
    (workspace / "domain-lsp.toml").write_text('[sql]\ndialect = "postgres"\nschemas = [\n')
    result = check(workspace)
    assert result.returncode == 2
    assert "domain-lsp.toml:" in result.stderr and "invalid TOML" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_naming_a_missing_config_file_is_a_usage_error(workspace: Path) -> None:
    result = check(workspace, "--config", "nowhere/domain-lsp.toml")
    assert result.returncode == 2
    assert "nowhere/domain-lsp.toml" in result.stderr


def test_malformed_catalogs_are_warnings_and_a_missing_schema_glob_an_error_on_their_files(workspace: Path) -> None:
    catalog = workspace / "catalog"
    catalog.mkdir()
    (catalog / "bad.json").write_text('{"sales": {"orders": [')
    (catalog / "bad.yaml").write_text("sales:\n  orders: [\n   - x: {\n")
    (catalog / "manifest.json").write_text('{"nodes": 5')
    (catalog / "binary.yaml").write_bytes(b"\x00\xff\xfe" * 10)
    (workspace / "domain-lsp.toml").write_text(
        '[sql]\ndialect = "postgres"\nsearch_path = ["sales", "core"]\n'
        'schemas = ["schema/*.sql", "catalog/*.json", "catalog/*.yaml", "missing/*.sql"]\n'
    )
    result = check(workspace)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert_line(out, "catalog/bad.json", "source-error", "invalid JSON")
    assert_line(out, "catalog/bad.yaml", "source-error", "invalid YAML")
    assert_line(out, "catalog/manifest.json", "source-error")
    assert_line(out, "catalog/binary.yaml", "source-error")
    assert_line(out, "domain-lsp.toml", "error[missing-input]", "missing/*.sql")  # fails closed
    assert_line(out, "good.sql:1:8", "unknown-column")  # the schema files still loaded


def write_bad_inventory(workspace: Path) -> None:
    (workspace / "requirements.txt").write_text("requests==\n===\nflask>=\n-r missing.txt\n")
    (workspace / "uv.lock").write_text("version = [\n")
    (workspace / "poetry.lock").write_bytes(b"\x00\x01\x02")
    (workspace / "uses_requests.py").write_text('import requests\ncur.execute("SELECT nope FROM sales.orders")\n')


def test_malformed_inventory_files_do_not_stop_the_check(workspace: Path) -> None:
    write_bad_inventory(workspace)
    result = check(workspace)
    assert result.returncode == 1, result.stderr
    assert_line(result.stdout, "uses_requests.py:2:", "unknown-column")
    assert "Traceback" not in result.stderr


def test_malformed_inventory_files_are_named(workspace: Path) -> None:
    write_bad_inventory(workspace)
    result = check(workspace)
    assert_line(result.stdout, "requirements.txt", "inventory-error")
    assert_line(result.stdout, "uv.lock", "inventory-error")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_sql_neither_hangs_nor_stops_the_check(workspace: Path) -> None:
    # We run as root, so chmod 000 does not make a file unreadable; a FIFO (and a dangling
    # link) are the unreadable files a checkout can really contain.
    os.mkfifo(workspace / "pipe.sql")
    try:
        result = check(workspace, timeout=8)
    except subprocess.TimeoutExpired:
        pytest.fail("domain-lsp check hung on a FIFO")
    assert_line(result.stdout, "pipe.sql", "file-error")
    assert_line(result.stdout, "good.sql:1:8", "unknown-column")


def test_a_dangling_sql_symlink_is_named(workspace: Path) -> None:
    (workspace / "gone.sql").symlink_to(workspace / "deleted.sql")
    result = check(workspace)
    assert result.returncode == 1
    assert_line(result.stdout, "gone.sql", "file-error")


def test_deeply_nested_inventory_files_are_named_and_the_rest_is_checked(workspace: Path) -> None:
    (workspace / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ' + "[" * 5000 + "]" * 5000 + "\n")
    (workspace / "uv.lock").write_text("package = " + "[" * 5000 + "]" * 5000 + "\n")
    (workspace / "Pipfile.lock").write_text("[" * 100_000 + "]" * 100_000)
    (workspace / "uses.py").write_text('cur.execute("SELECT nope FROM sales.orders")\n')
    result = check(workspace)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert_line(result.stdout, "pyproject.toml", "inventory-error", "nested too deeply")
    assert_line(result.stdout, "uv.lock", "inventory-error", "nested too deeply")
    assert_line(result.stdout, "Pipfile.lock", "inventory-error", "nested too deeply")
    assert_line(result.stdout, "uses.py:1:", "unknown-column")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifos_where_discovery_reads_neither_hang_nor_stop_the_check(tmp_path: Path) -> None:
    # No sql.schemas: every .sql file is probed for CREATE TABLE, the usual inventory names are
    # read, and each folder's .gitignore; a FIFO in any of those places would block a plain read.
    root = tmp_path / "ws"
    root.mkdir()
    (root / "schema.sql").write_text("CREATE TABLE orders (order_id int);\n")
    (root / "good.sql").write_text("SELECT nope FROM orders;\n")
    for name in ("pipe.sql", "requirements.txt", ".gitignore"):
        os.mkfifo(root / name)
    try:
        result = check(root, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("domain-lsp check hung on a FIFO")
    assert result.returncode == 1, result.stderr
    assert_line(result.stdout, "pipe.sql", "file-error", "not a regular file")
    assert_line(result.stdout, "requirements.txt", "inventory-error", "not a regular file")
    assert_line(result.stdout, "good.sql:1:8", "unknown-column")
