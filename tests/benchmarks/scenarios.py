"""What the benchmark asks of the API, and of the minimal Flask floor for the same rows.

A scenario names its route as the OpenAPI document spells it, so a run measures the
endpoints that exist and reports the others as missing rather than failing.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from sywc.demo import DEMO_PASSWORD
from tests.benchmarks.loadgen import Workload

OFFICER = "mps.officer1.wcc"
BOARD_MEMBER = "demo.boardmember"
OFFICER_BOROUGH = "WCC"
SAMPLE_IDS = 5000


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    kind: str  # baseline / read / write / stats
    method: str
    path: str
    route: str
    expect: int
    user: str | None = None
    body: dict[str, Any] | None = None
    idempotency: bool = False
    floor_path: str | None = None
    needs_youths: bool = False


VISIT_BODY = {
    "visited_at": "$now",
    "officer_ids": ["$officer_id"],
    "outcome": "seen",
    "notes": None,
}
REFERRAL_BODY = {
    "youth_id": "$youth_id",
    "to_agency": "IGXU",
    "reason_codes": ["criminal_exploitation"],
    "urgency": "standard",
    "summary": "Benchmark referral: concern about exploitation",
    "lawful_basis": "public_task",
}

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "healthz",
        "GET /healthz (no database)",
        "baseline",
        "GET",
        "/healthz",
        "/healthz",
        200,
        floor_path="/healthz",
    ),
    Scenario(
        "cohort_list",
        "cohort list (rag + ward, 50)",
        "read",
        "GET",
        "/api/v1/youths?rag=red&ward=$ward&limit=50",
        "/api/v1/youths",
        200,
        OFFICER,
        floor_path="/floor/read/cohort_list",
        needs_youths=True,
    ),
    Scenario(
        "youth_record",
        "young person's record",
        "read",
        "GET",
        "/api/v1/youths/$youth_id",
        "/api/v1/youths/{youth_id}",
        200,
        OFFICER,
        floor_path="/floor/read/youth_record?youth_id=$youth_id",
        needs_youths=True,
    ),
    Scenario(
        "visits_due",
        "visits-due worklist",
        "read",
        "GET",
        "/api/v1/visits/due",
        "/api/v1/visits/due",
        200,
        OFFICER,
        floor_path="/floor/read/visits_due",
        needs_youths=True,
    ),
    Scenario(
        "record_visit",
        "record a visit",
        "write",
        "POST",
        "/api/v1/youths/$youth_id/visits",
        "/api/v1/youths/{youth_id}/visits",
        201,
        OFFICER,
        body=VISIT_BODY,
        floor_path="/floor/visits?youth_id=$youth_id",
        needs_youths=True,
    ),
    Scenario(
        "post_referral",
        "post a referral (Idempotency-Key)",
        "write",
        "POST",
        "/api/v1/referrals",
        "/api/v1/referrals",
        201,
        OFFICER,
        body=REFERRAL_BODY,
        idempotency=True,
        floor_path="/floor/referrals",
        needs_youths=True,
    ),
    Scenario(
        "stats_cohort",
        "/stats/cohort (board member)",
        "stats",
        "GET",
        "/api/v1/stats/cohort",
        "/api/v1/stats/cohort",
        200,
        BOARD_MEMBER,
        floor_path="/floor/read/stats_cohort",
    ),
    Scenario(
        "stats_visits",
        "/stats/visits (board member)",
        "stats",
        "GET",
        "/api/v1/stats/visits",
        "/api/v1/stats/visits",
        200,
        BOARD_MEMBER,
        floor_path="/floor/read/stats_visits",
    ),
)


@dataclass
class Fixture:
    """The demo data a run draws its requests from."""

    officer_id: int | None
    youth_ids: list[int] = field(default_factory=list)
    ward: str = ""

    def fill(self, body: dict[str, Any] | None) -> dict[str, Any] | None:
        """Put the officer's id into a body template (other placeholders vary per request)."""
        if body is None:
            return None
        text = json.dumps(body).replace('"$officer_id"', str(self.officer_id or 0))
        return json.loads(text)


def load_fixture(dsn: str) -> Fixture:
    """Pick the officer, a sample of the young people they may see, and a busy red ward."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT id FROM users WHERE username = %s", [OFFICER]).fetchone()
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM youths WHERE borough = %s AND status = 'active' "
                "ORDER BY md5(id::text) LIMIT %s",
                [OFFICER_BOROUGH, SAMPLE_IDS],
            )
        ]
        ward = conn.execute(
            "SELECT ward FROM youths WHERE borough = %s AND rag = 'red' AND status = 'active' "
            "GROUP BY ward ORDER BY count(*) DESC, ward LIMIT 1",
            [OFFICER_BOROUGH],
        ).fetchone()
    return Fixture(row[0] if row else None, ids, ward[0] if ward else "")


def available(scenario: Scenario, paths: set[str], fixture: Fixture) -> str | None:
    """Return why `scenario` cannot run now, or None when it can."""
    if scenario.route not in paths:
        return "endpoint not in the API yet"
    if scenario.needs_youths and not fixture.youth_ids:
        return "no young people in the demo data"
    if scenario.user == OFFICER and fixture.officer_id is None:
        return f"demo user {OFFICER} missing"
    return None


def login(port: int, username: str) -> str:
    """Sign in through the API; return the access token."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        body = json.dumps({"username": username, "password": DEMO_PASSWORD})
        conn.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"login of {username} failed: {response.status} {data[:300]!r}")
    return json.loads(data)["access_token"]


def api_paths(port: int) -> set[str]:
    """Return the paths the served OpenAPI document lists (plus the ops endpoints)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/api/v1/openapi.json")
        document = json.loads(conn.getresponse().read())
    finally:
        conn.close()
    return set(document.get("paths", {})) | {"/healthz", "/readyz"}


def workload(scenario: Scenario, fixture: Fixture, token: str | None, *, floor: bool) -> Workload:
    """Build the load generator's workload for the app, or for its floor."""
    path = scenario.floor_path if floor else scenario.path
    return Workload(
        name=scenario.name,
        method=scenario.method,
        path=path or scenario.path,
        expect=scenario.expect if not floor else (201 if scenario.kind == "write" else 200),
        token=None if floor else token,
        body=fixture.fill(scenario.body),
        youth_ids=fixture.youth_ids,
        ward=fixture.ward,
        idempotency=scenario.idempotency and not floor,
    )


def concrete(scenario: Scenario, fixture: Fixture) -> dict[str, Any]:
    """One request of the scenario with every placeholder filled, for the SQL capture."""
    youth = fixture.youth_ids[0] if fixture.youth_ids else 0
    body = fixture.fill(scenario.body)
    text = json.dumps(body) if body is not None else None
    if text is not None:
        now = (datetime.now(UTC) - timedelta(minutes=2)).isoformat(timespec="seconds")
        text = text.replace('"$youth_id"', str(youth)).replace("$now", now)
    return {
        "name": scenario.name,
        "method": scenario.method,
        "path": scenario.path.replace("$youth_id", str(youth)).replace("$ward", fixture.ward),
        "body": text,
        "user": scenario.user,
        "expect": scenario.expect,
        "idempotency": scenario.idempotency,
        "kind": scenario.kind,
        "youth_id": youth if "$youth_id" in scenario.path else None,
    }
