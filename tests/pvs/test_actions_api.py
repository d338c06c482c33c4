"""PVS actions: agreeing one, who may update it, its status rules, an officer's list."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.alerts.models import Alert
from sywc.audit.models import AuditEvent
from sywc.extensions import db
from sywc.pvs.models import PvsAction
from sywc.pvs.service.actions import overdue_condition
from sywc.users.service import deactivate_user
from tests.conftest import assert_problem, audit_actions
from tests.incidents.helpers import add_action, add_incident, add_meeting, count


@pytest.fixture
def meeting(app, officer, senior):
    now = clock.utcnow()
    incident = add_incident(app, created_by_id=officer.id, occurred_at=now - timedelta(days=3))
    return add_meeting(
        app, incident_id=incident, chair_id=senior.id, held_at=now - timedelta(days=2)
    )


def _action(owner_id, **overrides):
    body = {
        "description": "Engage with the young person at school",
        "owner_id": owner_id,
        "due_on": (clock.today() + timedelta(days=5)).isoformat(),
        "type": "engage",
    }
    body.update(overrides)
    return body


def _patch(client, action_id, body, account, version=1):
    return client.patch(
        f"/api/v1/pvs-actions/{action_id}",
        json=body,
        headers={**account.headers, "If-Match": f'"{version}"'},
    )


DONE = {"status": "done", "completion_note": "Seen at school with his mentor."}
CANCEL = {"status": "cancelled", "reason": "Family moved out of London."}


def test_create_action_defaults_to_the_owners_agency(app, client, senior, make_user, meeting):
    yot = make_user("officer", "YOT")
    response = client.post(
        f"/api/v1/pvs-meetings/{meeting}/actions", json=_action(yot.id), headers=senior.headers
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["agency"], body["status"], body["overdue"], body["meeting_id"]) == (
        "YOT",
        "open",
        False,
        meeting,
    )
    assert response.headers["ETag"] == '"1"'
    event = audit_actions(app, action="pvs_action_created")[0]
    assert event.details == {
        "meeting_id": meeting,
        "owner_id": yot.id,
        "agency": "YOT",
        "type": "engage",
        "due_on": body["due_on"],
    }


def test_bad_actions_are_refused_and_nothing_is_written(
    app, client, senior, officer, make_user, meeting
):
    gone = make_user("officer", "IGXU")
    with app.app_context():
        deactivate_user(username=gone.username, now=clock.utcnow())
    elsewhere = make_user("officer", "MPS", boroughs=["RBKC"])
    board = make_user("board_member")
    held_day = clock.today() - timedelta(days=2)
    cases = [
        (_action(99999), "owner_id"),
        (_action(gone.id), "owner_id"),
        (_action(elsewhere.id), "owner_id"),
        (_action(board.id), "owner_id"),
        (_action(officer.id, due_on=(held_day - timedelta(days=1)).isoformat()), "due_on"),
        (_action(officer.id, agency="YOT"), "agency"),
        (_action(officer.id, type="arrest"), "type"),
        (_action(officer.id, status="done"), "status"),
        ({"owner_id": officer.id, "due_on": held_day.isoformat(), "type": "engage"}, "description"),
        (_action(officer.id, description="   "), "description"),
    ]
    events = count(app, AuditEvent)
    for body, field in cases:
        response = client.post(
            f"/api/v1/pvs-meetings/{meeting}/actions", json=body, headers=senior.headers
        )
        assert_problem(response, 422, field)
    assert count(app, PvsAction) == 0
    assert count(app, AuditEvent) == events
    ok = client.post(
        f"/api/v1/pvs-meetings/{meeting}/actions",
        json=_action(officer.id, due_on=held_day.isoformat()),
        headers=senior.headers,
    )
    assert ok.status_code == 201  # due on the day of the meeting is allowed


def test_owner_marks_done_with_a_note(app, client, officer, meeting):
    action = add_action(app, meeting_id=meeting, owner_id=officer.id)
    response = _patch(client, action, DONE, officer)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["completion_note"], body["version"]) == (
        "done",
        DONE["completion_note"],
        2,
    )
    event = audit_actions(app, action="pvs_action_done")[0]
    assert event.details == {"status": "done", "on_time": True, "alerts_resolved": 0}


def test_senior_officer_cancels_with_a_reason(app, client, officer, senior, meeting):
    action = add_action(app, meeting_id=meeting, owner_id=officer.id)
    response = _patch(client, action, CANCEL, senior)
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["reason"]) == (
        "cancelled",
        CANCEL["reason"],
    )
    assert audit_actions(app, action="pvs_action_cancelled")[0].actor_id == senior.id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "done"}, "completion_note"),
        ({"status": "done", "completion_note": "   "}, "completion_note"),
        ({"status": "cancelled"}, "reason"),
        ({"status": "cancelled", "reason": "x", "completion_note": "y"}, "completion_note"),
        ({"status": "open"}, "status"),
        ({"completion_note": "Seen"}, "status"),
        ({"status": "done", "completion_note": "ok", "owner_id": 3}, "owner_id"),
    ],
)
def test_status_changes_need_their_note(app, client, officer, meeting, body, field):
    action = add_action(app, meeting_id=meeting, owner_id=officer.id)
    assert_problem(_patch(client, action, body, officer), 422, field)
    with app.app_context():
        assert db.session.get(PvsAction, action).status == "open"


@pytest.mark.parametrize("first", [DONE, CANCEL])
@pytest.mark.parametrize("second", [DONE, CANCEL])
def test_done_and_cancelled_are_final(app, client, officer, senior, meeting, first, second):
    action = add_action(app, meeting_id=meeting, owner_id=officer.id)
    assert _patch(client, action, first, officer).status_code == 200
    assert_problem(_patch(client, action, second, senior, version=2), 409, "status")
    with app.app_context():
        assert db.session.get(PvsAction, action).status == first["status"]


def test_only_the_owner_or_a_senior_officer_updates(app, client, officer, make_user, meeting):
    colleague = make_user("officer", "MPS")
    elsewhere = make_user("officer", "MPS", boroughs=["RBKC"])
    action = add_action(app, meeting_id=meeting, owner_id=officer.id)
    assert_problem(_patch(client, action, DONE, colleague), 403)
    assert_problem(_patch(client, action, DONE, elsewhere), 404)
    assert client.get(f"/api/v1/pvs-actions/{action}", headers=elsewhere.headers).status_code == 404
    assert_problem(_patch(client, action, DONE, officer, version=5), 412)
    assert_problem(
        client.patch(f"/api/v1/pvs-actions/{action}", json=DONE, headers=officer.headers), 428
    )
    with app.app_context():
        assert db.session.get(PvsAction, action).status == "open"


def _alert(app, action_id, status="open"):
    with app.app_context():
        alert = Alert(
            type="pvs_action_overdue",
            subject_type="pvs_action",
            subject_id=action_id,
            borough="WCC",
            agency="MPS",
            due_on=clock.today() - timedelta(days=2),
            status=status,
            opened_at=clock.utcnow(),
        )
        db.session.add(alert)
        db.session.commit()
        return alert.id


@pytest.mark.parametrize(("body", "resolution"), [(DONE, "done"), (CANCEL, "cancelled")])
def test_finishing_resolves_the_overdue_alert(app, client, officer, meeting, body, resolution):
    late = add_action(
        app, meeting_id=meeting, owner_id=officer.id, due_on=clock.today() - timedelta(days=1)
    )
    other = add_action(
        app, meeting_id=meeting, owner_id=officer.id, due_on=clock.today() - timedelta(days=1)
    )
    mine, theirs = _alert(app, late, status="acknowledged"), _alert(app, other)
    assert _patch(client, late, body, officer).status_code == 200
    with app.app_context():
        alerts = {a.id: a for a in db.session.scalars(sa.select(Alert))}
        assert (alerts[mine].status, alerts[mine].resolution) == ("resolved", resolution)
        assert alerts[theirs].status == "open"
    event = audit_actions(app, action=f"pvs_action_{resolution}")[0]
    assert event.details["alerts_resolved"] == 1
    if resolution == "done":
        assert event.details["on_time"] is False


def test_officers_list_filters(app, client, officer, senior, make_user, meeting):
    igxu = make_user("officer", "IGXU")
    today = clock.today()
    other_meeting = add_meeting(
        app, incident_id=add_incident(app, created_by_id=officer.id), chair_id=senior.id
    )
    ids = {
        "overdue": add_action(
            app, meeting_id=meeting, owner_id=officer.id, due_on=today - timedelta(days=1)
        ),
        "due_today": add_action(app, meeting_id=meeting, owner_id=officer.id, due_on=today),
        "done_late": add_action(
            app,
            meeting_id=meeting,
            owner_id=officer.id,
            status="done",
            due_on=today - timedelta(days=3),
        ),
        "igxu": add_action(
            app,
            meeting_id=other_meeting,
            owner_id=igxu.id,
            agency="IGXU",
            due_on=today - timedelta(days=4),
        ),
        "cancelled": add_action(
            app,
            meeting_id=other_meeting,
            owner_id=officer.id,
            status="cancelled",
            due_on=today + timedelta(days=1),
        ),
    }

    def listed(query, account=officer):
        response = client.get(f"/api/v1/pvs-actions?{query}", headers=account.headers)
        assert response.status_code == 200, response.get_json()
        return [a["id"] for a in response.get_json()["items"]]

    assert listed("owner=me&status=open") == [ids["overdue"], ids["due_today"]]
    assert listed("owner=me&overdue=true") == [ids["overdue"]]
    assert listed("overdue=true") == [ids["igxu"], ids["overdue"]]
    assert listed("owner=me&overdue=false") == [
        ids["done_late"],
        ids["due_today"],
        ids["cancelled"],
    ]
    assert listed("owner=me", account=igxu) == [ids["igxu"]]
    assert listed(f"owner={igxu.id}") == [ids["igxu"]]
    assert listed("agency=IGXU") == [ids["igxu"]]
    assert listed(f"meeting_id={other_meeting}&status=cancelled") == [ids["cancelled"]]
    assert listed("borough=RBKC") == []
    body = client.get("/api/v1/pvs-actions?overdue=true", headers=officer.headers).get_json()
    assert [a["overdue"] for a in body["items"]] == [True, True]
    assert_problem(
        client.get("/api/v1/pvs-actions?owner=you", headers=officer.headers), 422, "owner"
    )
    event = audit_actions(app, action="pvs_actions_listed")[0]
    assert event.record_ids == [str(ids["overdue"]), str(ids["due_today"])]


def test_action_list_sorts_by_due_date_or_agreement_with_ties_broken_by_id(
    app, client, officer, meeting
):
    now, today = clock.utcnow(), clock.today()

    def add(due_in_days, agreed_hours_ago):
        return add_action(
            app,
            meeting_id=meeting,
            owner_id=officer.id,
            due_on=today + timedelta(days=due_in_days),
            created_at=now - timedelta(hours=agreed_hours_ago),
        )

    # The one due last was agreed first; two share both dates, so the id decides.
    due_last, tied, tied_later = add(9, 3), add(2, 1), add(2, 1)

    def listed(query):
        response = client.get(f"/api/v1/pvs-actions?{query}", headers=officer.headers)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert listed("") == [tied, tied_later, due_last]
    assert listed("sort=due_on") == listed("")
    assert listed("sort=-due_on") == [due_last, tied_later, tied]
    assert listed("sort=created_at") == [due_last, tied, tied_later]
    assert listed("owner=me&sort=-created_at") == [tied_later, tied, due_last]
    event = audit_actions(app, action="pvs_actions_listed")[-1]
    assert (event.details["sort"], event.details["filters"]) == ("-created_at", {"owner": "me"})
    response = client.get("/api/v1/pvs-actions?sort=owner", headers=officer.headers)
    assert_problem(response, 422, "sort")
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = spec["paths"]["/api/v1/pvs-actions"]["get"]["parameters"]
    [sort] = [p for p in parameters if p["name"] == "sort"]
    assert sort["schema"]["default"] == "due_on"
    assert sorted(sort["schema"]["enum"]) == sorted(
        ["due_on", "-due_on", "created_at", "-created_at"]
    )


def test_action_list_runs_a_constant_number_of_statements(
    app, client, officer, meeting, count_statements
):
    def cost():
        with count_statements() as counter:
            response = client.get("/api/v1/pvs-actions?owner=me&limit=200", headers=officer.headers)
        return counter.beyond_totals, len(response.get_json()["items"])

    add_action(app, meeting_id=meeting, owner_id=officer.id)
    small = cost()
    for _ in range(10):
        add_action(app, meeting_id=meeting, owner_id=officer.id)
    large = cost()
    assert (small[1], large[1]) == (1, 11)
    assert small[0] == large[0]


def test_overdue_query_is_served_by_the_status_due_index(app):
    with app.app_context():
        stmt = sa.select(PvsAction.id).where(overdue_condition(clock.today()))
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if db.engine.dialect.name == "sqlite":
            rows = db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"))
        else:
            # An empty table is cheaper to scan; forbid that to see the index is usable.
            db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
            rows = db.session.execute(sa.text(f"EXPLAIN {sql}"))
        plan = " ".join(str(row) for row in rows)
        db.session.rollback()
    assert "ix_pvs_actions_status_due" in plan


def test_reading_an_action_is_audited(app, client, officer, meeting):
    action = add_action(app, meeting_id=meeting, owner_id=officer.id)
    response = client.get(f"/api/v1/pvs-actions/{action}", headers=officer.headers)
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    assert response.get_json()["owner_id"] == officer.id
    event = audit_actions(app, action="pvs_action_viewed")[0]
    assert (event.record_id, event.actor_id) == (str(action), officer.id)


def test_a_meetings_etag_moves_with_its_actions(app, client, officer, senior, meeting):
    url = f"/api/v1/pvs-meetings/{meeting}"
    first = client.get(url, headers=senior.headers)
    created = client.post(f"{url}/actions", json=_action(officer.id), headers=senior.headers)
    assert created.status_code == 201, created.get_json()
    second = client.get(url, headers=senior.headers)
    assert len(second.get_json()["actions"]) == len(first.get_json()["actions"]) + 1
    assert second.headers["ETag"] != first.headers["ETag"]

    assert _patch(client, created.get_json()["id"], DONE, officer).status_code == 200
    third = client.get(url, headers=senior.headers)
    assert third.get_json()["actions"][-1]["status"] == "done"
    assert third.headers["ETag"] not in (first.headers["ETag"], second.headers["ETag"])
    # A change of the meeting made from an ETag read before is stale (412), and nothing
    # of it is stored; from the current one it goes through.
    stale = client.patch(
        url,
        json={"decisions": "Moved"},
        headers={**senior.headers, "If-Match": second.headers["ETag"]},
    )
    assert_problem(stale, 412)
    assert client.get(url, headers=senior.headers).get_json()["decisions"] != "Moved"
    fresh = client.patch(
        url,
        json={"decisions": "Moved"},
        headers={**senior.headers, "If-Match": third.headers["ETag"]},
    )
    assert fresh.status_code == 200, fresh.get_json()
