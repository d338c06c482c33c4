"""Reference data: served whole to every signed-in role, from the deployment's lists."""

from __future__ import annotations

import pytest

from config.reference import AGENCY_CODES, BOROUGH_CODES, COHORT_CODES, FLAG_CODES, REASON_CODES
from tests.conftest import assert_problem

LISTS = ["/boroughs", "/agencies", "/wards", "/reason-codes", "/cohorts", "/flags", "/ethnicities"]


def _codes(client, account, path):
    response = client.get(f"/api/v1{path}", headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return [item["code"] for item in response.get_json()["items"]]


def test_boroughs_and_agencies(client, officer):
    assert _codes(client, officer, "/boroughs") == list(BOROUGH_CODES)
    assert _codes(client, officer, "/agencies") == list(AGENCY_CODES)
    boroughs = client.get("/api/v1/boroughs", headers=officer.headers).get_json()["items"]
    assert {b["code"]: b["ward_count"] for b in boroughs} == {"WCC": 18, "RBKC": 18}
    mps = client.get("/api/v1/agencies", headers=officer.headers).get_json()["items"][0]
    assert mps == {
        "code": "MPS",
        "name": "Metropolitan Police Service",
        "receives_referrals": False,
    }


def test_wards_all_or_by_borough(client, officer):
    assert len(_codes(client, officer, "/wards")) == 36
    wcc = client.get("/api/v1/wards?borough=WCC", headers=officer.headers).get_json()["items"]
    assert len(wcc) == 18
    assert {w["borough"] for w in wcc} == {"WCC"}
    assert {"code": "queens_park", "name": "Queen's Park", "borough": "WCC"} in wcc
    assert "golborne" in _codes(client, officer, "/wards?borough=RBKC")


def test_code_lists(client, officer):
    assert _codes(client, officer, "/reason-codes") == list(REASON_CODES)
    assert set(_codes(client, officer, "/cohorts")) == COHORT_CODES
    assert set(_codes(client, officer, "/flags")) == FLAG_CODES
    assert "black" in _codes(client, officer, "/ethnicities")


def test_bad_queries_are_422(client, officer):
    assert_problem(client.get("/api/v1/wards?borough=XYZ", headers=officer.headers), 422, "borough")
    assert_problem(client.get("/api/v1/boroughs?limit=5", headers=officer.headers), 422, "limit")


@pytest.mark.parametrize("path", LISTS)
def test_anonymous_is_401(client, path):
    assert_problem(client.get(f"/api/v1{path}"), 401)


@pytest.mark.parametrize("role", ["board_member", "auditor", "admin", "senior_officer"])
def test_every_role_reads_reference_data(client, make_user, role):
    account = make_user(role, "YOT")
    for path in LISTS:
        assert client.get(f"/api/v1{path}", headers=account.headers).status_code == 200, path


def test_officer_directory_lists_active_officers_of_your_boroughs(client, make_user, admin):
    me = make_user("officer", "MPS", name="Alex Officer")
    colleague = make_user("senior_officer", "IGXU", name="Blake Senior")
    make_user("officer", "YOT", boroughs=["RBKC"], name="Casey Elsewhere")
    response = client.get("/api/v1/officers", headers=me.headers)
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [(o["id"], o["agency"]) for o in items] == [(me.id, "MPS"), (colleague.id, "IGXU")]
    assert "username" not in items[0]
    igxu = client.get("/api/v1/officers?agency=IGXU", headers=me.headers).get_json()["items"]
    assert [o["id"] for o in igxu] == [colleague.id]
    rbkc = client.get("/api/v1/officers?borough=RBKC", headers=me.headers).get_json()["items"]
    assert rbkc == []  # not one of my boroughs
    assert_problem(client.get("/api/v1/officers", headers=admin.headers), 403)
    assert_problem(client.get("/api/v1/officers"), 401)
