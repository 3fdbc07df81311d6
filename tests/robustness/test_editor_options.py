"""Editor settings (`initializationOptions`) that are unknown or not understood are reported in
one message, never silently dropped, and every valid one still applies."""

from __future__ import annotations

import shutil
from pathlib import Path

from lsp_driver import Driver

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "warehouse"


def test_bad_settings_are_said_and_the_good_ones_apply(tmp_path: Path) -> None:
    root = tmp_path / "warehouse"
    shutil.copytree(EXAMPLE, root)
    options = {
        "severty": {"unknown-column": "off"},  # a typo of `severity`
        "severity": {"unknown-colum": "off", "unknown-table": "loud", "unknown-column": "warning"},
        "trusted": "true",
    }
    driver = Driver(root, "neovim", initialization_options=options)
    driver.start()
    try:
        uri = (root / "q.sql").as_uri()
        driver.open(uri, "SELECT nope FROM sales.orders;\nSELECT 1 FROM nowhere;\n", "sql")
        found = [(d.code, d.severity) for d in driver.pull(uri)]
        # The valid entry applies (unknown-column as a warning); the invalid ones do not.
        assert found == [("unknown-column", 2), ("unknown-table", 1)], found
        (message,) = [m for m in driver.recorded.messages if "editor settings" in m]
        for said in (
            "unknown option `severty`; did you mean `severity`?",
            "severity: unknown code `unknown-colum`; did you mean `unknown-column`?",
            "severity.unknown-table: `loud` is not one of error, warning, information, hint, off",
            "option `trusted` is only trusted as the boolean true",
        ):
            assert said in message, message
        assert driver.alive()
    finally:
        driver.stop()
