"""The text report shows an excerpt of a very long source line, with the marker still under the token."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_long_line_is_cut_around_the_finding(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "schema.sql").write_text("CREATE TABLE orders (id int);\n", encoding="utf-8")
    (tmp_path / "long.sql").write_text("SELECT " + "1, " * 5000 + "nope FROM orders;\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", "long.sql"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    source, marker = lines[1], lines[2]
    assert len(source) <= 4 + 200
    start = marker.index("^")
    assert source[start : start + 4] == "nope" and marker[start:] == "^^^^"
