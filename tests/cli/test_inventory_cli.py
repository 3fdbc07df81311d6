"""A malformed inventory file is reported by `domain-lsp check` on that file; the rest still runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_malformed_requirements_line_is_a_warning_on_that_line(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("httpx>=0.27\nthis is not valid ===\n", encoding="utf-8")
    (tmp_path / "app.py").write_text("import httpx\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "domain_lsp", "check", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    (diagnostic,) = json.loads(result.stdout)["diagnostics"]
    assert (diagnostic["path"], diagnostic["code"], diagnostic["severity"]) == (
        "requirements.txt",
        "inventory-error",
        "warning",
    )
    assert diagnostic["range"]["start"] == {"line": 1, "character": 0}
