"""Input the database cannot hold is a 422 naming the field, on every route; never a 500.

NUL characters (PostgreSQL refuses them in text) and unpaired surrogates (not encodable
as UTF-8) are refused before any schema or service runs; ids beyond 32 bits, instants
beyond the calendar and periods beyond the statistics' arithmetic are refused by type.
A boolean in a body is JSON true or false, never a number or a word standing for one.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import marshmallow as ma
import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.extensions import db
from sywc.openapi import StrictParser
from sywc.partners.service import create_partner_client
from tests import factories
from tests.conftest import assert_problem

BAD = "«BAD»"  # replaced by each unstorable string in turn
UNSTORABLE = {"nul": "before\x00after", "surrogate": "before\ud800after"}
TABLES = (
    "audit_events",
    "youths",
    "incidents",
    "referrals",
    "referral_transitions",
    "pvs_meetings",
    "pvs_actions",
    "visits",
    "users",
    "partner_clients",
)


def _counts(app: Any) -> dict[str, int]:
    with app.app_context():
        return {
            table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) for table in TABLES
        }


@pytest.fixture
def scene(app, make_user, admin, auditor):
    """A WCC record of each kind, its officer and chair, an admin and an auditor."""
    officer = make_user("officer", "MPS")
    chair = make_user("senior_officer", "MPS")
    with app.app_context():
        youth = factories.youth(lead_officer_id=officer.id)
        referral = factories.referral(youth_id=youth.id, created_by_id=officer.id)
        incident = factories.incident(created_by_id=officer.id)
        meeting = factories.meeting(incident_id=incident.id, chair_id=chair.id)
        action = factories.action(
            meeting_id=meeting.id, owner_id=officer.id, created_by_id=officer.id
        )
        db.session.commit()
        ids = {
            "youth": youth.id,
            "referral": referral.id,
            "incident": incident.id,
            "meeting": meeting.id,
            "action": action.id,
        }
    accounts = {"officer": officer, "chair": chair, "admin": admin, "auditor": auditor}
    return ids, accounts


def _referral(**changes: Any) -> dict[str, Any]:
    body = {
        "borough": "WCC",
        "subject": {"first_name": "Sam", "last_name": "Example", "date_of_birth": "2010-05-01"},
        "to_agency": "IGXU",
        "reason_codes": ["criminal_exploitation"],
        "urgency": "standard",
        "summary": "Concern",
        "lawful_basis": "public_task",
    }
    body.update(changes)
    return body


def _incident(**changes: Any) -> dict[str, Any]:
    body = {
        "borough": "WCC",
        "occurred_at": (clock.utcnow() - timedelta(hours=1)).isoformat(),
        "type": "stabbing",
        "ward": "church_street",
        "summary": "A stabbing",
    }
    body.update(changes)
    return body


# (who, method, path, body with BAD somewhere, the field the 422 must name)
BODIES = [
    ("officer", "POST", "/api/v1/incidents", _incident(summary=BAD), "summary"),
    ("officer", "POST", "/api/v1/incidents", _incident(location=BAD), "location"),
    ("officer", "PATCH", "/api/v1/incidents/{incident}", {"summary": BAD}, "summary"),
    ("officer", "POST", "/api/v1/referrals", _referral(summary=BAD), "summary"),
    (
        "officer",
        "POST",
        "/api/v1/referrals",
        _referral(subject={"first_name": BAD, "last_name": "X", "date_of_birth": "2010-05-01"}),
        "subject.first_name",
    ),
    (
        "officer",
        "POST",
        "/api/v1/referrals",
        _referral(external_reference=BAD),
        "external_reference",
    ),
    (
        "officer",
        "POST",
        "/api/v1/referrals/{referral}/transitions",
        {"action": "withdraw", "reason": BAD},
        "reason",
    ),
    ("officer", "PATCH", "/api/v1/youths/{youth}", {"address": BAD}, "address"),
    (
        "officer",
        "POST",
        "/api/v1/youths/{youth}/visits",
        {
            "visited_at": "2020-01-01T10:00:00+00:00",
            "officer_ids": [1],
            "outcome": "seen",
            "notes": BAD,
        },
        "notes",
    ),
    (
        "officer",
        "PATCH",
        "/api/v1/pvs-actions/{action}",
        {"status": "done", "completion_note": BAD},
        "completion_note",
    ),
    ("chair", "PATCH", "/api/v1/pvs-meetings/{meeting}", {"decisions": BAD}, "decisions"),
    (
        "chair",
        "PATCH",
        "/api/v1/pvs-meetings/{meeting}",
        {"attendees": [{"name": "Ann", "agency": "MPS"}, {"name": BAD, "agency": "MPS"}]},
        "attendees.1.name",
    ),
    (
        "chair",
        "PATCH",
        "/api/v1/pvs-meetings/{meeting}",
        {"community_messaging": {"holding_message": BAD}},
        "community_messaging.holding_message",
    ),
    (
        "chair",
        "POST",
        "/api/v1/pvs-meetings/{meeting}/actions",
        {"description": BAD, "owner_id": 1, "due_on": "2999-01-01", "type": "engage"},
        "description",
    ),
    (
        "admin",
        "POST",
        "/api/v1/users",
        {
            "username": "newuser",
            "password": "x" * 20,
            "name": BAD,
            "role": "auditor",
            "boroughs": ["WCC"],
        },
        "name",
    ),
    (
        "admin",
        "POST",
        "/api/v1/partner-clients",
        {
            "name": BAD,
            "scopes": ["referrals:write"],
            "allowed_agencies": ["MASH"],
            "boroughs": ["WCC"],
        },
        "name",
    ),
    (None, "POST", "/api/v1/auth/login", {"username": BAD, "password": "x"}, "username"),
]


def _fill(value: Any, text: Any) -> Any:
    if value == BAD:
        return text
    if isinstance(value, dict):
        return {key: _fill(item, text) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, text) for item in value]
    return value


@pytest.mark.parametrize("kind", sorted(UNSTORABLE))
def test_unstorable_text_in_a_body_is_422_naming_the_field(app, client, scene, kind):
    ids, accounts = scene
    before = _counts(app)
    for who, method, path, body, field in BODIES:
        headers = {"If-Match": '"1"', **(accounts[who].headers if who else {})}
        # json.dumps escapes the surrogate as \ud800, as a client's JSON library would.
        response = client.open(
            path.format(**ids),
            method=method,
            data=json.dumps(_fill(body, UNSTORABLE[kind])),
            content_type="application/json",
            headers=headers,
        )
        assert_problem(response, 422, field)
    assert _counts(app) == before


QUERIES = [
    ("officer", "/api/v1/youths?q=a%00b", "q"),
    ("officer", "/api/v1/referrals?external_reference=a%00b", "external_reference"),
    ("officer", "/api/v1/referrals?status=submitted&status=a%00b", "status.1"),
    ("auditor", "/api/v1/audit-events?action=a%00b", "action"),
    ("auditor", "/api/v1/audit-events?record_type=a%00b&record_id=1", "record_type"),
]


def _youth(**changes: Any) -> dict[str, Any]:
    body = {
        "first_name": "Sam",
        "last_name": "Example",
        "date_of_birth": (clock.today() - timedelta(days=16 * 366)).isoformat(),
        "gender": "male",
        "ward": "church_street",
        "lead_agency": "MPS",
        "lead_officer_id": 1,
        "rag": "amber",
        "rag_rationale": "A rationale of twenty characters or more",
    }
    body.update(changes)
    return body


# (who, method, path, body with BAD where a JSON boolean belongs, the field the 422 must name)
FLAGS = [
    (
        "officer",
        "POST",
        "/api/v1/referrals",
        _referral(lawful_basis="consent", consent=BAD),
        "consent",
    ),
    (
        "officer",
        "POST",
        "/api/v1/referrals/{referral}/transitions",
        {"action": "accept", "make_lead": BAD},
        "make_lead",
    ),
    (
        "officer",
        "POST",
        "/api/v1/youths",
        _youth(borough="WCC", cohort_reason="at_risk", confirm_duplicate=BAD),
        "confirm_duplicate",
    ),
    (
        "officer",
        "POST",
        "/api/v1/youths/{youth}/visits",
        {
            "visited_at": (clock.utcnow() - timedelta(hours=1)).isoformat(),
            "officer_ids": [1],
            "outcome": "seen",
            "restricted": BAD,
        },
        "restricted",
    ),
    (
        "officer",
        "POST",
        "/api/v1/incidents/{incident}/involvements",
        {
            "new_youth": _youth(),
            "role": "victim",
            "cohort_reason": "at_risk",
            "confirm_reason": BAD,
        },
        "confirm_reason",
    ),
    (
        "officer",
        "POST",
        "/api/v1/incidents/{incident}/involvements",
        {
            "new_youth": _youth(confirm_duplicate=BAD),
            "role": "victim",
            "cohort_reason": "victim",
        },
        "new_youth.confirm_duplicate",
    ),
    (
        "chair",
        "POST",
        "/api/v1/incidents/{incident}/pvs-meetings",
        {
            "held_at": (clock.utcnow() - timedelta(hours=1)).isoformat(),
            "chair_id": 1,
            "community_messaging": {"community_meeting_needed": BAD},
        },
        "community_messaging.community_meeting_needed",
    ),
    (
        "chair",
        "PATCH",
        "/api/v1/pvs-meetings/{meeting}",
        {"community_messaging": {"community_meeting_needed": BAD}},
        "community_messaging.community_meeting_needed",
    ),
    ("admin", "PATCH", "/api/v1/users/{user}", {"active": BAD}, "active"),
    ("admin", "PATCH", "/api/v1/users/{user}", {"unlock": BAD}, "unlock"),
    ("admin", "PATCH", "/api/v1/partner-clients/{partner}", {"active": BAD}, "active"),
    (
        None,
        "POST",
        "/api/v1/auth/login",
        {"username": "nobody", "password": "x", "use_cookies": BAD},
        "use_cookies",
    ),
]


def _json_flags(spec: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> set[str]:
    """Name every boolean member a request body schema declares, nested ones dotted."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    names: set[str] = set()
    for part in schema.get("allOf", []):
        names |= _json_flags(spec, part, prefix)
    for key, member in schema.get("properties", {}).items():
        if member.get("type") == "boolean":
            names.add(prefix + key)
        else:
            names |= _json_flags(spec, member, f"{prefix}{key}.")
    return names


def test_every_json_boolean_of_a_request_body_is_in_the_table(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    declared = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            for name in _json_flags(spec, body["schema"]) if body else ():
                declared.add((method.upper(), _template(path), name))
    assert declared == {(method, _template(path), field) for _, method, path, _, field in FLAGS}


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


# JSON has real booleans: anything else where one belongs is a client's bug to report,
# and 1 or "yes" must never stand for consent to share a child's data.
NOT_BOOLEANS = [1, 0, 1.0, 0.0, "true", "yes", "1", "on", [], {}]


def _places(app: Any, scene: Any) -> dict[str, int]:
    """The scene's record ids, an officer's user id and a new partner client's id."""
    ids, accounts = scene
    with app.app_context():
        partner = create_partner_client(
            name="School",
            scopes=["referrals:write"],
            allowed_agencies=["MASH"],
            boroughs=["WCC"],
            now=clock.utcnow(),
        ).id
        db.session.commit()
    return {**ids, "user": accounts["officer"].id, "partner": partner}


def test_a_json_boolean_takes_only_true_or_false(app, client, scene):
    places, accounts = _places(app, scene), scene[1]
    before = _counts(app)
    for who, method, path, body, field in FLAGS:
        headers = {"If-Match": '"1"', **(accounts[who].headers if who else {})}
        for value in NOT_BOOLEANS:
            response = client.open(
                path.format(**places), method=method, json=_fill(body, value), headers=headers
            )
            assert response.status_code == 422, (path, field, value, response.get_json())
            assert_problem(response, 422, field)
    assert _counts(app) == before


# Every PATCH route: (who, path, the table holding the record's version)
PATCHES = {
    "youths.update_youth": ("officer", "/api/v1/youths/{youth}", "youths"),
    "incidents.update_incident": ("officer", "/api/v1/incidents/{incident}", "incidents"),
    "pvs.update_meeting": ("chair", "/api/v1/pvs-meetings/{meeting}", "pvs_meetings"),
    "pvs.update_action": ("officer", "/api/v1/pvs-actions/{action}", "pvs_actions"),
    "users.update_user": ("admin", "/api/v1/users/{user}", "users"),
    "partners.update_partner_client": (
        "admin",
        "/api/v1/partner-clients/{partner}",
        "partner_clients",
    ),
}


def _versions(app: Any) -> dict[str, list[int]]:
    with app.app_context():
        return {
            table: list(db.session.scalars(sa.text(f"SELECT version FROM {table} ORDER BY id")))
            for _, _, table in PATCHES.values()
        }


def test_an_empty_patch_is_422_and_changes_nothing(app, client, scene):
    places, accounts = _places(app, scene), scene[1]
    patched = {r.endpoint for r in app.url_map.iter_rules() if "PATCH" in (r.methods or ())}
    assert patched == set(PATCHES)
    before, versions = _counts(app), _versions(app)
    for who, path, _ in PATCHES.values():
        headers = {**accounts[who].headers, "If-Match": '"1"'}
        # An empty body would still bump the version and stale every other editor's ETag.
        response = client.patch(path.format(**places), json={}, headers=headers)
        field = "status" if "pvs-actions" in path else "_body"  # the one required change
        assert_problem(response, 422, field)
    meeting = f"/api/v1/pvs-meetings/{places['meeting']}"
    headers = {**accounts["chair"].headers, "If-Match": '"1"'}
    response = client.patch(meeting, json={"community_messaging": {}}, headers=headers)
    assert_problem(response, 422, "community_messaging._body")
    assert (_counts(app), _versions(app)) == (before, versions)


def test_nul_in_a_query_string_is_422_naming_the_parameter(app, client, scene):
    _, accounts = scene
    before = _counts(app)
    for who, path, field in QUERIES:
        assert_problem(client.get(path, headers=accounts[who].headers), 422, field)
    assert _counts(app) == before  # refused before the read is audited


def test_text_that_can_be_stored_is_still_taken_verbatim(app, client, scene):
    ids, accounts = scene
    text = "Line one\nTab\there; emoji \U0001f4a1 and a quote ' \" <b>"
    response = client.patch(
        f"/api/v1/incidents/{ids['incident']}",
        json={"summary": text},
        headers={**accounts["officer"].headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200
    assert response.get_json()["summary"] == text


def test_a_visit_time_beyond_the_calendar_is_422_not_500(app, client, scene):
    ids, accounts = scene
    officer = accounts["officer"]
    before = _counts(app)
    for moment in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        response = client.post(
            f"/api/v1/youths/{ids['youth']}/visits",
            json={"visited_at": moment, "officer_ids": [officer.id], "outcome": "not_home"},
            headers=officer.headers,
        )
        assert_problem(response, 422, "visited_at")
    assert _counts(app) == before


# Forms Python's ISO parser takes but no response uses: the basic form, an ISO week
# date (2026-W01-1 is 29 December 2025) and, for a time, one without its offset.
ODD_DATES = ("20260101", "2026-W01-1", "2026-01-01T00:00:00Z")
ODD_MOMENTS = ("20260301T183000Z", "2026-W09-7T18:30:00Z", "2026-03-01T18:30:00", "2026-03-01")


def test_dates_and_times_in_other_iso_forms_are_422_naming_the_field(app, client, scene):
    ids, accounts = scene
    officer = accounts["officer"]
    senior = accounts["chair"]
    before = _counts(app)
    for odd in ODD_DATES:
        body = _referral(subject={"first_name": "Sam", "last_name": "Ex", "date_of_birth": odd})
        response = client.post("/api/v1/referrals", json=body, headers=officer.headers)
        body = assert_problem(response, 422, "subject.date_of_birth")
        assert body["errors"]["subject.date_of_birth"] == [
            "Not a valid date; write it as YYYY-MM-DD."
        ]
        response = client.get(f"/api/v1/youths?due_before={odd}", headers=officer.headers)
        assert_problem(response, 422, "due_before")
        response = client.get(f"/api/v1/stats/cohort?from={odd}", headers=senior.headers)
        assert_problem(response, 422, "from")
    for odd in ODD_MOMENTS:
        response = client.post(
            f"/api/v1/youths/{ids['youth']}/visits",
            json={"visited_at": odd, "officer_ids": [officer.id], "outcome": "not_home"},
            headers=officer.headers,
        )
        assert_problem(response, 422, "visited_at")
        response = client.post(
            "/api/v1/incidents", json=_incident(occurred_at=odd), headers=officer.headers
        )
        assert_problem(response, 422, "occurred_at")
    assert _counts(app) == before
    # The forms every response uses are taken.
    response = client.get("/api/v1/stats/cohort?from=2026-01-01", headers=senior.headers)
    assert response.status_code == 200


def _fields(schema: Any, seen: set[int]) -> list[tuple[str, ma.fields.Field]]:
    schema = schema() if isinstance(schema, type) else schema
    if id(type(schema)) in seen:
        return []
    seen.add(id(type(schema)))
    found = []
    for name, field in schema.fields.items():
        found.append((name, field))
        inner = getattr(field, "inner", None)
        nested = getattr(inner or field, "schema", None)
        if isinstance(nested, ma.Schema):
            found += [(f"{name}.{n}", f) for n, f in _fields(nested, seen)]
    return found


def test_every_date_a_request_takes_is_read_in_the_one_form(app):
    bare = (ma.fields.Date, ma.fields.DateTime, ma.fields.AwareDateTime, ma.fields.NaiveDateTime)
    read = []
    for endpoint, view in app.view_functions.items():
        for argument in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
            for name, field in _fields(argument["schema"], set()):
                if isinstance(field, bare) and not field.dump_only:
                    read.append((endpoint, name, type(field).__name__))
    assert read
    assert {kind for _, _, kind in read} == {"Day", "Moment"}, read


@pytest.mark.parametrize("big", [2**31, 2**63, 2**70])
def test_ids_beyond_32_bits_are_422_naming_the_field(app, client, scene, big):
    ids, accounts = scene
    officer, auditor = accounts["officer"], accounts["auditor"]
    body = _referral(youth_id=big)
    del body["subject"], body["borough"]
    assert_problem(
        client.post("/api/v1/referrals", json=body, headers=officer.headers), 422, "youth_id"
    )
    match = f"/api/v1/referrals/{ids['referral']}/match"
    assert_problem(
        client.post(match, json={"youth_id": big}, headers=officer.headers), 422, "youth_id"
    )
    for path, field, who in (
        (f"/api/v1/referrals?youth_id={big}", "youth_id", officer),
        (f"/api/v1/alerts?youth_id={big}", "youth_id", officer),
        (f"/api/v1/audit-events?actor_id={big}", "actor_id", auditor),
    ):
        assert_problem(client.get(path, headers=who.headers), 422, field)


STATS = ("cohort", "visits", "referrals", "incidents", "pvs", "overlap", "disproportionality")


@pytest.mark.parametrize("role", ["senior_officer", "board_member"])
def test_statistics_periods_beyond_the_calendar_are_422_not_500(client, make_user, role):
    account = make_user(role, "MPS")
    for name in STATS:
        for query, field in (
            ("to=9999-12-31", "to"),
            ("from=0001-01-01&to=0001-03-31", "from"),
            ("from=9999-10-01&to=9999-12-31", "to"),
        ):
            response = client.get(f"/api/v1/stats/{name}?{query}", headers=account.headers)
            assert_problem(response, 422, field)
        # The bounds themselves are served (no record is dated there; nothing overflows).
        response = client.get(
            f"/api/v1/stats/{name}?from=1900-01-01&to=1900-03-31", headers=account.headers
        )
        assert response.status_code == 200, name


def test_partner_client_lists_are_bounded(app, client, admin):
    created = client.post(
        "/api/v1/partner-clients",
        json={
            "name": "School",
            "scopes": ["referrals:write"],
            "allowed_agencies": ["MASH"],
            "boroughs": ["WCC"],
        },
        headers=admin.headers,
    ).get_json()
    path = f"/api/v1/partner-clients/{created['id']}"
    headers = {**admin.headers, "If-Match": f'"{created["version"]}"'}
    for field, value in (("scopes", "referrals:write"), ("allowed_agencies", "MASH")):
        response = client.patch(path, json={field: [value] * 1000}, headers=headers)
        assert_problem(response, 422, field)


def test_json_nested_past_the_decoder_is_400_not_500(app, client, scene):
    _, accounts = scene
    before = _counts(app)
    for depth in (5_000, 100_000):
        raw = '{"summary": ' + "[" * depth + "]" * depth + "}"
        response = client.post(
            "/api/v1/incidents",
            data=raw,
            content_type="application/json",
            headers=accounts["officer"].headers,
        )
        assert_problem(response, 400)
    assert _counts(app) == before


def test_a_structure_too_deep_to_inspect_is_refused_whole():
    deep: list[Any] = []
    for _ in range(5_000):
        deep = [deep]
    with pytest.raises(ma.ValidationError) as refused:
        StrictParser().pre_load({"summary": deep}, schema=ma.Schema(), req=None, location="json")
    assert refused.value.messages == {"_body": ["Nested too deeply."]}


def test_a_repeated_filter_is_bounded(client, scene):
    _, accounts = scene
    query = "&".join(["status=open"] * 4)
    response = client.get(f"/api/v1/alerts?{query}", headers=accounts["officer"].headers)
    assert_problem(response, 422, "status")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("rag=red&rag=green", "rag"),
        ("limit=10&limit=500", "limit"),
        ("page=1&page=0", "page"),
        ("sort=name&sort=bogus", "sort"),
        ("borough=WCC&q=a&borough=WCC", "borough"),
    ],
)
def test_a_single_valued_parameter_given_twice_is_422_naming_it(client, scene, query, field):
    _, accounts = scene
    response = client.get(f"/api/v1/youths?{query}", headers=accounts["officer"].headers)
    body = assert_problem(response, 422, field)
    assert body["errors"][field] == ["Given more than once; send one value."]


def test_a_list_filter_still_takes_several_values(client, scene):
    _, accounts = scene
    response = client.get(
        "/api/v1/alerts?status=open&status=acknowledged", headers=accounts["officer"].headers
    )
    assert response.status_code == 200


def test_a_pattern_takes_the_whole_value_not_up_to_a_final_newline(app, client, scene):
    _, accounts = scene
    officer, admin = accounts["officer"], accounts["admin"]
    before = _counts(app)
    # `owner` is `me` or a user id; "me\n" was taken as an id and raised (500).
    response = client.get("/api/v1/pvs-actions?owner=me%0A", headers=officer.headers)
    assert_problem(response, 422, "owner")
    user = {
        "username": "new.officer\n",
        "password": "a-long-unusual-phrase-77",
        "name": "New Officer",
        "role": "officer",
        "agency": "YOT",
        "boroughs": ["WCC"],
    }
    assert_problem(client.post("/api/v1/users", json=user, headers=admin.headers), 422, "username")
    # An NHS number is ten ASCII digits: not other scripts' digits, nor a trailing newline.
    for nhs_number in (
        "1234567890\n",
        "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660",
    ):
        subject = {**_referral()["subject"], "nhs_number": nhs_number}
        response = client.post(
            "/api/v1/referrals", json=_referral(subject=subject), headers=officer.headers
        )
        assert_problem(response, 422, "subject.nhs_number")
    subject = {**_referral()["subject"], "postcode": "W2 1AA\n"}
    response = client.post(
        "/api/v1/referrals", json=_referral(subject=subject), headers=officer.headers
    )
    assert_problem(response, 422, "subject.postcode")
    assert _counts(app) == before
    assert client.get("/api/v1/pvs-actions?owner=me", headers=officer.headers).status_code == 200


def test_no_pattern_a_request_is_checked_against_ends_at_a_newline(app):
    patterns = []
    for view in app.view_functions.values():
        for argument in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
            for name, field in _fields(argument["schema"], set()):
                for check in (*field.validators, *getattr(field, "inner", field).validators):
                    if isinstance(check, ma.validate.Regexp):
                        patterns.append((name, check.regex.pattern))
    assert {name for name, _ in patterns} >= {"owner", "username", "subject.nhs_number"}
    # `$` also matches before a final newline; `\Z` only at the very end.
    assert [(name, p) for name, p in patterns if p.endswith("$")] == []
