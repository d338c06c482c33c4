"""The issue's bad-input list: each is a 4xx problem naming the field, and writes nothing."""

from __future__ import annotations

from datetime import timedelta

from sywc import clock
from tests.conftest import assert_problem
from tests.youths.helpers import create_youth, row_counts, years_ago, youth_payload

BAD_YOUTHS = [
    ({"date_of_birth": years_ago(9).isoformat()}, "date_of_birth"),
    ({"date_of_birth": years_ago(26).isoformat()}, "date_of_birth"),
    ({"date_of_birth": (clock.today() + timedelta(days=1)).isoformat()}, "date_of_birth"),
    ({"ward": "atlantis"}, "ward"),
    ({"ward": "golborne"}, "ward"),  # a real ward, of the other borough
    ({"lead_agency": "FBI"}, "lead_agency"),
    ({"rag": "purple"}, "rag"),
    ({"cohort_reason": "suspicious"}, "cohort_reason"),
    ({"gender": "unknown"}, "gender"),
    ({"ethnicity": "martian"}, "ethnicity"),
    ({"flags": ["not_a_flag"]}, "flags.0"),
    ({"flags": ["weapon", "weapon"]}, "flags"),
    ({"other_cohorts": ["NOPE"]}, "other_cohorts.0"),
    ({"first_name": "x" * 10_000}, "first_name"),
    ({"last_name": ""}, "last_name"),
    ({"last_name": "   "}, "last_name"),
    ({"address": "a" * 501}, "address"),
    ({"rag_rationale": ""}, "rag_rationale"),
    ({"rag_rationale": " " * 40}, "rag_rationale"),
    ({"rag_rationale": "too short"}, "rag_rationale"),
    ({"rag_rationale": "nul \x00 in the middle of a long rationale"}, "rag_rationale"),
    ({"favourite_colour": "blue"}, "favourite_colour"),
    ({"lead_officer_id": "12"}, "lead_officer_id"),
    ({"lead_officer_id": 999_999}, "lead_officer_id"),
    ({"borough": "LBX"}, "borough"),
]


def test_bad_youth_is_rejected_naming_the_field_and_writes_nothing(app, client, officer):
    before = row_counts(app)
    for overrides, field in BAD_YOUTHS:
        body = {**youth_payload(officer.id), **overrides}
        response = client.post("/api/v1/youths", json=body, headers=officer.headers)
        assert_problem(response, 422, field)
    assert row_counts(app) == before


REQUIRED = [
    "borough",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "ward",
    "lead_agency",
    "lead_officer_id",
    "cohort_reason",
    "rag",
    "rag_rationale",
]


def test_missing_required_field_is_named(app, client, officer):
    before = row_counts(app)
    for missing in REQUIRED:
        body = youth_payload(officer.id)
        del body[missing]
        response = client.post("/api/v1/youths", json=body, headers=officer.headers)
        assert_problem(response, 422, missing)
    assert row_counts(app) == before


def test_lead_officer_must_be_an_active_officer_of_the_borough_and_agency(
    app, client, officer, make_user, admin
):
    other_borough = make_user("officer", "MPS", boroughs=["RBKC"])
    other_agency = make_user("officer", "YOT")
    before = row_counts(app)
    for candidate in (other_borough.id, other_agency.id, admin.id):
        response = client.post(
            "/api/v1/youths", json=youth_payload(candidate), headers=officer.headers
        )
        assert_problem(response, 422, "lead_officer_id")
    assert row_counts(app) == before


def test_age_limits_are_inclusive_of_ten_and_twenty_five(client, officer):
    create_youth(client, officer, date_of_birth=years_ago(10).isoformat(), first_name="Ten")
    create_youth(client, officer, date_of_birth=years_ago(25).isoformat(), first_name="Old")
    # The day before the 26th birthday is still 25.
    create_youth(
        client, officer, date_of_birth=years_ago(26, days=-1).isoformat(), first_name="Edge"
    )


def test_malformed_json_is_400_and_wrong_type_415(app, client, officer):
    before = row_counts(app)
    bad_json = client.post(
        "/api/v1/youths",
        data="{not json",
        headers={**officer.headers, "Content-Type": "application/json"},
    )
    assert_problem(bad_json, 400)
    form = client.post(
        "/api/v1/youths",
        data="a=b",
        headers={**officer.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_problem(form, 415)
    assert row_counts(app) == before


def test_bad_assessment_and_patch_write_nothing(app, client, officer):
    created = create_youth(client, officer)
    path = f"/api/v1/youths/{created['id']}"
    before = row_counts(app)
    cases = [
        ({"rating": "red", "rationale": ""}, "rationale"),
        ({"rating": "red"}, "rationale"),
        ({"rating": "crimson", "rationale": "A long enough rationale for the test."}, "rating"),
        (
            {
                "rating": "red",
                "rationale": "A long enough rationale for the test.",
                "assessed_on": (clock.today() + timedelta(days=1)).isoformat(),
            },
            "assessed_on",
        ),
        (
            {
                "rating": "red",
                "rationale": "A long enough rationale for the test.",
                "assessed_on": (clock.today() - timedelta(days=1)).isoformat(),
            },
            "assessed_on",  # before the record entered the cohort
        ),
    ]
    for body, field in cases:
        response = client.post(f"{path}/rag-assessments", json=body, headers=officer.headers)
        assert_problem(response, 422, field)
    headers = {**officer.headers, "If-Match": f'"{created["version"]}"'}
    for body, field in [
        ({"ward": "golborne"}, "ward"),
        ({"borough": "RBKC"}, "borough"),
        ({"rag": "red"}, "rag"),
        ({"status": "closed"}, "status"),
        ({"date_of_birth": years_ago(30).isoformat()}, "date_of_birth"),
        ({"last_name": "y" * 101}, "last_name"),
    ]:
        assert_problem(client.patch(path, json=body, headers=headers), 422, field)
    assert_problem(
        client.patch(
            path, json={"gender": "female"}, headers={**officer.headers, "If-Match": '"99"'}
        ),
        412,
    )
    assert_problem(
        client.patch(
            path, json={"gender": "female"}, headers={**officer.headers, "If-Match": "garbage"}
        ),
        412,
    )
    assert row_counts(app) == before


def test_unknown_query_parameter_and_bad_filter_are_422(client, officer):
    assert_problem(
        client.get("/api/v1/youths?rag_rating=red", headers=officer.headers), 422, "rag_rating"
    )
    assert_problem(client.get("/api/v1/youths?rag=pink", headers=officer.headers), 422, "rag")
    assert_problem(client.get("/api/v1/youths?sort=age", headers=officer.headers), 422, "sort")
    assert_problem(client.get("/api/v1/youths?limit=201", headers=officer.headers), 422, "limit")
