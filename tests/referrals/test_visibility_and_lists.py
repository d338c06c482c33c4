"""Who sees which referral (single reads and lists), the list filters, and their SQL cost."""

from __future__ import annotations

from datetime import timedelta

from sywc import clock
from tests.conftest import assert_problem, audit_actions
from tests.referrals.helpers import URL, add_referral, add_youth, partner_body

# (role, agency, boroughs) -> may see a WCC referral from MPS to IGXU about a youth led by YOT
VIEWERS = {
    "sender_officer": ("officer", "MPS", ["WCC"], True),
    "sender_senior": ("senior_officer", "MPS", ["WCC"], True),
    "receiver_officer": ("officer", "IGXU", ["WCC"], True),
    "receiver_two_boroughs": ("officer", "IGXU", ["RBKC", "WCC"], True),
    "lead_agency_officer": ("officer", "YOT", ["WCC"], True),
    "other_agency": ("officer", "CSC", ["WCC"], False),
    "other_agency_senior": ("senior_officer", "EARLY_HELP", ["WCC"], False),
    "receiver_other_borough": ("officer", "IGXU", ["RBKC"], False),
    "sender_other_borough": ("senior_officer", "MPS", ["RBKC"], False),
}


def test_visibility_matrix(app, client, make_user):
    youth_id = add_youth(app, lead_agency="YOT")
    referral_id = add_referral(app, youth_id=youth_id)
    # Seen by none of the viewers: another borough, other agencies.
    add_referral(app, youth_id=None, borough="RBKC", from_agency="CSC", to_agency="MASH")
    for viewer, (role, agency, boroughs, sees) in VIEWERS.items():
        account = make_user(role, agency, boroughs=boroughs)
        single = client.get(f"{URL}/{referral_id}", headers=account.headers)
        listed = client.get(URL, headers=account.headers).get_json()
        reads = audit_actions(app, action="referral_read", actor_id=account.id)
        if sees:
            assert single.status_code == 200, viewer
            assert single.get_json()["youth_id"] == youth_id
            assert single.headers["ETag"] == '"1"'
            assert [item["id"] for item in listed["items"]] == [referral_id], viewer
            assert [e.record_id for e in reads] == [str(referral_id)]
        else:
            assert single.status_code == 404, viewer
            assert_problem(single, 404)
            assert listed["items"] == [], viewer
            assert reads == []
        assert listed["total"] == len(listed["items"])


def test_lead_agency_visibility_follows_the_current_lead(app, client, make_user):
    youth_id = add_youth(app, lead_agency="CSC")
    referral_id = add_referral(app, youth_id=youth_id)
    yot = make_user("officer", "YOT")
    csc = make_user("officer", "CSC")
    assert_problem(client.get(f"{URL}/{referral_id}", headers=yot.headers), 404)
    assert client.get(f"{URL}/{referral_id}", headers=csc.headers).status_code == 200


def test_partner_sees_only_its_own_referrals(app, client, make_partner, make_user):
    mine, theirs = make_partner(), make_partner(name="Another school")
    own = client.post(
        URL, json=partner_body(), headers={**mine.headers, "Idempotency-Key": "a"}
    ).get_json()["id"]
    other = client.post(
        URL, json=partner_body(), headers={**theirs.headers, "Idempotency-Key": "a"}
    ).get_json()["id"]
    officers = add_referral(app, youth_id=add_youth(app))
    assert client.get(f"{URL}/{own}", headers=mine.headers).status_code == 200
    assert "ETag" not in client.get(f"{URL}/{own}", headers=mine.headers).headers
    assert_problem(client.get(f"{URL}/{other}", headers=mine.headers), 404)
    assert_problem(client.get(f"{URL}/{officers}", headers=mine.headers), 404)
    listed = client.get(URL, headers=mine.headers).get_json()
    assert [item["id"] for item in listed["items"]] == [own]
    reads = audit_actions(app, action="referral_read")
    assert [(e.actor_type, e.actor_id) for e in reads] == [("partner", mine.id)] * 2


def test_reads_name_the_young_people_shown_so_a_childs_reads_are_answerable(
    app, client, make_user, make_partner
):
    youth_id = add_youth(app)
    matched = add_referral(app, youth_id=youth_id)
    unmatched = add_referral(app, youth_id=None)
    officer = make_user("officer", "IGXU")
    assert client.get(f"{URL}/{matched}", headers=officer.headers).status_code == 200
    assert client.get(f"{URL}/{unmatched}", headers=officer.headers).status_code == 200
    assert len(client.get(URL, headers=officer.headers).get_json()["items"]) == 2
    shown = audit_actions(app, action="youths_shown", actor_id=officer.id)
    assert [(e.record_type, e.record_ids, e.details) for e in shown] == [
        ("youth", [str(youth_id)], {"via": "referral", "via_ids": [matched]}),
        ("youth", [str(youth_id)], {"via": "referral", "via_ids": sorted([matched, unmatched])}),
    ]
    # A partner's view names no young person, so its reads name none either.
    partner = make_partner()
    client.get(URL, headers=partner.headers)
    assert audit_actions(app, action="youths_shown", actor_type="partner") == []


def test_partner_cannot_filter_by_youth(app, client, make_partner):
    partner = make_partner()
    assert_problem(client.get(f"{URL}?youth_id=1", headers=partner.headers), 422, "youth_id")


def test_list_filters(app, client, make_user):
    igxu = make_user("officer", "IGXU")
    today = clock.today()
    youth_id = add_youth(app)
    overdue = add_referral(app, youth_id=youth_id, acknowledge_by=today - timedelta(days=1))
    due_today = add_referral(app, youth_id=None, acknowledge_by=today)
    acknowledged_late = add_referral(
        app, youth_id=None, status="acknowledged", acknowledge_by=today - timedelta(days=5)
    )
    outgoing = add_referral(app, youth_id=None, from_agency="IGXU", to_agency="YOT")

    def ids(query: str) -> list[int]:
        response = client.get(f"{URL}?{query}", headers=igxu.headers)
        assert response.status_code == 200, response.get_json()
        return sorted(item["id"] for item in response.get_json()["items"])

    assert ids("overdue=true") == [overdue]
    assert ids("overdue=false") == sorted([due_today, acknowledged_late, outgoing])
    assert ids("to_agency=IGXU") == sorted([overdue, due_today, acknowledged_late])
    assert ids("from_agency=IGXU") == [outgoing]
    assert ids("status=acknowledged") == [acknowledged_late]
    assert ids(f"youth_id={youth_id}") == [overdue]
    assert ids("borough=RBKC") == []
    assert ids("sort=acknowledge_by&limit=1") == [acknowledged_late]
    assert_problem(client.get(f"{URL}?status=lost", headers=igxu.headers), 422, "status")
    assert_problem(client.get(f"{URL}?colour=red", headers=igxu.headers), 422, "colour")
    event = audit_actions(app, action="referrals_listed")[0]
    assert sorted(int(i) for i in event.record_ids) == [overdue]
    assert event.details["filters"] == {"overdue": "True"}


def test_list_pages_with_constant_statements(app, client, make_user, count_statements):
    igxu = make_user("officer", "IGXU")
    for n in range(12):
        youth_id = add_youth(app, first_name=f"P{n}", name_key=f"person p{n}")
        add_referral(app, youth_id=youth_id, from_partner_id=None)
    with count_statements() as small:
        first = client.get(f"{URL}?limit=2", headers=igxu.headers)
    with count_statements() as large:
        whole = client.get(f"{URL}?limit=12", headers=igxu.headers)
    assert len(first.get_json()["items"]) == 2
    assert len(whole.get_json()["items"]) == 12
    assert first.get_json()["next_page"] == 2
    assert 'rel="next"' in first.headers["Link"]
    assert small.beyond_totals == large.beyond_totals
