"""No route shows or changes a record of a borough the caller does not work in.

The walks go over `app.url_map`, so a route added later is tested (or the walk fails
until it is): another borough's record is 404 as if it did not exist, a role without
the route's permission is 403 before any record is looked up, a partner system reaches
nothing but its own referrals, and a refused request writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.alerts.models import Alert
from sywc.audit.models import AuditEvent
from sywc.extensions import db
from sywc.incidents.models import Incident
from sywc.permissions import has_permission
from sywc.pvs.models import PvsAction, PvsMeeting
from sywc.referrals.models import Referral
from sywc.security import declared_permission
from sywc.youths.models import Youth
from tests import factories
from tests.partners.helpers import make_partner  # noqa: F401

CASE_LISTS = (
    "/api/v1/youths",
    "/api/v1/visits/due",
    "/api/v1/referrals",
    "/api/v1/incidents",
    "/api/v1/pvs-meetings",
    "/api/v1/pvs-actions",
    "/api/v1/alerts",
)
# Account administration, for admins only: which accounts and clients an admin of a
# borough reaches is tests/users/test_administered_boroughs.py.
ADMIN_ENDPOINTS = {
    "users.get_user",
    "users.update_user",
    "partners.get_partner_client",
    "partners.update_partner_client",
    "partners.rotate_partner_secret",
}


@dataclass
class Scene:
    ids: dict[str, int]
    owner: Any  # a WCC officer who owns the records
    intruder: Any  # an officer of the same agency working in RBKC only


def _now() -> str:
    return clock.utcnow().isoformat()


# A valid body for each route with a path id, so that only the record lookup can refuse.
BODIES: dict[tuple[str, str], Callable[[Scene], dict[str, Any] | None]] = {
    ("GET", "youths.get_youth"): lambda s: None,
    ("PATCH", "youths.update_youth"): lambda s: {"gender": "female"},
    ("POST", "youths.close_youth"): lambda s: {"reason": "No longer a concern"},
    ("POST", "youths.reopen_youth"): lambda s: {"reason": "A new concern arose"},
    ("GET", "youths.list_assessments"): lambda s: None,
    ("POST", "youths.record_assessment"): lambda s: {
        "rating": "red",
        "rationale": "Seen with a group carrying knives last week.",
    },
    ("GET", "visits.list_visits"): lambda s: None,
    ("POST", "visits.record_visit"): lambda s: {
        "visited_at": _now(),
        "officer_ids": [s.intruder.id],
        "outcome": "seen",
    },
    ("GET", "incidents.youth_timeline"): lambda s: None,
    ("GET", "incidents.get_incident"): lambda s: None,
    ("PATCH", "incidents.update_incident"): lambda s: {"summary": "Changed"},
    ("POST", "incidents.add_involvement"): lambda s: {
        "youth_id": s.ids["youth_id"],
        "role": "witness",
    },
    ("POST", "pvs.create_meeting"): lambda s: {"held_at": _now(), "chair_id": s.intruder.id},
    ("GET", "pvs.get_meeting"): lambda s: None,
    ("PATCH", "pvs.update_meeting"): lambda s: {"decisions": "Changed"},
    ("POST", "pvs.create_action"): lambda s: {
        "description": "Engage",
        "owner_id": s.intruder.id,
        "due_on": (clock.today() + timedelta(days=7)).isoformat(),
        "type": "engage",
    },
    ("GET", "pvs.get_action"): lambda s: None,
    ("PATCH", "pvs.update_action"): lambda s: {"status": "done", "completion_note": "Done"},
    ("GET", "referrals.get_referral"): lambda s: None,
    ("POST", "referrals.transition_referral"): lambda s: {"action": "acknowledge"},
    ("POST", "referrals.match_referral"): lambda s: {"youth_id": s.ids["youth_id"]},
    ("POST", "alerts.acknowledge_alert"): lambda s: None,
}


def _record_routes(app: Any) -> list[tuple[str, Any]]:
    """Every (method, rule) of a route that names a record in its path."""
    return [
        (method, rule)
        for rule in app.url_map.iter_rules()
        if rule.arguments
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def _path(app: Any, rule: Any, ids: dict[str, int]) -> str:
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, {arg: ids.get(arg, 1) for arg in rule.arguments})


def _versions(app: Any, ids: dict[str, int]) -> dict[str, Any]:
    with app.app_context():
        return {
            "youth": db.session.get(Youth, ids["youth_id"]).version,
            "incident": db.session.get(Incident, ids["incident_id"]).version,
            "meeting": db.session.get(PvsMeeting, ids["meeting_id"]).version,
            "action": db.session.get(PvsAction, ids["action_id"]).version,
            "referral": db.session.get(Referral, ids["referral_id"]).version,
            "alert": db.session.get(Alert, ids["alert_id"]).status,
        }


def _actions_by(app: Any, actor_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action).where(
                    AuditEvent.actor_id == actor_id, AuditEvent.actor_type == "user"
                )
            )
        )


@pytest.fixture
def records(app, make_user) -> dict[str, Any]:
    """A WCC record of every kind, owned by a WCC officer of MPS."""
    owner = make_user("officer", "MPS", boroughs=["WCC"])
    chair = make_user("senior_officer", "MPS", boroughs=["WCC"])
    with app.app_context():
        youth = factories.youth(rag="red", lead_officer_id=owner.id, assessed_by_id=owner.id)
        factories.visit(youth_id=youth.id, author_id=owner.id, notes="Private", restricted=True)
        referral = factories.referral(youth_id=youth.id, created_by_id=owner.id)
        incident = factories.incident(created_by_id=owner.id, youths=[(youth.id, "victim")])
        meeting = factories.meeting(incident_id=incident.id, chair_id=chair.id)
        action = factories.action(meeting_id=meeting.id, owner_id=owner.id, created_by_id=owner.id)
        # Escalated to level 2: shown to every senior officer of the borough, and no further.
        alert = Alert(
            type="missed_visit",
            subject_type="youth",
            subject_id=youth.id,
            youth_id=youth.id,
            borough="WCC",
            agency="MPS",
            due_on=clock.today() - timedelta(days=20),
            escalation_level=2,
            status="open",
            opened_at=clock.utcnow(),
        )
        db.session.add(alert)
        db.session.commit()
        ids = {
            "youth_id": youth.id,
            "referral_id": referral.id,
            "incident_id": incident.id,
            "meeting_id": meeting.id,
            "action_id": action.id,
            "alert_id": alert.id,
            "user_id": owner.id,
            "client_pk": 1,
        }
    return {"ids": ids, "owner": owner, "chair": chair}


def test_the_walk_covers_every_route_with_a_record_in_its_path(app):
    walked = {(method, rule.endpoint) for method, rule in _record_routes(app)}
    assert {(m, e) for m, e in walked if e not in ADMIN_ENDPOINTS} == set(BODIES)


@pytest.mark.parametrize("role", ["officer", "senior_officer"])
def test_another_boroughs_records_do_not_exist_for_the_caller(
    app, client, make_user, records, role
):
    ids = records["ids"]
    intruder = make_user(role, "MPS", boroughs=["RBKC"])
    scene = Scene(ids, records["owner"], intruder)
    before = _versions(app, ids)
    statuses = {}
    with app.test_request_context():
        routes = [(m, r, declared_permission(r.endpoint)) for m, r in _record_routes(app)]
    for method, rule, permission in routes:
        headers = {**intruder.headers, "If-Match": '"1"'}
        body = BODIES.get((method, rule.endpoint), lambda s: None)(scene)
        response = client.open(_path(app, rule, ids), method=method, headers=headers, json=body)
        allowed = has_permission(role, permission)
        # Refused by role before any lookup, or not found: never a hint that it exists.
        statuses[(method, rule.endpoint)] = (response.status_code, 404 if allowed else 403)
        assert b"Private" not in response.data
    wrong = {key: got for key, got in statuses.items() if got[0] != got[1]}
    assert wrong == {}
    assert _versions(app, ids) == before
    assert set(_actions_by(app, intruder.id)) == {"login"}


def test_the_owner_reaches_every_record_the_walk_asks_for(app, client, records):
    # The control for the walk above: the same paths answer the borough's own officer.
    owner = records["owner"]
    for method, rule in _record_routes(app):
        if method == "GET" and rule.endpoint not in ADMIN_ENDPOINTS:
            response = client.get(_path(app, rule, records["ids"]), headers=owner.headers)
            assert response.status_code == 200, rule.rule


@pytest.mark.parametrize("role", ["officer", "senior_officer"])
def test_lists_show_nothing_of_another_borough(client, make_user, records, role):
    intruder = make_user(role, "MPS", boroughs=["RBKC"])
    owner = records["owner"]
    for path in CASE_LISTS:
        assert client.get(path, headers=owner.headers).get_json()["items"], path
        for query in ("", "?borough=WCC"):
            response = client.get(path + query, headers=intruder.headers)
            assert response.status_code == 200, path
            assert response.get_json()["items"] == [], path + query


@pytest.mark.parametrize("role", ["board_member", "auditor", "admin"])
def test_roles_without_casework_reach_no_case_data(app, client, make_user, records, role):
    account = make_user(role)
    with app.test_request_context():
        routes = [
            (method, rule, declared_permission(rule.endpoint))
            for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        ]
    for method, rule, permission in routes:
        if permission in ("public", "session:refresh") or has_permission(role, permission):
            continue
        response = client.open(
            _path(app, rule, records["ids"]), method=method, headers=account.headers, json={}
        )
        assert response.status_code == 403, (method, rule.rule)


def test_a_partner_reaches_nothing_but_its_own_referrals(app, client, records, make_partner):  # noqa: F811
    partner = make_partner()
    with app.test_request_context():
        routes = [
            (method, rule, declared_permission(rule.endpoint))
            for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        ]
    reached = []
    for method, rule, permission in routes:
        if permission in ("public", "session:refresh"):
            continue
        response = client.open(
            _path(app, rule, records["ids"]), method=method, headers=partner.headers, json={}
        )
        if has_permission("partner", permission, frozenset({"referrals:write"})):
            reached.append((method, rule.endpoint, response.status_code))
        else:
            assert response.status_code == 403, (method, rule.rule)
    reached = {(m, e, s) for m, e, s in reached if not e.startswith("reference.")}
    # An officer's referral is not found; the list holds none of them; an empty body is 422.
    assert reached == {
        ("GET", "referrals.get_referral", 404),
        ("GET", "referrals.list_referrals", 200),
        ("POST", "referrals.create_referral", 422),
    }
    listed = client.get("/api/v1/referrals", headers=partner.headers).get_json()
    assert listed["items"] == []
