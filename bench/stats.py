"""Percentiles, the way the benchmark reports them (nearest rank, in milliseconds)."""

from __future__ import annotations

import math


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile of `samples` (seconds); the value returned is in milliseconds."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1] * 1000


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": round(percentile(samples, 50), 2),
        "p95_ms": round(percentile(samples, 95), 2),
        "p99_ms": round(percentile(samples, 99), 2),
        "max_ms": round(max(samples) * 1000, 2) if samples else float("nan"),
    }
