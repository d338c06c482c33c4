"""Role x route matrix for the cohort, visit and reference routes.

Officers and senior officers work the cohort; only senior officers close and reopen;
board members, auditors and admins are refused every cohort route (403) but may read
reference data; nobody without a token gets anything (401).
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import assert_problem, earlier_today
from tests.youths.helpers import create_youth, row_counts, youth_payload

REFERENCE = [
    "/boroughs",
    "/agencies",
    "/wards",
    "/reason-codes",
    "/cohorts",
    "/flags",
    "/ethnicities",
]


def _routes(owner_id: int, youth_id: int) -> list[tuple[str, str, dict | None, str]]:
    """(method, path, body, kind) in an order that works for a senior officer."""
    visit = {
        "visited_at": earlier_today(0.9),
        "officer_ids": [owner_id],
        "outcome": "seen",
    }
    rating = {"rating": "red", "rationale": "Escalated after a new intelligence report."}
    y = f"/youths/{youth_id}"
    return [
        *[("GET", path, None, "reference") for path in REFERENCE],
        ("GET", "/officers", None, "read"),
        ("GET", "/youths", None, "read"),
        ("POST", "/youths", youth_payload(owner_id, confirm_duplicate=True), "create"),
        ("GET", y, None, "read"),
        ("PATCH", y, {"address": "2 Sample Lane"}, "write"),
        ("GET", f"{y}/rag-assessments", None, "read"),
        ("POST", f"{y}/rag-assessments", rating, "create"),
        ("GET", f"{y}/visits", None, "read"),
        ("POST", f"{y}/visits", visit, "create"),
        ("GET", "/visits/due", None, "read"),
        ("POST", f"{y}/close", {"reason": "Moved out of London."}, "close"),
        ("POST", f"{y}/reopen", {"reason": "Returned to the borough."}, "close"),
    ]


EXPECTED = {
    "officer": {"reference": 200, "read": 200, "write": 200, "create": 201, "close": 403},
    "senior_officer": {"reference": 200, "read": 200, "write": 200, "create": 201, "close": 200},
    "board_member": {"reference": 200, "read": 403, "write": 403, "create": 403, "close": 403},
    "auditor": {"reference": 200, "read": 403, "write": 403, "create": 403, "close": 403},
    "admin": {"reference": 200, "read": 403, "write": 403, "create": 403, "close": 403},
    None: {"reference": 401, "read": 401, "write": 401, "create": 401, "close": 401},
}


def _call(client, method, path, body, headers):
    return client.open(f"/api/v1{path}", method=method, json=body, headers=headers)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_route_matrix(app, client, make_user, role):
    owner = make_user("officer", "MPS")
    youth = create_youth(client, owner)
    caller = make_user(role, "MPS") if role else None
    expected = EXPECTED[role]
    for method, path, body, kind in _routes(owner.id, youth["id"]):
        headers = dict(caller.headers) if caller else {}
        if method == "PATCH":
            current = _call(client, "GET", path, None, owner.headers)
            headers["If-Match"] = current.headers["ETag"]
        before = row_counts(app, "youths", "visits", "rag_assessments", "youth_status_changes")
        response = _call(client, method, path, body, headers)
        status = expected[kind]
        if status >= 400:
            assert_problem(response, status)
            after = row_counts(app, "youths", "visits", "rag_assessments", "youth_status_changes")
            assert after == before, (method, path)
        else:
            assert response.status_code == status, (method, path, response.get_json())


def test_the_matrix_covers_every_route_of_these_blueprints(app):
    covered = {(m, re.sub(r"/\d+", "/<id>", p)) for m, p, _, _ in _routes(1, 1)}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("youths", "visits", "reference"):
            continue
        path = re.sub(r"<[^>]+>", "<id>", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path) in covered, (method, path)
