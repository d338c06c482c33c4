"""POST /referrals/{id}/transitions and /match through the API: the key cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.alerts.models import Alert, AlertEvent
from sywc.extensions import db
from sywc.youths.models import Youth
from tests.conftest import assert_problem, audit_actions, youth_trail
from tests.referrals.helpers import URL, add_referral, add_youth, partner_body, referral_row


@pytest.fixture
def people(make_user):
    return {
        "sender": make_user("officer", "MPS"),
        "receiver": make_user("officer", "IGXU"),
        "receiver_senior": make_user("senior_officer", "IGXU"),
        "lead": make_user("officer", "YOT"),
        "stranger": make_user("officer", "CSC"),
        "receiver_elsewhere": make_user("officer", "IGXU", boroughs=["RBKC"]),
    }


def _act(client, account, referral_id, **body):
    return client.post(f"{URL}/{referral_id}/transitions", json=body, headers=account.headers)


def test_receiver_moves_a_referral_through_its_life(app, client, people):
    referral_id = add_referral(app)
    response = _act(client, people["receiver"], referral_id, action="acknowledge")
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == '"2"'
    response = _act(
        client, people["receiver_senior"], referral_id, action="accept", reason="Allocated."
    )
    assert response.get_json()["status"] == "accepted"
    response = _act(client, people["receiver"], referral_id, action="close", reason="Done")
    body = response.get_json()
    assert body["status"] == "closed"
    assert [(h["action"], h["from_status"], h["to_status"]) for h in body["history"]] == [
        ("acknowledge", "submitted", "acknowledged"),
        ("accept", "acknowledged", "accepted"),
        ("close", "accepted", "closed"),
    ]
    assert [h["actor_user_id"] for h in body["history"]] == [
        people["receiver"].id,
        people["receiver_senior"].id,
        people["receiver"].id,
    ]
    assert body["history"][1]["reason"] == "Allocated."
    assert {h["actor_agency"] for h in body["history"]} == {"IGXU"}
    events = audit_actions(app, action="referral_transitioned")
    assert [e.details["action"] for e in events] == ["acknowledge", "accept", "close"]
    assert all(e.record_id == str(referral_id) for e in events)


def test_each_transition_is_in_the_young_persons_trail(app, client, people, auditor):
    youth_id = add_youth(app)
    referral_id = add_referral(app, youth_id=youth_id)
    unmatched = add_referral(app)
    for action in ("acknowledge", "accept"):
        response = _act(client, people["receiver"], referral_id, action=action, reason="ok")
        assert response.get_json()["youth_id"] == youth_id
    assert _act(client, people["receiver"], unmatched, action="acknowledge").status_code == 200
    trail = youth_trail(client, auditor, youth_id)
    assert [(e["action"], e["actor_id"], e["details"]) for e in trail] == [
        ("youths_shown", people["receiver"].id, {"via": "referral", "via_ids": [referral_id]})
    ] * 2
    assert len(audit_actions(app, record_type="youth")) == 2


def test_sender_withdraws_with_a_reason(app, client, people):
    referral_id = add_referral(app)
    assert_problem(_act(client, people["sender"], referral_id, action="withdraw"), 422, "reason")
    response = _act(client, people["sender"], referral_id, action="withdraw", reason="Wrong team")
    assert response.status_code == 200
    assert response.get_json()["status"] == "withdrawn"
    assert response.get_json()["closed_at"] is not None


def test_wrong_agency_is_403_when_it_can_see_and_404_when_it_cannot(app, client, people):
    youth_id = add_youth(app, lead_agency="YOT")
    referral_id = add_referral(app, youth_id=youth_id)
    assert_problem(_act(client, people["sender"], referral_id, action="acknowledge"), 403)
    assert_problem(_act(client, people["lead"], referral_id, action="acknowledge"), 403)
    assert_problem(_act(client, people["stranger"], referral_id, action="acknowledge"), 404)
    assert_problem(
        _act(client, people["receiver_elsewhere"], referral_id, action="acknowledge"), 404
    )
    assert_problem(_act(client, people["receiver"], 999_999, action="acknowledge"), 404)
    assert referral_row(app, referral_id)["status"] == "submitted"
    assert audit_actions(app, action="referral_transitioned") == []


def test_invalid_transition_is_409_and_changes_nothing(app, client, people):
    referral_id = add_referral(app)
    response = _act(client, people["receiver"], referral_id, action="accept", reason="ok")
    assert_problem(response, 409)
    _act(client, people["receiver"], referral_id, action="acknowledge")
    assert_problem(_act(client, people["receiver"], referral_id, action="acknowledge"), 409)
    row = referral_row(app, referral_id)
    assert (row["status"], row["version"], row["steps"]) == ("acknowledged", 2, ["acknowledge"])


BAD_TRANSITIONS = [
    ({"action": "decline"}, "reason"),
    ({"action": "decline", "reason": "  "}, "reason"),
    ({"action": "match"}, "action"),
    ({"action": "submit"}, "action"),
    ({"action": "acknowledge", "make_lead": True}, "make_lead"),
    ({"action": "acknowledge", "note": "x"}, "note"),
    ({"action": "decline", "reason": "x" * 2001}, "reason"),
]


def test_bad_transition_requests(app, client, people):
    referral_id = add_referral(app, status="acknowledged")
    url = f"{URL}/{referral_id}/transitions"
    for body, field in BAD_TRANSITIONS:
        response = client.post(url, json=body, headers=people["receiver"].headers)
        assert field in (response.get_json().get("errors") or {}), body
        assert_problem(response, 422, field)
    assert referral_row(app, referral_id)["version"] == 1


def _acknowledge(client, people, referral_id, if_match):
    return client.post(
        f"{URL}/{referral_id}/transitions",
        json={"action": "acknowledge"},
        headers={**people["receiver"].headers, "If-Match": if_match},
    )


def test_stale_if_match_is_412(app, client, people):
    referral_id = add_referral(app)
    assert_problem(_acknowledge(client, people, referral_id, '"7"'), 412)
    assert _acknowledge(client, people, referral_id, '"1"').status_code == 200


def test_an_optional_if_match_list_is_checked_like_a_single_etag(app, client, people):
    referral_id = add_referral(app)
    assert_problem(_acknowledge(client, people, referral_id, '"5", "7"'), 412)
    assert referral_row(app, referral_id)["status"] == "submitted"
    assert _acknowledge(client, people, referral_id, '"5", "1"').status_code == 200
    assert referral_row(app, referral_id)["status"] == "acknowledged"


def test_if_match_star_on_a_transition_asks_only_that_the_referral_exists(app, client, people):
    # If-Match is optional here, and `*` is true of any stored version (RFC 9110).
    referral_id = add_referral(app)
    response = _acknowledge(client, people, referral_id, "*")
    assert response.status_code == 200, response.get_json()
    assert referral_row(app, referral_id)["status"] == "acknowledged"


def _overdue(app, **referral):
    """A referral past its acknowledge-by date, with the scan's alert open on it."""
    due = clock.today() - timedelta(days=2)
    referral_id = add_referral(app, acknowledge_by=due, **referral)
    with app.app_context():
        db.session.add(
            Alert(
                type="referral_overdue",
                subject_type="referral",
                subject_id=referral_id,
                borough="WCC",
                agency="IGXU",
                due_on=due,
                status="open",
                opened_at=clock.utcnow(),
            )
        )
        db.session.commit()
    return referral_id


def _alert_events(app):
    with app.app_context():
        alert = db.session.scalar(sa.select(Alert))
        kinds = db.session.scalars(
            sa.select(AlertEvent.event)
            .where(AlertEvent.alert_id == alert.id)
            .order_by(AlertEvent.id)
        )
        return alert, list(kinds)


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("receiver", {"action": "acknowledge"}, "acknowledged"),
        # Withdrawn unseen, it no longer waits for anyone: the alert goes with it.
        ("sender", {"action": "withdraw", "reason": "Sent to the wrong team"}, "withdrawn"),
    ],
)
def test_leaving_submitted_resolves_the_overdue_alert(app, client, people, who, body, status):
    referral_id = _overdue(app)
    response = _act(client, people[who], referral_id, **body)
    assert (response.status_code, response.get_json()["status"]) == (200, status)
    alert, kinds = _alert_events(app)
    assert (alert.status, alert.resolution) == ("resolved", status)
    assert kinds == ["resolved"]


def test_a_refused_step_leaves_the_overdue_alert_open(app, client, people):
    referral_id = _overdue(app)
    assert_problem(_act(client, people["sender"], referral_id, action="withdraw"), 422, "reason")
    assert_problem(_act(client, people["sender"], referral_id, action="acknowledge"), 403)
    alert, kinds = _alert_events(app)
    assert (alert.status, alert.resolved_at, kinds) == ("open", None, [])


def test_accept_with_make_lead_changes_the_lead_agency(app, client, people):
    youth_id = add_youth(app, lead_agency="MPS", lead_officer_id=people["sender"].id)
    referral_id = add_referral(app, youth_id=youth_id, status="acknowledged")
    response = _act(
        client, people["receiver"], referral_id, action="accept", reason="Ours", make_lead=True
    )
    assert response.status_code == 200
    with app.app_context():
        youth = db.session.get(Youth, youth_id)
        assert youth.lead_agency == "IGXU"
        assert youth.lead_officer_id is None
        assert youth.version == 2
    events = audit_actions(app, action="youth_lead_agency_changed")
    assert [(e.record_type, e.record_id) for e in events] == [("youth", str(youth_id))]
    assert events[0].details["from_agency"] == "MPS"
    assert events[0].details["referral_id"] == referral_id
    # That event already puts the transition in the young person's trail; no second one.
    assert [e.action for e in audit_actions(app, record_type="youth")] == [
        "youth_lead_agency_changed"
    ]


def test_accept_without_make_lead_keeps_the_lead(app, client, people):
    youth_id = add_youth(app, lead_agency="MPS")
    referral_id = add_referral(app, youth_id=youth_id, status="acknowledged")
    assert _act(client, people["receiver"], referral_id, action="accept").status_code == 200
    with app.app_context():
        assert db.session.get(Youth, youth_id).lead_agency == "MPS"


def test_a_number_is_not_make_lead(app, client, people):
    youth_id = add_youth(app, lead_agency="MPS", lead_officer_id=people["sender"].id)
    referral_id = add_referral(app, youth_id=youth_id, status="acknowledged")
    before = len(audit_actions(app))
    for number in (1, 1.0):
        response = _act(client, people["receiver"], referral_id, action="accept", make_lead=number)
        assert_problem(response, 422, "make_lead")
    assert referral_row(app, referral_id)["status"] == "acknowledged"
    with app.app_context():
        youth = db.session.get(Youth, youth_id)
        assert (youth.lead_agency, youth.version) == ("MPS", 1)
    assert len(audit_actions(app)) == before


def test_make_lead_needs_a_matched_referral(app, client, people):
    referral_id = add_referral(app, youth_id=None, status="acknowledged")
    response = _act(client, people["receiver"], referral_id, action="accept", make_lead=True)
    assert_problem(response, 422, "make_lead")
    assert referral_row(app, referral_id)["status"] == "acknowledged"


def _partner_referral(client, make_partner, to_agency="IGXU"):
    partner = make_partner()
    response = client.post(
        URL,
        json=partner_body(to_agency=to_agency),
        headers={**partner.headers, "Idempotency-Key": "p-1"},
    )
    assert response.status_code == 201
    return partner, response.get_json()["id"]


def test_receiver_matches_an_unmatched_referral(app, client, people, make_partner, auditor):
    _, referral_id = _partner_referral(client, make_partner)
    youth_id = add_youth(app, first_name="Another", name_key="person another")
    url = f"{URL}/{referral_id}/match"
    assert_problem(
        client.post(url, json={"youth_id": youth_id}, headers=people["lead"].headers), 404
    )
    response = client.post(url, json={"youth_id": youth_id}, headers=people["receiver"].headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["youth_id"] == youth_id
    assert body["history"][-1]["action"] == "match"
    assert audit_actions(app, action="referral_matched")[0].details == {"youth_id": youth_id}
    [linked] = youth_trail(client, auditor, youth_id)
    assert (linked["action"], linked["actor_id"], linked["details"]) == (
        "youths_linked",
        people["receiver"].id,
        {"via": "referral", "via_ids": [referral_id]},
    )
    again = client.post(url, json={"youth_id": youth_id}, headers=people["receiver"].headers)
    assert_problem(again, 409)


def test_match_refusals(app, client, people):
    referral_id = add_referral(app, youth_id=None, from_agency="MPS")
    elsewhere = add_youth(app, borough="RBKC", ward="abingdon")
    url = f"{URL}/{referral_id}/match"
    sender = client.post(url, json={"youth_id": 1}, headers=people["sender"].headers)
    assert_problem(sender, 403)
    unknown = client.post(url, json={"youth_id": 999}, headers=people["receiver"].headers)
    assert_problem(unknown, 422, "youth_id")
    hidden = client.post(url, json={"youth_id": elsewhere}, headers=people["receiver"].headers)
    assert_problem(hidden, 422, "youth_id")
    withdrawn = add_referral(app, youth_id=None, status="withdrawn")
    youth_id = add_youth(app)
    response = client.post(
        f"{URL}/{withdrawn}/match", json={"youth_id": youth_id}, headers=people["receiver"].headers
    )
    assert_problem(response, 409)
    assert referral_row(app, referral_id)["youth_id"] is None


def test_partner_cannot_act_on_its_referral(app, client, make_partner):
    partner, referral_id = _partner_referral(client, make_partner)
    response = client.post(
        f"{URL}/{referral_id}/transitions",
        json={"action": "withdraw", "reason": "Sent twice"},
        headers=partner.headers,
    )
    assert_problem(response, 403)
    assert referral_row(app, referral_id)["status"] == "submitted"
