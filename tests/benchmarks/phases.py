"""The phases of one scale: the database, the API under load, the SQL floor, the Flask
floor and the scan. Each phase raises `BenchError` with the reason when it cannot finish."""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import psycopg

from tests.benchmarks import report
from tests.benchmarks.common import (
    Server,
    create_database,
    database_exists,
    exceptions_since,
    gunicorn,
    last_json_line,
    log_size,
    run_python,
    say,
)
from tests.benchmarks.floor_app import FLOOR_AUDIT_DDL
from tests.benchmarks.loadgen import combine, paired_ratio, run_load
from tests.benchmarks.scenarios import (
    SCENARIOS,
    Fixture,
    Scenario,
    api_paths,
    available,
    concrete,
    login,
    workload,
)

COMMIT_PROBES = 100


def db_name(n: int) -> str:
    """Return the name of the database of scale `n`."""
    return f"sywc_bench_{n}"


def prepare_database(
    n: int, args: argparse.Namespace, env: dict[str, str], dsn: str
) -> dict[str, Any]:
    """Create, migrate and load the database of scale `n`; return the timings."""
    name = db_name(n)
    reuse = args.reuse_db and database_exists(name)
    if not reuse:
        create_database(name)
    say(f"{n:,}: migrating {name}")
    _, migrate_seconds, _ = run_python(
        ["-m", "flask", "--app", "wsgi", "db", "upgrade"],
        env,
        timeout=3600,
        what="migrations",
        log=args.out / "subprocesses.log",
    )
    if reuse:
        say(f"{n:,}: reusing database {name} (migrated to the latest revision)")
        return {"reused": True, "migrate_seconds": round(migrate_seconds, 2)}
    say(f"{n:,}: loading demo data")
    out, _, peak = run_python(
        ["-m", "tests.benchmarks.load_demo", "--youths", str(n), "--seed", str(args.seed)],
        env,
        timeout=args.load_timeout,
        what="flask sywc demo-data",
        log=args.out / "subprocesses.log",
    )
    load = last_json_line(out)
    load.update(migrate_seconds=round(migrate_seconds, 2), peak_rss_mib=round(peak / 1024))
    say(f"{n:,}: demo data in {load['seconds']} s; VACUUM ANALYZE, CHECKPOINT")
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        # Write the load's dirty pages out now: a checkpoint falling due during the
        # measurements would slow whichever endpoint it met.
        conn.execute("CHECKPOINT")
    load["vacuum_seconds"] = round(time.perf_counter() - started, 2)
    return load


def refresh_rollups(n: int, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """Run the scheduler's statistics refresh once, as it runs before the board asks."""
    say(f"{n:,}: statistics rollups (flask sywc stats-refresh)")
    out, seconds, peak = run_python(
        ["-m", "flask", "--app", "wsgi", "sywc", "stats-refresh"],
        env,
        timeout=7200,
        what="statistics refresh",
        log=args.out / "subprocesses.log",
    )
    counts = last_json_line(out)
    return {
        "seconds": round(seconds, 2),
        "job_seconds": counts.get("seconds"),
        "refreshed": counts.get("refreshed"),
        "peak_rss_mib": round(peak / 1024),
    }


def database_facts(dsn: str) -> dict[str, Any]:
    """Row counts, size, and the price of one durable commit (a WAL flush) on this disk."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = {
            name: int(count)
            for name, count in conn.execute(
                "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE n_live_tup > 0"
            )
        }
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        conn.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (n integer)")
        started = time.perf_counter()
        for n in range(COMMIT_PROBES):
            conn.execute("INSERT INTO bench_commit_probe VALUES (%s)", [n])
        commit_ms = (time.perf_counter() - started) * 1000 / COMMIT_PROBES
        conn.execute("DROP TABLE bench_commit_probe")
    return {"rows": rows, "database_mib": round(size / 2**20, 1), "commit_ms": round(commit_ms, 2)}


def measure_endpoints(
    n: int,
    fixture: Fixture,
    args: argparse.Namespace,
    env: dict[str, str],
    dsn: str,
    endpoints: dict[str, Any],
) -> None:
    """Drive each endpoint the API has, then its Flask floor straight after, `--rounds`
    times over.

    Both servers stay up for the whole phase and each pair is measured back to back, so
    a ratio compares two runs under the same conditions of the machine (a checkpoint, a
    neighbour's load), not two halves of the phase minutes apart. The endpoint's ratio
    is the median of its rounds' ratios; its latencies are pooled over the rounds.
    """
    log = args.out / f"gunicorn-api-{n}.log"
    with gunicorn("wsgi:app", env, workers=args.workers, log=log) as server:
        paths = api_paths(server.port)
        runnable = []
        for scenario in SCENARIOS:
            reason = available(scenario, paths, fixture)
            endpoints[scenario.name]["skipped"] = reason
            if reason is None:
                runnable.append(scenario)
        floor_spec = capture_sql(n, runnable, fixture, args, env, endpoints)
        with _floor_server(n, floor_spec, args, env, dsn) as floor:
            for scenario in runnable:
                token = login(server.port, scenario.user) if scenario.user else None
                has_floor = not (
                    scenario.kind in report.READ_KINDS and scenario.name not in floor_spec["reads"]
                )
                runs, floors = [], []
                offset = log_size(log)
                for number in range(1, args.rounds + 1):
                    of = f" (round {number} of {args.rounds})" if args.rounds > 1 else ""
                    say(f"{n:,}: API {scenario.name}{of}")
                    runs.append(
                        _load(server.port, workload(scenario, fixture, token, floor=False), args)
                    )
                    if has_floor:
                        say(f"{n:,}: Flask floor {scenario.name}{of}")
                        floors.append(
                            _load(floor.port, workload(scenario, fixture, None, floor=True), args)
                        )
                entry = endpoints[scenario.name]
                entry["app"] = combine(runs)
                entry["app"]["server_exceptions"] = exceptions_since(log, offset)
                if floors:
                    entry["flask_floor"] = combine(floors)
                    entry["floor_ratio"] = paired_ratio(runs, floors)


def _load(port: int, load: Any, args: argparse.Namespace) -> dict[str, Any]:
    return run_load(
        port,
        load,
        clients=args.clients,
        duration=args.duration,
        warmup=args.warmup,
        max_requests=args.max_requests,
        keep_latencies=True,
    )


def capture_sql(
    n: int,
    runnable: list[Scenario],
    fixture: Fixture,
    args: argparse.Namespace,
    env: dict[str, str],
    endpoints: dict[str, Any],
) -> dict[str, Any]:
    """Capture, replay and EXPLAIN each endpoint's SQL; return the floor app's spec."""
    spec_path = args.out / f"capture-spec-{n}.json"
    out_path = args.out / f"capture-{n}.json"
    spec_path.write_text(json.dumps([concrete(s, fixture) for s in runnable]))
    say(f"{n:,}: capturing and replaying the SQL of each endpoint")
    run_python(
        [
            "-m",
            "tests.benchmarks.capture",
            "--spec",
            str(spec_path),
            "--out",
            str(out_path),
            "--seconds",
            str(args.replay_seconds),
        ],
        env,
        timeout=3600,
        what="SQL capture",
        log=args.out / "subprocesses.log",
    )
    floor_reads: dict[str, Any] = {}
    for item in json.loads(out_path.read_text()):
        entry = endpoints[item["name"]]
        entry["statements"] = item["statements"]
        if not item["ok"]:
            entry["capture_error"] = f"{item['status']}: {item.get('error', '')}"
            continue
        entry["sql_floor"] = item.get("replay")
        if "served_replay" in item:
            entry["served_sql"] = item["served_replay"]
        entry["plans"] = item.get("plans", [])
        if item.get("escaped"):
            entry["capture_error"] = (
                f"statements outside the rolled-back transaction: {item['escaped']}"
            )
        if "floor" in item:
            floor_reads[item["name"]] = item["floor"]
    spec_path.unlink(missing_ok=True)
    return {"reads": floor_reads}


@contextlib.contextmanager
def _floor_server(
    n: int, floor_spec: dict[str, Any], args: argparse.Namespace, env: dict[str, str], dsn: str
) -> Iterator[Server]:
    """Serve the minimal Flask floor, with the captured reads, under the API's settings."""
    spec_path = args.out / f"floor-spec-{n}.json"
    spec_path.write_text(json.dumps(floor_spec))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(FLOOR_AUDIT_DDL)
    floor_env = {**env, "FLOOR_SPEC": str(spec_path.resolve())}
    log = args.out / f"gunicorn-floor-{n}.log"
    with gunicorn(
        "tests.benchmarks.floor_app:app", floor_env, workers=args.workers, log=log
    ) as server:
        yield server


def measure_scan(n: int, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """Capture and replay the scan's SQL (rolled back), then time the real run."""
    say(f"{n:,}: scan SQL capture and replay")
    out, _, _ = run_python(
        [
            "-m",
            "tests.benchmarks.scan",
            "--as-of",
            args.scan_as_of,
            "--mode",
            "capture",
            "--seconds",
            str(args.replay_seconds * 4),
        ],
        env,
        timeout=7200,
        what="scan capture",
        log=args.out / "subprocesses.log",
    )
    captured = last_json_line(out)
    say(f"{n:,}: scan, timed")
    out, wall, peak = run_python(
        ["-m", "tests.benchmarks.scan", "--as-of", args.scan_as_of, "--mode", "time"],
        env,
        timeout=7200,
        what="scan",
        log=args.out / "subprocesses.log",
    )
    timed = last_json_line(out)
    return {
        "as_of": args.scan_as_of,
        "seconds": round(timed["seconds"], 3),
        "wall_seconds": round(wall, 3),
        "peak_rss_mib": round(peak / 1024, 1),
        "baseline_rss_mib": round(timed["baseline_kib"] / 1024, 1),
        "output": timed["output"],
        "sql": captured["replay"],
        "statements": captured["statements"],
        "plans": captured["plans"],
        "escaped": captured["escaped"],
    }
