"""The benchmark's rounds: runs pooled into one figure, and the ratio to the floor judged
on the median of the rounds, not on whichever round met a checkpoint."""

from __future__ import annotations

from typing import Any

from tests.benchmarks import report
from tests.benchmarks.loadgen import combine, paired_ratio
from tests.benchmarks.stats import summarize


def _run(latencies: list[float], seconds: float, *, errors: int = 0) -> dict[str, Any]:
    summary = summarize(latencies, wall_seconds=seconds, errors=errors)
    summary.update(
        statuses={"200": len(latencies), **({"500": errors} if errors else {})},
        error_samples=[f"sample {i}" for i in range(errors)],
        clients=5,
        latencies=latencies,
    )
    return summary


def test_runs_are_pooled_over_every_latency_and_the_windows_total_time():
    fast = _run([1.0] * 90, 1.0)
    slow = _run([10.0] * 10, 1.0, errors=4)
    pooled = combine([fast, slow])
    assert pooled["requests"] == 100
    assert pooled["rps"] == 50.0  # 100 answers in 2 s, not the mean of 90 and 10 per second
    assert (pooled["p50_ms"], pooled["p95_ms"]) == (1.0, 10.0)
    assert pooled["errors"] == 4
    assert pooled["statuses"] == {"200": 100, "500": 4}
    assert pooled["error_samples"] == ["sample 0", "sample 1", "sample 2", "sample 3"]
    assert [r["rps"] for r in pooled["rounds"]] == [90.0, 10.0]
    assert "latencies" not in pooled


def test_the_ratio_is_the_median_of_the_rounds_ratios():
    runs = [_run([1.0] * n, 1.0) for n in (30, 20, 10)]
    floors = [_run([1.0] * n, 1.0) for n in (100, 100, 20)]
    ratio = paired_ratio(runs, floors)
    assert ratio == {"median": 0.3, "rounds": [0.3, 0.2, 0.5]}
    # Pooling each side first would give 60 / 220, a figure no round measured.
    assert paired_ratio([], []) == {"median": None, "rounds": []}


def _endpoint(kind: str, ratio: dict[str, Any] | None, app_rps: float, floor_rps: float):
    entry: dict[str, Any] = {
        "label": "an endpoint",
        "kind": kind,
        "skipped": None,
        "app": {"rps": app_rps, "p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0, "errors": 0},
        "flask_floor": {"rps": floor_rps, "p50_ms": 0.5},
    }
    if ratio is not None:
        entry["floor_ratio"] = ratio
    return entry


def test_the_report_judges_and_shows_the_median_ratio_with_its_range():
    rounds = {"median": 0.52, "rounds": [0.41, 0.52, 0.6]}
    result = {
        "scale": 100_000,
        "endpoints": {"a": _endpoint("read", rounds, app_rps=40.0, floor_rps=100.0)},
    }
    [verdict, *_] = report.targets([result])
    assert (verdict["ratio"], verdict["verdict"]) == (0.52, "met")
    assert "| 0.52x (0.41 to 0.60) |" in report._endpoint_table(result)


def test_a_single_run_is_judged_on_its_own_throughputs():
    result = {"scale": 100_000, "endpoints": {"a": _endpoint("write", None, 30.0, 100.0)}}
    [verdict, *_] = report.targets([result])
    assert (verdict["ratio"], verdict["verdict"]) == (0.3, "MISSED")
    assert "| 0.30x |" in report._endpoint_table(result)
