"""A partner must not learn whether a young person is in the cohort, nor other agencies' notes."""

from __future__ import annotations

import json
import re
from datetime import date

from tests.referrals.helpers import URL, add_youth, partner_body, referral_row

IN_COHORT = {"first_name": "Test", "last_name": "Person", "date_of_birth": "2010-05-01"}
NOT_IN_COHORT = {"first_name": "Nobody", "last_name": "Known", "date_of_birth": "2010-05-01"}
_VOLATILE = re.compile(
    rb'"(id|submitted_at|at|acknowledged_at|decided_at|closed_at)": ?("[^"]*"|\d+|null)'
)


def _masked(raw: bytes) -> bytes:
    """Blank out ids and timestamps, the only parts allowed to differ."""
    return _VOLATILE.sub(rb'"\1": "*"', raw)


def _post(client, partner, subject, key):
    return client.post(
        URL,
        json=partner_body(subject=subject),
        headers={**partner.headers, "Idempotency-Key": key},
    )


def test_matched_and_unmatched_look_the_same_to_the_partner(app, client, make_partner, make_user):
    youth_id = add_youth(app, date_of_birth=date(2010, 5, 1))
    partner = make_partner()
    matched = _post(client, partner, IN_COHORT, "one")
    unmatched = _post(client, partner, NOT_IN_COHORT, "two")
    assert matched.status_code == unmatched.status_code == 201
    # The database knows the difference; the partner's responses do not.
    assert referral_row(app, matched.get_json()["id"])["youth_id"] == youth_id
    assert referral_row(app, unmatched.get_json()["id"])["youth_id"] is None
    assert _masked(matched.get_data()) == _masked(unmatched.get_data())
    assert matched.get_data() != unmatched.get_data()  # the mask hides only ids and times
    assert b'"status":"submitted"' in _masked(matched.get_data())
    assert sorted(matched.headers.keys()) == sorted(unmatched.headers.keys())
    assert matched.get_json()["id"] != unmatched.get_json()["id"]

    # An officer of the receiving agency matches the waiting one: still indistinguishable.
    mash = make_user("officer", "MASH")
    other_youth = add_youth(app, first_name="Nobody", name_key="known nobody")
    response = client.post(
        f"{URL}/{unmatched.get_json()['id']}/match",
        json={"youth_id": other_youth},
        headers=mash.headers,
    )
    assert response.status_code == 200
    reads = [
        client.get(f"{URL}/{r.get_json()['id']}", headers=partner.headers)
        for r in (matched, unmatched)
    ]
    assert _masked(reads[0].get_data()) == _masked(reads[1].get_data())
    assert "ETag" not in reads[0].headers
    assert "ETag" not in reads[1].headers
    listed = client.get(URL, headers=partner.headers).get_json()
    items = sorted(listed["items"], key=lambda item: item["id"])
    assert _masked(json.dumps(items[0]).encode()) == _masked(json.dumps(items[1]).encode())


def test_partner_sees_the_decision_but_not_internal_notes(app, client, make_partner, make_user):
    partner = make_partner()
    referral_id = _post(client, partner, NOT_IN_COHORT, "notes").get_json()["id"]
    mash = make_user("officer", "MASH")
    steps = [
        {"action": "acknowledge", "reason": "Internal: checked the police systems first."},
        {"action": "decline", "reason": "Below threshold; offer of Early Help made to family."},
    ]
    for step in steps:
        url = f"{URL}/{referral_id}/transitions"
        assert client.post(url, json=step, headers=mash.headers).status_code == 200
    body = client.get(f"{URL}/{referral_id}", headers=partner.headers).get_json()
    assert body["status"] == "declined"
    history = [(h["action"], h["to_status"], h["reason"]) for h in body["history"]]
    assert history == [
        ("submit", "submitted", None),
        ("acknowledge", "acknowledged", None),
        ("decline", "declined", "Below threshold; offer of Early Help made to family."),
    ]
    for step in body["history"]:
        assert {"actor_user_id", "actor_partner_id", "actor_agency"}.isdisjoint(step)
    assert {"youth_id", "subject", "summary", "version", "updated_at", "created_by_id"}.isdisjoint(
        body
    )
    # The officer sees all of it.
    full = client.get(f"{URL}/{referral_id}", headers=mash.headers).get_json()
    assert full["history"][1]["reason"] == steps[0]["reason"]
    assert full["history"][1]["actor_user_id"] == mash.id
    assert full["summary"]
