"""A closed-loop HTTP load generator: one process per client, bounded by time and count.

Each client process holds an `http.client` connection to 127.0.0.1 (reopened when the
sync worker closes it, as gunicorn's sync workers do after each response), sends the
next request as soon as the previous answer is read, checks the status, and records
the latency. Requests are built from a picklable `Workload`: a path and an optional JSON
body with `$youth_id`, `$ward` and `$now` placeholders, and an Idempotency-Key per request
when asked.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import statistics
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.benchmarks.stats import summarize

MAX_ERROR_SAMPLES = 5


@dataclass
class Workload:
    name: str
    method: str
    path: str
    expect: int
    token: str | None = None
    body: dict[str, Any] | None = None
    youth_ids: list[int] = field(default_factory=list)
    ward: str = ""
    idempotency: bool = False

    def builder(self, rng: random.Random) -> Any:
        """Return a function of the request number giving (method, path, body, headers)."""
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        template = json.dumps(self.body) if self.body is not None else None
        if template is not None:
            headers["Content-Type"] = "application/json"
        pid = os.getpid()

        def build(number: int) -> tuple[str, str, bytes | None, dict[str, str]]:
            youth = str(rng.choice(self.youth_ids)) if self.youth_ids else ""
            path = self.path.replace("$youth_id", youth).replace("$ward", self.ward)
            body = None
            if template is not None:
                # Two minutes ago: a visit may not be recorded in the future.
                now = (datetime.now(UTC) - timedelta(minutes=2)).isoformat(timespec="seconds")
                text = template.replace('"$youth_id"', youth or "0").replace("$now", now)
                body = text.encode()
            request_headers = headers
            if self.idempotency:
                key = f"bench-{pid}-{number}-{rng.getrandbits(48):012x}"
                request_headers = {**headers, "Idempotency-Key": key}
            return self.method, path, body, request_headers

        return build


@dataclass
class _Plan:
    port: int
    workload: Workload
    seed: int
    warmup: float
    duration: float
    max_requests: int


def _client(plan: _Plan, barrier: Any) -> dict[str, Any]:
    rng = random.Random(plan.seed)
    build = plan.workload.builder(rng)
    conn = http.client.HTTPConnection("127.0.0.1", plan.port, timeout=120)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    samples: list[str] = []
    errors = number = 0
    barrier.wait(timeout=120)
    started = time.perf_counter()
    measure_from = started + plan.warmup
    stop_at = measure_from + plan.duration
    last_end = measure_from
    while True:
        now = time.perf_counter()
        recorded = len(latencies) + errors
        # A request slower than the whole window still gets one measured answer.
        if (now >= stop_at and recorded) or recorded >= plan.max_requests:
            break
        number += 1
        method, path, body, headers = build(number)
        sent = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            status, data = 0, repr(error).encode()
        ended = time.perf_counter()
        if sent < measure_from:
            continue
        last_end = ended
        statuses[status] += 1
        if status == plan.workload.expect:
            latencies.append((ended - sent) * 1000)
        else:
            errors += 1
            if len(samples) < MAX_ERROR_SAMPLES:
                samples.append(f"{method} {path} -> {status}: {data[:300]!r}")
    conn.close()
    return {
        "latencies": latencies,
        "errors": errors,
        "statuses": dict(statuses),
        "samples": samples,
        "window": max(last_end - measure_from, 1e-9),
    }


def _client_main(plan: _Plan, barrier: Any, queue: Any) -> None:
    try:
        queue.put(_client(plan, barrier))
    except Exception:  # reported by the parent, which fails the run
        queue.put({"crash": traceback.format_exc()})


def run_load(
    port: int,
    workload: Workload,
    *,
    clients: int,
    duration: float,
    warmup: float,
    max_requests: int,
    seed: int = 1,
    keep_latencies: bool = False,
) -> dict[str, Any]:
    """Drive `workload` with `clients` processes; return throughput, latency and errors.

    With `keep_latencies` the summary also holds every latency (`latencies`, in ms), so
    several runs can be pooled by `combine`.
    """
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(clients)
    queue = ctx.Queue()
    per_client = max(1, max_requests // clients)
    processes = [
        ctx.Process(
            target=_client_main,
            args=(
                _Plan(port, workload, seed * 1000 + i, warmup, duration, per_client),
                barrier,
                queue,
            ),
        )
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    try:
        results = [queue.get(timeout=warmup + duration + 600) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
    crashed = [r["crash"] for r in results if "crash" in r]
    if crashed:
        raise RuntimeError(f"a load client failed:\n{crashed[0]}")
    latencies = [value for result in results for value in result["latencies"]]
    errors = sum(result["errors"] for result in results)
    statuses: Counter[str] = Counter()
    for result in results:
        statuses.update({str(k): v for k, v in result["statuses"].items()})
    summary = summarize(latencies, wall_seconds=max(r["window"] for r in results), errors=errors)
    summary["statuses"] = dict(statuses)
    summary["error_samples"] = [s for r in results for s in r["samples"]][:MAX_ERROR_SAMPLES]
    summary["clients"] = clients
    if keep_latencies:
        summary["latencies"] = latencies
    return summary


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Pool runs of one workload made with `keep_latencies`: percentiles over every
    latency, throughput over the windows' total time, and each run's own figures in
    `rounds`. The latencies are not kept."""
    latencies = [value for run in runs for value in run["latencies"]]
    summary = summarize(
        latencies,
        wall_seconds=sum(run["seconds"] for run in runs),
        errors=sum(run["errors"] for run in runs),
    )
    statuses: Counter[str] = Counter()
    for run in runs:
        statuses.update(run["statuses"])
    summary["statuses"] = dict(statuses)
    summary["error_samples"] = [s for run in runs for s in run["error_samples"]][:MAX_ERROR_SAMPLES]
    summary["clients"] = runs[0]["clients"]
    summary["rounds"] = [
        {key: run[key] for key in ("requests", "rps", "p50_ms", "p95_ms", "errors")} for run in runs
    ]
    return summary


def paired_ratio(runs: list[dict[str, Any]], floors: list[dict[str, Any]]) -> dict[str, Any]:
    """The throughput ratio of runs each measured straight before its floor's: the median
    of the rounds' ratios, so one round that met a checkpoint does not decide it."""
    ratios = [
        run["rps"] / floor["rps"]
        for run, floor in zip(runs, floors, strict=True)
        if run.get("rps") and floor.get("rps")
    ]
    if not ratios:
        return {"median": None, "rounds": []}
    return {"median": statistics.median(ratios), "rounds": [round(r, 3) for r in ratios]}
