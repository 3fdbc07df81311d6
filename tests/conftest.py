from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "warehouse"


@pytest.fixture
def example_workspace() -> Path:
    return EXAMPLE
