from __future__ import annotations

import sys
from pathlib import Path

# The stdio driver lives with the robustness tests; tests/ has no packages, so share it by path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "robustness"))
