"""Capture each scenario's SQL in-process, replay it with bare psycopg, and EXPLAIN it.

Run in a fresh process with the run's environment (production settings, DATABASE_URL):
`python -m tests.benchmarks.capture --spec spec.json --out result.json --seconds 3`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sywc import create_app
from sywc.demo import DEMO_PASSWORD
from tests.benchmarks.common import conninfo
from tests.benchmarks.replay import explain, replay
from tests.benchmarks.sqlcapture import Statement, captured

# Statements of the authentication and audit machinery, left out of a read's floor: the
# floor returns the same rows, not the same bookkeeping. (A list page's audit append
# starts with WITH: its event INSERT is a CTE.)
_BOOKKEEPING = re.compile(
    r"\b(FROM|INTO)\s+(auth_sessions|audit_events|audit_event_records)\b|"
    r"\b(pg_advisory\w*|set_config|current_setting)\s*\(",
    re.I,
)


def encode_param(value: Any) -> Any:
    """Encode a bound parameter as JSON, tagging the types JSON lacks."""
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, list | tuple):
        return [encode_param(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot encode {type(value).__name__}")


def floor_statements(statements: list[Statement]) -> list[dict[str, Any]]:
    """Return the data queries of a read, encoded for the minimal Flask floor."""
    chosen = []
    for statement in statements:
        sql = statement.sql.lstrip()
        if statement.many or not sql.upper().startswith(("SELECT", "WITH")):
            continue
        if _BOOKKEEPING.search(sql):
            continue
        params = statement.params or {}
        encoded = (
            {k: encode_param(v) for k, v in params.items()}
            if isinstance(params, dict)
            else [encode_param(v) for v in params]
        )
        chosen.append({"sql": statement.sql, "params": encoded})
    return chosen


def _counting(app: Any, client: Any, item: dict[str, Any], headers: dict[str, str]) -> Any:
    """Capture a statistics request with rollups off: the aggregate SQL its figures are."""
    saved = app.config["STATS_ROLLUP_MAX_AGE_MINUTES"]
    app.config["STATS_ROLLUP_MAX_AGE_MINUTES"] = 0
    try:
        with captured(app) as capture:
            client.open(item["path"], method=item["method"], headers=headers)
    finally:
        app.config["STATS_ROLLUP_MAX_AGE_MINUTES"] = saved
    return capture


def run_scenario(
    app: Any, client: Any, tokens: dict[str, str], item: dict[str, Any], seconds: float
) -> dict[str, Any]:
    headers = {"Accept": "application/json"}
    if item["user"]:
        headers["Authorization"] = f"Bearer {tokens[item['user']]}"
    if item["idempotency"]:
        headers["Idempotency-Key"] = f"bench-capture-{item['name']}"
    if item["body"] is not None:
        headers["Content-Type"] = "application/json"
    with captured(app) as capture:
        response = client.open(
            item["path"], method=item["method"], data=item["body"], headers=headers
        )
    # A statistics request reads its counts from a rollup; its bare SQL floor is the
    # aggregate those counts stand for (what the scheduler runs), captured separately.
    floor_capture = _counting(app, client, item, headers) if item["kind"] == "stats" else capture
    result: dict[str, Any] = {
        "name": item["name"],
        "status": response.status_code,
        "ok": response.status_code == item["expect"],
        "statements": [" ".join(s.sql.split()) for s in capture.statements],
        "escaped": capture.escaped,
    }
    if not result["ok"]:
        result["error"] = response.get_data(as_text=True)[:500]
        return result
    if not capture.statements:
        return result
    dsn = conninfo(app.config["SQLALCHEMY_DATABASE_URI"])
    result["isolation"] = floor_capture.isolation
    result["replay"] = replay(
        dsn,
        floor_capture.statements,
        floor_capture.sequences,
        seconds=seconds,
        isolation=floor_capture.isolation,
    )
    result["plans"] = explain(
        dsn, floor_capture.statements, floor_capture.sequences, floor_capture.isolation
    )
    if floor_capture is not capture:
        result["served_replay"] = replay(
            dsn, capture.statements, capture.sequences, seconds=seconds, isolation=capture.isolation
        )
    if item["kind"] in ("read", "stats"):
        result["floor"] = {
            "youth_id": item["youth_id"],
            "statements": floor_statements(capture.statements),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    spec = json.loads(args.spec.read_text())
    app = create_app()
    client = app.test_client()
    tokens: dict[str, str] = {}
    for user in sorted({item["user"] for item in spec if item["user"]}):
        response = client.post(
            "/api/v1/auth/login", json={"username": user, "password": DEMO_PASSWORD}
        )
        if response.status_code != 200:
            sys.exit(
                f"login of {user} failed: {response.status_code} {response.get_data(as_text=True)}"
            )
        tokens[user] = response.get_json()["access_token"]
    results = [run_scenario(app, client, tokens, item, args.seconds) for item in spec]
    args.out.write_text(json.dumps(results, indent=1, default=str))
    print(json.dumps({"captured": len(results)}))


if __name__ == "__main__":
    main()
