"""The scheduler scan, measured in a fresh process: `flask sywc scan --as-of DATE`.

`--mode capture` runs the command in a transaction that is rolled back, then replays its
statements with bare psycopg and EXPLAINs them (the scan's bare SQL). `--mode time` runs
it for real and reports the time of the command alone and the process's memory before
it; the caller reads the process's peak RSS from `wait4`.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from typing import Any

import sqlalchemy as sa

from sywc import create_app
from sywc.extensions import db
from tests.benchmarks.common import conninfo
from tests.benchmarks.replay import explain, replay
from tests.benchmarks.sqlcapture import captured


def _invoke(app: Any, as_of: str) -> dict[str, Any]:
    result = app.test_cli_runner().invoke(args=["sywc", "scan", "--as-of", as_of])
    if result.exit_code != 0:
        raise SystemExit(f"scan failed ({result.exit_code}): {result.output}{result.exception!r}")
    return json.loads(result.output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--mode", choices=["time", "capture"], required=True)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        # A scheduler process runs for days: its engine is connected before a scan starts.
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if args.mode == "time":
        started = time.perf_counter()
        output = _invoke(app, args.as_of)
        seconds = time.perf_counter() - started
        print(json.dumps({"seconds": seconds, "baseline_kib": baseline_kib, "output": output}))
        return
    with captured(app) as capture:
        output = _invoke(app, args.as_of)
    dsn = conninfo(app.config["SQLALCHEMY_DATABASE_URI"])
    timing = replay(
        dsn,
        capture.statements,
        capture.sequences,
        seconds=args.seconds,
        max_iterations=5,
        min_iterations=1,
        isolation=capture.isolation,
    )
    plans = explain(dsn, capture.statements, capture.sequences, capture.isolation)
    print(
        json.dumps(
            {
                "output": output,
                "statements": [" ".join(s.sql.split()) for s in capture.statements],
                "escaped": capture.escaped,
                "replay": timing,
                "plans": plans,
            },
            default=str,
        )
    )


if __name__ == "__main__":
    main()
