"""The minimal Flask floor: the same rows as the API, from raw SQL, nothing else.

Served by gunicorn with the API's settings (`gunicorn -c config/gunicorn.conf.py
tests.benchmarks.floor_app:app`). No authentication, no ORM, no schema, no audit chain:
what is left is the price of Flask, gunicorn, psycopg and the SQL itself.

- reads run the data queries the API itself sent for the same request (captured by
  `tests.benchmarks.capture`, listed in the JSON file named by `FLOOR_SPEC`), with the
  young person's id swapped for the one asked;
- writes are one INSERT of the record and one audit-like INSERT, in one transaction.

Each worker opens its own connection on its first request, after gunicorn's fork.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask, Response, abort, request
from psycopg.types.json import Jsonb

from tests.benchmarks.common import conninfo

FLOOR_AUDIT_DDL = (
    "CREATE TABLE IF NOT EXISTS bench_floor_audit ("
    " id bigserial PRIMARY KEY, occurred_at timestamp NOT NULL, actor_id integer,"
    " action varchar(64) NOT NULL, record_type varchar(32), record_id varchar(64),"
    " details jsonb, request_id varchar(128))"
)

app = Flask(__name__)
_connection: psycopg.Connection | None = None


def _load_spec() -> dict[str, Any]:
    path = os.environ.get("FLOOR_SPEC")
    return json.loads(Path(path).read_text()) if path else {}


SPEC = _load_spec()


def connection() -> psycopg.Connection:
    """Return this worker's connection, opened on first use (after the fork)."""
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(conninfo(os.environ["DATABASE_URL"]), autocommit=True)
    return _connection


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$datetime":
            return datetime.fromisoformat(raw)
        if tag == "$date":
            return date.fromisoformat(raw)
        if tag == "$decimal":
            return Decimal(raw)
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _swap(value: Any, old: int | None, new: int | None) -> Any:
    if old is not None and new is not None and isinstance(value, int) and value == old:
        return new
    return value


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=str), status=status, mimetype="application/json")


@app.get("/healthz")
def healthz() -> Response:
    return json_response({"status": "ok"})


@app.get("/readyz")
def readyz() -> Response:
    connection().execute("SELECT 1").fetchone()
    return json_response({"status": "ok"})


@app.get("/floor/read/<name>")
def read(name: str) -> Response:
    """Run the API's data queries of scenario `name`; return their rows."""
    scenario = SPEC.get("reads", {}).get(name)
    if scenario is None:
        abort(404)
    results = run_statements(
        connection(),
        scenario["statements"],
        old=scenario.get("youth_id"),
        new=request.args.get("youth_id", type=int),
    )
    return json_response({"results": results})


def run_statements(
    conn: psycopg.Connection, statements: list[dict[str, Any]], *, old: int | None, new: int | None
) -> list[list[dict[str, Any]]]:
    """Run captured statements with the young person `old` swapped for `new`; return
    each one's rows as mappings of column to value."""
    results = []
    with conn.cursor() as cur:
        for statement in statements:
            params = statement["params"]
            if isinstance(params, dict):
                params = {k: _swap(_decode(v), old, new) for k, v in params.items()}
            else:
                params = [_swap(_decode(v), old, new) for v in params]
            cur.execute(statement["sql"], params or None)
            columns = [c.name for c in cur.description or ()]
            results.append([dict(zip(columns, row, strict=True)) for row in cur.fetchall()])
    return results


@app.post("/floor/visits")
def record_visit() -> Response:
    """Insert one visit and one audit-like row."""
    body = request.get_json()
    youth_id = request.args.get("youth_id", type=int)
    author = body["officer_ids"][0]
    conn = connection()
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "INSERT INTO visits (youth_id, visited_at, outcome, notes, restricted, author_id,"
            " author_agency, created_at) VALUES (%s, %s, %s, %s, false, %s, 'MPS',"
            " now() AT TIME ZONE 'utc') RETURNING *",
            [
                youth_id,
                datetime.fromisoformat(body["visited_at"]),
                body["outcome"],
                body["notes"],
                author,
            ],
        )
        columns = [c.name for c in cur.description]
        row = dict(zip(columns, cur.fetchone(), strict=True))
        _audit(cur, "visit_recorded", "visit", row["id"], author)
    return json_response(row, 201)


@app.post("/floor/referrals")
def post_referral() -> Response:
    """Insert one referral and one audit-like row."""
    body = request.get_json()
    conn = connection()
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "INSERT INTO referrals (borough, youth_id, from_agency, to_agency, reason_codes,"
            " urgency, summary, lawful_basis, status, submitted_at, acknowledge_by,"
            " created_at, updated_at, version) VALUES ('WCC', %s, 'MPS', %s, %s, %s, %s, %s,"
            " 'submitted', now() AT TIME ZONE 'utc', current_date + 3,"
            " now() AT TIME ZONE 'utc', now() AT TIME ZONE 'utc', 1) RETURNING *",
            [
                body["youth_id"],
                body["to_agency"],
                Jsonb(body["reason_codes"]),
                body["urgency"],
                body["summary"],
                body["lawful_basis"],
            ],
        )
        columns = [c.name for c in cur.description]
        row = dict(zip(columns, cur.fetchone(), strict=True))
        _audit(cur, "referral_created", "referral", row["id"], None)
    return json_response(row, 201)


def _audit(
    cur: psycopg.Cursor, action: str, record_type: str, record_id: int, actor: int | None
) -> None:
    cur.execute(
        "INSERT INTO bench_floor_audit (occurred_at, actor_id, action, record_type, record_id,"
        " details, request_id) VALUES (now() AT TIME ZONE 'utc', %s, %s, %s, %s, %s, %s)",
        [
            actor,
            action,
            record_type,
            str(record_id),
            Jsonb({"floor": True}),
            request.headers.get("X-Request-ID"),
        ],
    )
