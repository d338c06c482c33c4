"""Latency percentiles and throughput from raw samples."""

from __future__ import annotations

import math
from typing import Any


def percentile(ordered: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return None
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarize(latencies_ms: list[float], *, wall_seconds: float, errors: int = 0) -> dict[str, Any]:
    """Summarise one measurement: count, throughput, mean and p50/p95/p99 in milliseconds."""
    ordered = sorted(latencies_ms)
    total = len(ordered) + errors
    return {
        "requests": len(ordered),
        "errors": errors,
        "error_rate": (errors / total) if total else 0.0,
        "seconds": round(wall_seconds, 3),
        "rps": round(len(ordered) / wall_seconds, 1) if wall_seconds > 0 else None,
        "mean_ms": round(sum(ordered) / len(ordered), 3) if ordered else None,
        "p50_ms": _round(percentile(ordered, 0.50)),
        "p95_ms": _round(percentile(ordered, 0.95)),
        "p99_ms": _round(percentile(ordered, 0.99)),
        "max_ms": _round(ordered[-1] if ordered else None),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
