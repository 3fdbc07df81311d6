from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "warehouse"


@pytest.fixture(autouse=True, scope="session")
def _private_catalog_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the on-disk catalog cache of every CLI and server the tests start out of ~/.cache."""
    previous = os.environ.get("DOMAIN_LSP_CACHE_DIR")
    os.environ["DOMAIN_LSP_CACHE_DIR"] = str(tmp_path_factory.mktemp("catalog-cache"))
    yield
    if previous is None:
        os.environ.pop("DOMAIN_LSP_CACHE_DIR", None)
    else:
        os.environ["DOMAIN_LSP_CACHE_DIR"] = previous


@pytest.fixture
def example_workspace() -> Path:
    return EXAMPLE
