"""Run the benchmark: `python -m tests.benchmarks.run [--quick] [--scales 10000,100000] ...`.

For each scale: a fresh database (migrations, `flask sywc demo-data`, VACUUM ANALYZE,
CHECKPOINT); each endpoint's SQL captured and replayed with bare psycopg (and
EXPLAINed); each endpoint driven by the load generator under gunicorn, with the minimal
Flask floor under the same gunicorn settings measured straight after it; and the
scheduler scan in a process of its own. Writes Markdown and
JSON to `--out` and prints the tables; exits 1 when any error rate is above 1%.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from tests.benchmarks import report
from tests.benchmarks.common import (
    BenchError,
    app_environment,
    conninfo,
    database_url,
    drop_database,
    machine,
    say,
)
from tests.benchmarks.phases import (
    database_facts,
    db_name,
    measure_endpoints,
    measure_scan,
    prepare_database,
    refresh_rollups,
)
from tests.benchmarks.scenarios import SCENARIOS, load_fixture

FULL_SCALES = (10_000, 100_000, 1_000_000)
QUICK_SCALES = (10_000,)
MAX_ERROR_RATE = 0.01
# What a phase may fail with: a step's error, a load client's or a login's, the network.
FAILURES = (BenchError, RuntimeError, OSError, psycopg.Error)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cpus = os.cpu_count() or 1
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 young people, short runs")
    parser.add_argument("--scales", help="comma-separated numbers of young people")
    parser.add_argument("--workers", type=int, default=cpus * 2 + 1, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, help="load generator processes (default: workers)")
    parser.add_argument("--duration", type=float, help="measured seconds per endpoint and round")
    parser.add_argument(
        "--rounds", type=int, help="times each endpoint and its floor are measured in turn"
    )
    parser.add_argument("--warmup", type=float, help="unmeasured seconds before each measure")
    parser.add_argument("--replay-seconds", type=float, help="bare-SQL replay per endpoint")
    parser.add_argument("--max-requests", type=int, default=200_000, help="per endpoint and run")
    parser.add_argument("--seed", type=int, default=2026, help="demo data seed")
    parser.add_argument("--scan-as-of", help="YYYY-MM-DD (default: tomorrow)")
    parser.add_argument("--out", type=Path, default=Path("bench-results"))
    parser.add_argument("--keep-db", action="store_true", help="keep each scale's database")
    parser.add_argument("--reuse-db", action="store_true", help="use an existing database as is")
    parser.add_argument("--load-timeout", type=float, default=4 * 3600, help="seconds")
    args = parser.parse_args(argv)
    args.scales = (
        [int(s.replace("_", "")) for s in args.scales.split(",")]
        if args.scales
        else list(QUICK_SCALES if args.quick else FULL_SCALES)
    )
    args.clients = args.clients or args.workers
    args.duration = args.duration or (8.0 if args.quick else 10.0)
    args.rounds = max(1, args.rounds or (1 if args.quick else 3))
    args.warmup = args.warmup if args.warmup is not None else (2.0 if args.quick else 3.0)
    args.replay_seconds = args.replay_seconds or (2.0 if args.quick else 5.0)
    args.scan_as_of = args.scan_as_of or (date.today() + timedelta(days=1)).isoformat()
    return args


def run_scale(n: int, args: argparse.Namespace) -> dict[str, Any]:
    url = database_url(db_name(n))
    dsn = conninfo(url)
    env = app_environment(url)
    result: dict[str, Any] = {"scale": n, "database": db_name(n), "problems": [], "endpoints": {}}
    try:
        try:
            result["load"] = prepare_database(n, args, env, dsn)
            result.update(database_facts(dsn))
            result["rollups"] = refresh_rollups(n, args, env)
            fixture = load_fixture(dsn)
            endpoints = result["endpoints"] = {
                s.name: {"label": s.label, "kind": s.kind, "method": s.method, "path": s.path}
                for s in SCENARIOS
            }
            measure_endpoints(n, fixture, args, env, dsn, endpoints)
        except FAILURES as error:
            result["problems"].append(f"{type(error).__name__}: {error}")
            say(f"{n:,}: FAILED: {error}")
        if "rows" in result:
            try:
                result["scan"] = measure_scan(n, args, env)
            except FAILURES as error:
                result["problems"].append(f"scan: {type(error).__name__}: {error}")
                say(f"{n:,}: scan FAILED: {error}")
    finally:
        if not args.keep_db and not args.reuse_db:
            drop_database(db_name(n))
    result["problems"] += _error_problems(result)
    return result


def _error_problems(result: dict[str, Any]) -> list[str]:
    problems = []
    for name, e in (result.get("endpoints") or {}).items():
        for side in ("app", "flask_floor"):
            m = e.get(side) or {}
            if m.get("error_rate", 0) > MAX_ERROR_RATE:
                causes = m.get("server_exceptions") or {}
                why = "; ".join(f"{count} x {error}" for error, count in causes.items())
                problems.append(
                    f"{name} ({side}): error rate {m['error_rate']:.1%} > 1% "
                    f"(statuses {m.get('statuses')}; "
                    + (
                        f"server exceptions: {why})"
                        if why
                        else f"e.g. {m.get('error_samples', [])[:1]})"
                    )
                )
        if e.get("capture_error"):
            problems.append(f"{name} (SQL capture): {e['capture_error'][:500]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    meta = {
        "started": stamp,
        "command": "python -m tests.benchmarks.run "
        + shlex.join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "workers": args.workers,
        "clients": args.clients,
        "duration": args.duration,
        "rounds": args.rounds,
        "warmup": args.warmup,
        "replay_seconds": args.replay_seconds,
        "scales": args.scales,
    }
    results = []
    for n in args.scales:
        results.append(run_scale(n, args))
        _write(args.out, stamp, meta, results)
    print(report.markdown(meta, results, plans=False))
    problems = [p for r in results for p in r["problems"]]
    if problems:
        print("\nBENCHMARK FAILED:\n" + "\n".join(f"- {p}" for p in problems), file=sys.stderr)
        return 1
    return 0


def _write(out: Path, stamp: str, meta: dict[str, Any], results: list[dict[str, Any]]) -> None:
    document = {"meta": meta, "results": results, "targets": report.targets(results)}
    text = json.dumps(document, indent=1, default=str)
    markdown = report.markdown(meta, results, plans=True)
    for name in (f"bench-{stamp}", "latest"):
        (out / f"{name}.json").write_text(text)
        (out / f"{name}.md").write_text(markdown)


if __name__ == "__main__":
    sys.exit(main())
