"""How fast could a young person's record be read, with every read still audited?

`python -m tests.benchmarks.ceiling --scale 100000 --spec bench-results/floor-spec-100000.json`

Drives five servers in turn, under the same gunicorn settings and load, against a
database a run of `tests.benchmarks.run --keep-db` left behind, with the floor's spec
that run wrote:

- the API's `GET /api/v1/youths/<id>`;
- the ceiling route (`tests.benchmarks.ceiling_app`) with its audit event: what is left
  when the record's own code is as thin as the floor's;
- the ceiling route without the audit event;
- the ceiling route writing its event without the chain, to a copy of the trail's table
  that the run makes in the benchmark database (`bench_unchained_events`);
- the minimal Flask floor's read of the same rows.

Each round measures all five back to back; the table shows each one's median
throughput and its ratio to the floor's.

Then the audit chain's own ceiling: `--chain-connections` processes append events
through the service's own statement (`sywc.audit.service`), each committing alone, as
a read does. Every append takes the chain lock and holds it until its commit is on
disk, so this rate bounds the audited requests of the whole deployment, however many
web nodes serve them. The events are real chain events (action `bench_chain_append`,
actor the system) and stay in the benchmark database's trail.

Writes `ceiling-<scale>.json` beside the spec.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
import os
import statistics
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sywc import clock
from sywc.audit.service import _APPEND_EVENT_PG, _hash_parts
from tests.benchmarks.ceiling_app import create_unchained_events
from tests.benchmarks.common import app_environment, conninfo, database_url, gunicorn, say
from tests.benchmarks.loadgen import run_load
from tests.benchmarks.phases import db_name
from tests.benchmarks.scenarios import SCENARIOS, load_fixture, login, workload

# (name, what it is, gunicorn application, path with the young person's id, signs in)
VARIANTS = (
    ("api", "the API's record", "wsgi:app", None, True),
    (
        "ceiling_audited",
        "ceiling route, audited",
        "tests.benchmarks.ceiling_app:served()",
        "/bench/ceiling/youths/$youth_id",
        True,
    ),
    (
        "ceiling_unaudited",
        "ceiling route, no audit event",
        "tests.benchmarks.ceiling_app:served()",
        "/bench/ceiling/youths/$youth_id?audit=0",
        True,
    ),
    (
        "ceiling_unchained",
        "ceiling route, event not chained",
        "tests.benchmarks.ceiling_app:served()",
        "/bench/ceiling/youths/$youth_id?audit=unchained",
        True,
    ),
    ("floor", "minimal Flask floor", "tests.benchmarks.floor_app:app", None, False),
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cpus = os.cpu_count() or 1
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.ceiling", description=__doc__)
    parser.add_argument("--scale", type=int, default=100_000, help="the kept database's scale")
    parser.add_argument("--spec", type=Path, help="floor spec of a run at that scale")
    parser.add_argument("--workers", type=int, default=cpus * 2 + 1, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, help="load generator processes (default: workers)")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds each")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds each")
    parser.add_argument("--rounds", type=int, default=3, help="times each is measured")
    parser.add_argument("--chain-connections", type=int, default=8, help="appending processes")
    parser.add_argument("--chain-seconds", type=float, default=10.0, help="appending time")
    args = parser.parse_args(argv)
    args.spec = args.spec or Path("bench-results") / f"floor-spec-{args.scale}.json"
    args.clients = args.clients or args.workers
    return args


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Measure every variant `args.rounds` times; return their throughputs."""
    url = database_url(db_name(args.scale))
    env = app_environment(url, FLOOR_SPEC=str(args.spec.resolve()))
    fixture = load_fixture(conninfo(url))
    record = next(s for s in SCENARIOS if s.name == "youth_record")
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as connection:
        create_unchained_events(connection)
    engine.dispose()
    runs: dict[str, list[float]] = {name: [] for name, *_ in VARIANTS}
    log = args.spec.parent / f"gunicorn-ceiling-{args.scale}.log"
    for round_number in range(1, args.rounds + 1):
        for name, label, application, path, signs_in in VARIANTS:
            say(f"round {round_number}: {label}")
            with gunicorn(application, env, workers=args.workers, log=log) as server:
                token = login(server.port, record.user) if signs_in and record.user else None
                scenario = dataclasses.replace(record, path=path or record.path)
                measured = run_load(
                    server.port,
                    workload(scenario, fixture, token, floor=name == "floor"),
                    clients=args.clients,
                    duration=args.duration,
                    warmup=args.warmup,
                    max_requests=10_000_000,
                )
            if measured["errors"]:
                raise RuntimeError(f"{label}: {measured['errors']} errors {measured['statuses']}")
            runs[name].append(measured["rps"])
    return {"scale": args.scale, "workers": args.workers, "clients": args.clients, "runs": runs}


def append_chain_events(url: str, seconds: float, barrier: Any, queue: Any) -> None:
    """Append chain events until `seconds` have passed; report how many."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with engine.connect() as connection:
        barrier.wait()
        appended, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            event = {
                "occurred_at": clock.utcnow(),
                "actor_type": "system",
                "actor_id": None,
                "actor_label": "benchmark",
                "role": None,
                "agency": None,
                "action": "bench_chain_append",
                "record_type": None,
                "record_id": None,
                "record_ids": None,
                "details": None,
                "request_id": None,
                "client_address": None,
            }
            _APPEND_EVENT_PG.one(connection, {**event, **_hash_parts(event)})
            appended += 1
    engine.dispose()
    queue.put(appended)


def _cpu_times() -> list[int]:
    with open("/proc/stat") as stat:
        return [int(v) for v in stat.readline().split()[1:]]


def measure_chain(args: argparse.Namespace) -> dict[str, Any]:
    """Append chain events from several processes at once; return the rate and idle CPU."""
    url = database_url(db_name(args.scale))
    say(f"audit chain: {args.chain_connections} processes appending")
    ctx = multiprocessing.get_context("fork")
    barrier, queue = ctx.Barrier(args.chain_connections + 1), ctx.Queue()
    processes = [
        ctx.Process(target=append_chain_events, args=(url, args.chain_seconds, barrier, queue))
        for _ in range(args.chain_connections)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    before = _cpu_times()
    counts = [queue.get(timeout=args.chain_seconds + 120) for _ in processes]
    after = _cpu_times()
    for process in processes:
        process.join(timeout=30)
    spent = [b - a for a, b in zip(before, after, strict=True)]
    return {
        "connections": args.chain_connections,
        "appends_per_second": round(sum(counts) / args.chain_seconds, 1),
        "idle_share": round(spent[3] / sum(spent), 3),
    }


def table(result: dict[str, Any]) -> str:
    """The Markdown table: each variant's median throughput and its ratio to the floor."""
    medians = {name: statistics.median(values) for name, values in result["runs"].items()}
    lines = [
        "| variant | req/s (median) | each round | ÷ floor |",
        "|---|---:|---|---:|",
    ]
    for name, label, *_ in VARIANTS:
        each = ", ".join(f"{v:,.0f}" for v in result["runs"][name])
        ratio = medians[name] / medians["floor"]
        lines.append(f"| {label} | {medians[name]:,.1f} | {each} | {ratio:.2f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.spec.is_file():
        raise SystemExit(f"no floor spec at {args.spec}: run tests.benchmarks.run --keep-db first")
    result = measure(args)
    result["chain"] = chain = measure_chain(args)
    out = args.spec.parent / f"ceiling-{args.scale}.json"
    out.write_text(json.dumps(result, indent=2))
    print(table(result))
    print(
        f"\nAudit chain: {chain['appends_per_second']:,.0f} appends/s from "
        f"{chain['connections']} processes, CPU idle {chain['idle_share']:.0%}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
