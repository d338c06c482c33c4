"""POST /referrals: officers and partner systems sending referrals, and the bad input list."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sywc.referrals.models import Referral
from sywc.youths.names import name_key
from tests.conftest import assert_problem, audit_actions, youth_trail
from tests.referrals.helpers import (
    URL,
    add_youth,
    count_rows,
    officer_body,
    partner_body,
    referral_row,
)

MONDAY_10AM = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def monday(monkeypatch):
    monkeypatch.setattr("sywc.clock.utcnow", lambda: MONDAY_10AM)
    return MONDAY_10AM


def test_officer_sends_a_referral_for_their_agency(app, client, officer, monday):
    youth_id = add_youth(app)
    response = client.post(URL, json=officer_body(youth_id), headers=officer.headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"{URL}/{body['id']}")
    assert body["youth_id"] == youth_id
    assert body["from_agency"] == "MPS"
    assert body["to_agency"] == "IGXU"
    assert body["borough"] == "WCC"
    assert body["status"] == "submitted"
    assert body["acknowledge_by"] == "2026-03-05"  # standard: 3 working days
    assert body["created_by_id"] == officer.id
    assert [(h["action"], h["to_status"], h["actor_user_id"]) for h in body["history"]] == [
        ("submit", "submitted", officer.id)
    ]
    assert "Idempotent-Replayed" not in response.headers
    row = referral_row(app, body["id"])
    assert row["status"] == "submitted"
    assert row["acknowledge_by"] == date(2026, 3, 5)
    assert row["steps"] == ["submit"]
    events = audit_actions(app, action="referral_created")
    assert [(e.record_id, e.actor_id, e.actor_type) for e in events] == [
        (str(body["id"]), officer.id, "user")
    ]
    assert events[0].details["youth_id"] == youth_id
    assert "summary" not in events[0].details


def test_urgent_referral_is_due_the_next_working_day(app, client, officer, monday):
    youth_id = add_youth(app)
    body = officer_body(youth_id, urgency="urgent", from_agency="MPS", borough="WCC")
    response = client.post(URL, json=body, headers=officer.headers)
    assert response.status_code == 201
    assert response.get_json()["acknowledge_by"] == "2026-03-03"


def test_officer_may_send_subject_details_which_are_matched(app, client, officer):
    youth_id = add_youth(app, date_of_birth=date(2010, 5, 1))
    body = officer_body(
        None,
        subject={"first_name": "TEST", "last_name": "person", "date_of_birth": "2010-05-01"},
        borough="WCC",
    )
    del body["youth_id"]
    response = client.post(URL, json=body, headers=officer.headers)
    assert response.status_code == 201
    assert response.get_json()["youth_id"] == youth_id
    assert response.get_json()["subject"]["last_name"] == "person"


@pytest.mark.parametrize(
    ("first", "last"),
    [
        pytest.param("a" * 100, "b" * 100, id="ascii"),
        pytest.param("\u00df" * 100, "Smith", id="sharp-s"),
    ],
)
def test_a_subject_with_the_longest_names_is_stored_and_matched(app, client, officer, first, last):
    born = date(2010, 5, 1)
    key = name_key(first, last)
    youth_id = add_youth(app, first_name=first, last_name=last, name_key=key, date_of_birth=born)
    subject = {"first_name": first, "last_name": last.upper(), "date_of_birth": born.isoformat()}
    body = officer_body(None, subject=subject, borough="WCC")
    del body["youth_id"]
    response = client.post(URL, json=body, headers=officer.headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["youth_id"] == youth_id
    stored = referral_row(app, response.get_json()["id"])["subject_name_key"]
    assert stored == key
    assert len(stored) == Referral.__table__.c.subject_name_key.type.length


def test_consent_basis_with_consent_is_recorded(app, client, officer):
    youth_id = add_youth(app)
    body = officer_body(youth_id, lawful_basis="consent", consent=True, external_reference="X1")
    response = client.post(URL, json=body, headers=officer.headers)
    assert response.status_code == 201
    assert response.get_json()["lawful_basis"] == "consent"
    assert response.get_json()["consent"] is True
    assert response.get_json()["external_reference"] == "X1"


def test_partner_sends_a_referral_with_subject_details(app, client, make_partner):
    partner = make_partner()
    response = client.post(
        URL, json=partner_body(), headers={**partner.headers, "Idempotency-Key": "k-1"}
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "submitted"
    assert body["to_agency"] == "MASH"
    assert body["external_reference"] == "SCH-0001"
    assert {"youth_id", "subject", "summary", "from_partner", "version"}.isdisjoint(body)
    row = referral_row(app, body["id"])
    assert row["from_partner_id"] == partner.id
    assert row["from_agency"] is None
    assert row["subject_first_name"] == "Test"
    assert row["subject_name_key"] == "person test"
    events = audit_actions(app, action="referral_created")
    assert [(e.actor_type, e.actor_id, e.actor_label) for e in events] == [
        ("partner", partner.id, partner.client_id)
    ]
    # Matched to no one: no young person's trail names it.
    assert audit_actions(app, record_type="youth") == []


def test_a_referral_naming_a_young_person_is_in_their_trail(app, client, officer, auditor):
    youth_id = add_youth(app)
    headers = {**officer.headers, "Idempotency-Key": "o-1"}
    created = client.post(URL, json=officer_body(youth_id), headers=headers)
    assert created.status_code == 201, created.get_json()
    replayed = client.post(URL, json=officer_body(youth_id), headers=headers)
    assert replayed.get_json()["youth_id"] == youth_id
    referral_id = created.get_json()["id"]
    trail = youth_trail(client, auditor, youth_id)
    assert [(e["action"], e["actor_id"], e["details"]) for e in trail] == [
        ("youths_shown", officer.id, {"via": "referral", "via_ids": [referral_id]}),
        ("youths_linked", officer.id, {"via": "referral", "via_ids": [referral_id]}),
    ]


def test_a_partner_referral_matched_on_submission_is_in_the_childs_trail(
    app, client, make_partner, auditor
):
    youth_id = add_youth(app, date_of_birth=date(2010, 5, 1))
    partner = make_partner()
    headers = {**partner.headers, "Idempotency-Key": "k-1"}
    response = client.post(URL, json=partner_body(), headers=headers)
    assert response.status_code == 201, response.get_json()
    assert referral_row(app, response.get_json()["id"])["youth_id"] == youth_id
    [linked] = youth_trail(client, auditor, youth_id)
    assert (linked["action"], linked["actor_type"], linked["actor_id"]) == (
        "youths_linked",
        "partner",
        partner.id,
    )
    assert linked["details"] == {"via": "referral", "via_ids": [response.get_json()["id"]]}
    # The partner's replayed answer names no young person, so it shows none.
    assert client.post(URL, json=partner_body(), headers=headers).status_code == 201
    assert len(youth_trail(client, auditor, youth_id)) == 1


def _nothing_written(app) -> None:
    assert count_rows(app) == 0
    assert audit_actions(app, action="referral_created") == []


OFFICER_BAD_INPUT = [
    ({"to_agency": "NOPE"}, 422, "to_agency"),
    ({"to_agency": "MPS"}, 422, "to_agency"),  # police receive no referrals
    ({"reason_codes": ["no_such_reason"]}, 422, "reason_codes.0"),
    ({"reason_codes": []}, 422, "reason_codes"),
    ({"reason_codes": ["county_lines", "county_lines"]}, 422, "reason_codes"),
    ({"urgency": "whenever"}, 422, "urgency"),
    ({"summary": "   "}, 422, "summary"),
    ({"summary": "x" * 4001}, 422, "summary"),
    ({"lawful_basis": "because"}, 422, "lawful_basis"),
    ({"lawful_basis": "consent"}, 422, "consent"),
    ({"lawful_basis": "consent", "consent": False}, 422, "consent"),
    ({"consent": "yes"}, 422, "consent"),
    # 1 and 1.0 equal True in Python: neither may stand for a consent nobody gave.
    ({"lawful_basis": "consent", "consent": 1}, 422, "consent"),
    ({"lawful_basis": "consent", "consent": 1.0}, 422, "consent"),
    ({"lawful_basis": "consent", "consent": "true"}, 422, "consent"),
    ({"consent": 0}, 422, "consent"),
    ({"youth_id": "12"}, 422, "youth_id"),
    ({"from_agency": "UNKNOWN"}, 422, "from_agency"),
    ({"from_agency": "YOT"}, 403, "from_agency"),
    ({"borough": "RBKC"}, 422, "borough"),
    ({"colour": "red"}, 422, "colour"),
]


def _refused(response, status: int, field: str, case: object) -> None:
    errors = (response.get_json() or {}).get("errors", {})
    assert (response.status_code, field in errors) == (status, True), (case, response.get_json())
    assert_problem(response, status, field)


def test_officer_bad_input_is_refused_and_nothing_written(app, client, officer):
    youth_id = add_youth(app)
    for change, status, field in OFFICER_BAD_INPUT:
        body = {**officer_body(youth_id), **change}
        _refused(client.post(URL, json=body, headers=officer.headers), status, field, change)
        _nothing_written(app)


def test_officer_cannot_refer_to_their_own_agency(app, client, make_user):
    igxu = make_user("officer", "IGXU")
    body = officer_body(add_youth(app), to_agency="IGXU")
    assert_problem(client.post(URL, json=body, headers=igxu.headers), 422, "to_agency")
    _nothing_written(app)


def test_youth_outside_the_officers_boroughs_is_no_such_youth(app, client, officer):
    elsewhere = add_youth(app, borough="RBKC", ward="abingdon")
    body = officer_body(elsewhere)
    assert_problem(client.post(URL, json=body, headers=officer.headers), 422, "youth_id")
    assert_problem(
        client.post(URL, json=officer_body(999_999), headers=officer.headers), 422, "youth_id"
    )
    _nothing_written(app)


def test_youth_id_and_subject_are_exclusive_and_one_is_needed(app, client, officer):
    body = officer_body(add_youth(app), subject=partner_body()["subject"])
    assert_problem(client.post(URL, json=body, headers=officer.headers), 422, "youth_id")
    body = officer_body(None)
    del body["youth_id"]
    assert_problem(client.post(URL, json=body, headers=officer.headers), 422, "youth_id")
    _nothing_written(app)


PARTNER_BAD_INPUT = [
    ({"to_agency": "YOT"}, 403, "to_agency"),  # not in the partner's allowed list
    ({"to_agency": "ELSEWHERE"}, 422, "to_agency"),
    ({"borough": "RBKC"}, 403, "borough"),
    ({"borough": None}, 422, "borough"),
    ({"from_agency": "MASH"}, 422, "from_agency"),
    ({"youth_id": 1}, 422, "youth_id"),
    ({"subject": {"first_name": "A"}}, 422, "subject.last_name"),
    (
        {"subject": {"first_name": "A", "last_name": "B", "date_of_birth": "2031-01-01"}},
        422,
        "subject.date_of_birth",
    ),
    (
        {"subject": {"first_name": "A", "last_name": "B", "date_of_birth": "1980-01-01"}},
        422,
        "subject.date_of_birth",
    ),
    (
        {
            "subject": {
                "first_name": "A",
                "last_name": "B",
                "date_of_birth": "2010-01-01",
                "nhs_number": "12",
            }
        },
        422,
        "subject.nhs_number",
    ),
    ({"reason_codes": "county_lines"}, 422, "reason_codes"),
    ({"unexpected": True}, 422, "unexpected"),
]


def test_partner_bad_input_is_refused_and_nothing_written(app, client, make_partner):
    partner = make_partner(agencies=["MASH"])
    for n, (change, status, field) in enumerate(PARTNER_BAD_INPUT):
        body = {k: v for k, v in partner_body(**change).items() if v is not None}
        headers = {**partner.headers, "Idempotency-Key": f"bad-input-{n}"}
        _refused(client.post(URL, json=body, headers=headers), status, field, change)
        _nothing_written(app)


def test_partner_body_of_the_wrong_shape(app, client, make_partner):
    partner = make_partner()
    headers = {**partner.headers, "Idempotency-Key": "shape"}
    assert_problem(client.post(URL, json=["a", "list"], headers=headers), 422)
    response = client.post(
        URL, data="{not json", headers={**headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 400)
    response = client.post(URL, data="a=b", headers={**headers, "Content-Type": "text/plain"})
    assert_problem(response, 415)
    _nothing_written(app)


def test_subject_with_several_or_no_matches_waits_unmatched(app, client, make_partner):
    add_youth(app, date_of_birth=date(2010, 5, 1))
    add_youth(app, date_of_birth=date(2010, 5, 1))  # two records: ambiguous
    solo = add_youth(app, first_name="Solo", name_key="person solo", date_of_birth=date(2011, 1, 1))
    add_youth(
        app,
        borough="RBKC",
        ward="abingdon",
        first_name="Other",
        name_key="person other",
        date_of_birth=date(2011, 1, 1),
    )
    partner = make_partner()
    cases = [
        ({"first_name": "Test", "last_name": "Person", "date_of_birth": "2010-05-01"}, None),
        ({"first_name": "Solo", "last_name": "Person", "date_of_birth": "2011-01-02"}, None),
        ({"first_name": "Other", "last_name": "Person", "date_of_birth": "2011-01-01"}, None),
        ({"first_name": " solo ", "last_name": "PERSON", "date_of_birth": "2011-01-01"}, solo),
    ]
    for n, (subject, expected) in enumerate(cases):
        headers = {**partner.headers, "Idempotency-Key": f"match-{n}"}
        response = client.post(URL, json=partner_body(subject=subject), headers=headers)
        assert response.status_code == 201
        assert referral_row(app, response.get_json()["id"])["youth_id"] == expected, subject
