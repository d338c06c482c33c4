"""Every list and statistics endpoint issues as many SQL statements for 30 young people as
for 3, and for a page of 50 as for a page of 5: an N+1 query cannot come back unnoticed.
A page's total count is left out of the comparison: a short page skips it (its total is
known), a full one runs it.

The endpoints are found by walking the URL map (GET routes under /api/v1 without path
parameters, except authentication and the docs), so endpoints added later are covered
too; each is called by a role the OpenAPI document lists for it (`x-roles`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from sywc import clock
from sywc.alerts.models import Alert
from sywc.extensions import db
from tests import factories
from tests.conftest import Account

EXCLUDED_PREFIXES = ("/api/v1/auth/", "/api/v1/docs", "/api/v1/openapi")
# The role that sees the most of a route's data comes first.
ROLE_PREFERENCE = ("officer", "senior_officer", "board_member", "auditor", "admin")
RAGS = ("red", "amber", "green")
WARDS = ("church_street", "little_venice", "harrow_road")
SMALL, LARGE = 3, 30
SMALL_PAGE, LARGE_PAGE = 5, 50


def collection_routes(app: Flask) -> list[str]:
    """Return the GET routes under /api/v1 that take no path parameter."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and not rule.arguments
        and rule.rule.startswith("/api/v1/")
        and not rule.rule.startswith(EXCLUDED_PREFIXES)
    )


def _role_for(operation: dict[str, Any]) -> str | None:
    allowed = operation.get("x-roles") or []
    return next((role for role in ROLE_PREFERENCE if role in allowed), None)


def _query(operation: dict[str, Any], limit: int) -> dict[str, str]:
    """Fill the page size, and any required parameter with a valid value."""
    query: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        name, schema = parameter["name"], parameter.get("schema", {})
        if name == "limit":
            query[name] = str(limit)
        elif parameter.get("required"):
            query[name] = _example(schema)
    return query


def _example(schema: dict[str, Any]) -> str:
    if schema.get("enum"):
        return str(schema["enum"][0])
    if schema.get("format") == "date":
        return (clock.today() - timedelta(days=90)).isoformat()
    if schema.get("format") == "date-time":
        return (clock.utcnow() - timedelta(days=90)).isoformat()
    return {"integer": "1", "number": "1", "boolean": "false"}.get(schema.get("type", ""), "x")


def populate(app: Flask, *, first: int, count: int, officer: Account, senior: Account) -> None:
    """Add `count` young people, each with ratings, visits, a referral, an incident, a
    PVS meeting with an action, and an alert."""
    today = clock.today()
    with app.app_context():
        for n in range(first, first + count):
            rag = RAGS[n % 3]
            youth = factories.youth(
                lead_officer_id=officer.id,
                assessed_by_id=officer.id,
                rag=rag,
                ward=WARDS[n % 3],
                first_name=f"Person{n}",
                name_key=f"person test{n}",
                rag_assessed_on=today - timedelta(days=10 + n % 20),
            )
            factories.visit(youth_id=youth.id, author_id=officer.id)
            factories.visit(youth_id=youth.id, author_id=officer.id, outcome="not_home")
            factories.referral(youth_id=youth.id, created_by_id=officer.id)
            incident = factories.incident(created_by_id=officer.id, youths=[(youth.id, "victim")])
            meeting = factories.meeting(incident_id=incident.id, chair_id=senior.id)
            factories.action(meeting_id=meeting.id, owner_id=officer.id, created_by_id=senior.id)
            db.session.add(
                Alert(
                    type="missed_visit",
                    subject_type="youth",
                    subject_id=youth.id,
                    youth_id=youth.id,
                    borough="WCC",
                    agency="MPS",
                    owner_id=officer.id,
                    due_on=today - timedelta(days=1),
                    status="open",
                    opened_at=clock.utcnow(),
                )
            )
        db.session.commit()


def _measure(
    client: FlaskClient,
    count_statements: Callable[[], Any],
    calls: dict[str, tuple[Account, dict[str, Any]]],
    limit: int,
) -> tuple[dict[str, tuple[int, int]], dict[str, str]]:
    """Call each route once; return (statements, items) per route, and the failures."""
    measured, failures = {}, {}
    for route, (account, operation) in calls.items():
        query = _query(operation, limit)
        try:
            with count_statements() as counter:
                response = client.get(route, query_string=query, headers=account.headers)
        except Exception as error:  # reported with every other route's result below
            failures[route] = f"{type(error).__name__}: {error}"
            continue
        if response.status_code != 200:
            failures[route] = f"{response.status_code} {response.get_data(as_text=True)[:300]}"
            continue
        body = response.get_json(silent=True)
        listed = isinstance(body, dict) and isinstance(body.get("items"), list)
        measured[route] = (counter.beyond_totals, len(body["items"]) if listed else -1)
    return measured, failures


def test_collection_endpoints_issue_a_constant_number_of_statements(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., Account],
    count_statements: Callable[[], Any],
) -> None:
    accounts = {role: make_user(role, "MPS") for role in ROLE_PREFERENCE}
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    calls = {}
    for route in collection_routes(app):
        role = _role_for(paths.get(route, {}).get("get", {}))
        if role is not None:
            calls[route] = (accounts[role], paths[route]["get"])
    populate(
        app, first=0, count=SMALL, officer=accounts["officer"], senior=accounts["senior_officer"]
    )
    _measure(client, count_statements, calls, SMALL_PAGE)  # warm every per-process cache

    small, small_failures = _measure(client, count_statements, calls, SMALL_PAGE)
    populate(
        app,
        first=SMALL,
        count=LARGE - SMALL,
        officer=accounts["officer"],
        senior=accounts["senior_officer"],
    )
    large, large_failures = _measure(client, count_statements, calls, LARGE_PAGE)

    problems = {
        route: f"failed: {why}" for route, why in {**small_failures, **large_failures}.items()
    }
    problems.update(
        (
            route,
            f"grew: {small[route][0]} statements for {small[route][1]} items, "
            f"{large[route][0]} for {large[route][1]}",
        )
        for route in calls
        if route in small and route in large and small[route][0] != large[route][0]
    )
    assert not problems, problems


def test_the_walk_finds_the_list_endpoints(app: Flask) -> None:
    routes = collection_routes(app)
    assert {"/api/v1/users", "/api/v1/audit-events"} <= set(routes)
    assert not any(route.startswith(EXCLUDED_PREFIXES) or "<" in route for route in routes)


def test_the_larger_data_set_fills_more_than_the_small_page(
    app: Flask, client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    """The comparison means something only if the large page holds more rows than the small."""
    officer, senior = make_user("officer", "MPS"), make_user("senior_officer", "MPS")
    populate(app, first=0, count=LARGE, officer=officer, senior=senior)
    routes = set(collection_routes(app)) & {
        "/api/v1/youths",
        "/api/v1/referrals",
        "/api/v1/visits/due",
    }
    assert routes, "none of the cohort's list endpoints exists"
    for route in sorted(routes):
        response = client.get(route, query_string={"limit": LARGE_PAGE}, headers=officer.headers)
        assert response.status_code == 200, (route, response.get_json())
        assert len(response.get_json()["items"]) > SMALL_PAGE, route
