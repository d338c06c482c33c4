"""/partner-clients: an admin registers, lists, changes, disables and rotates partner systems."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from sywc.auth.models import AuthSession, PartnerClient
from sywc.extensions import db
from tests.conftest import assert_problem, audit_actions
from tests.partners.helpers import TOKEN_URL, request_token

URL = "/api/v1/partner-clients"
NEW_CLIENT = {
    "name": "St Example's Academy",
    "scopes": ["referrals:write"],
    "allowed_agencies": ["MASH", "EARLY_HELP"],
    "boroughs": ["WCC"],
}


def _create(client, admin, **changes):
    response = client.post(URL, json={**NEW_CLIENT, **changes}, headers=admin.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _token_status(client, client_id, secret):
    return client.post(
        TOKEN_URL,
        json={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    ).status_code


def test_admin_creates_a_client_and_sees_the_secret_once(app, client, admin):
    created = _create(client, admin)
    assert created["client_secret"]
    assert len(created["client_secret"]) >= 43  # token_urlsafe(32)
    assert created["allowed_agencies"] == ["EARLY_HELP", "MASH"]
    assert created["active"] is True
    with app.app_context():
        row = db.session.get(PartnerClient, created["id"])
        assert row.secret_hash.startswith("$argon2id$")
        assert created["client_secret"] not in row.secret_hash
    shown = client.get(f"{URL}/{created['id']}", headers=admin.headers)
    assert shown.status_code == 200
    assert "client_secret" not in shown.get_json()
    assert shown.headers["ETag"] == '"1"'
    listed = client.get(URL, headers=admin.headers).get_json()
    assert [c["client_id"] for c in listed["items"]] == [created["client_id"]]
    assert "client_secret" not in listed["items"][0]
    assert _token_status(client, created["client_id"], created["client_secret"]) == 200
    events = audit_actions(app, action="partner_client_created")
    assert [(e.record_id, e.actor_id) for e in events] == [(str(created["id"]), admin.id)]
    assert created["client_secret"] not in json.dumps(events[0].details)


BAD_CLIENTS = [
    ({"scopes": ["everything"]}, "scopes.0"),
    ({"scopes": []}, "scopes"),
    ({"allowed_agencies": ["MPS"]}, "allowed_agencies.0"),
    ({"allowed_agencies": []}, "allowed_agencies"),
    ({"boroughs": ["XYZ"]}, "boroughs.0"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"client_secret": "my-own"}, "client_secret"),
]


def test_bad_client_input(app, client, admin):
    for change, field in BAD_CLIENTS:
        response = client.post(URL, json={**NEW_CLIENT, **change}, headers=admin.headers)
        assert field in (response.get_json().get("errors") or {}), change
        assert_problem(response, 422, field)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PartnerClient)) == 0


def test_a_blank_name_or_no_change_is_refused(app, client, admin):
    created = _create(client, admin)
    url = f"{URL}/{created['id']}"
    headers = {**admin.headers, "If-Match": '"1"'}
    assert_problem(client.patch(url, json={"name": " \t "}, headers=headers), 422, "name")
    assert_problem(client.patch(url, json={}, headers=headers), 422, "_body")
    after = client.get(url, headers=admin.headers)
    assert (after.get_json()["name"], after.headers["ETag"]) == (NEW_CLIENT["name"], '"1"')
    assert audit_actions(app, action="partner_client_updated") == []


def test_an_unchanged_patch_keeps_the_version_and_the_tokens(app, client, admin):
    created = _create(client, admin)
    token = request_token(client, created["client_id"], created["client_secret"])
    bearer = {"Authorization": f"Bearer {token}"}
    url = f"{URL}/{created['id']}"
    before = client.get(url, headers=admin.headers).get_json()
    body = {
        "name": NEW_CLIENT["name"],
        "active": True,
        # Stored sorted, once each: the same agencies in another order are no change.
        "allowed_agencies": ["MASH", "EARLY_HELP", "MASH"],
        "boroughs": ["WCC"],
    }
    response = client.patch(url, json=body, headers={**admin.headers, "If-Match": '"1"'})
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == '"1"'
    assert response.get_json() == before
    # Scopes, boroughs and the active flag sent as they are end no token.
    assert client.get("/api/v1/referrals", headers=bearer).status_code == 200
    with app.app_context():
        assert db.session.get(PartnerClient, created["id"]).version == 1
    assert audit_actions(app, action="partner_client_updated") == []
    read = audit_actions(app, action="partner_client_read")[-1]
    assert (read.record_id, read.actor_id) == (str(created["id"]), admin.id)
    assert read.details == {"unchanged": sorted(body)}
    assert_problem(client.patch(url, json=body, headers={**admin.headers, "If-Match": '"2"'}), 412)


def test_a_renamed_client_is_stored_trimmed_as_on_create(app, client, admin):
    created = _create(client, admin, name="  St Example's Academy\t")
    assert created["name"] == NEW_CLIENT["name"]
    url = f"{URL}/{created['id']}"
    # The stored name with spaces around it is no change.
    same = client.patch(
        url, json={"name": f" {NEW_CLIENT['name']} "}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert (same.status_code, same.headers["ETag"]) == (200, '"1"')
    assert audit_actions(app, action="partner_client_updated") == []
    renamed = client.patch(
        url, json={"name": "  Example Sixth Form \n"}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert renamed.status_code == 200, renamed.get_json()
    assert (renamed.get_json()["name"], renamed.headers["ETag"]) == ("Example Sixth Form", '"2"')
    with app.app_context():
        assert db.session.get(PartnerClient, created["id"]).name == "Example Sixth Form"
    (event,) = audit_actions(app, action="partner_client_updated")
    assert event.details["values"] == {"name": "Example Sixth Form"}


def test_disabling_ends_tokens_and_refuses_new_ones(app, client, admin):
    created = _create(client, admin)
    token = request_token(client, created["client_id"], created["client_secret"])
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/referrals", headers=bearer).status_code == 200
    url = f"{URL}/{created['id']}"
    assert_problem(client.patch(url, json={"active": False}, headers=admin.headers), 428)
    stale = client.patch(url, json={"active": False}, headers={**admin.headers, "If-Match": '"9"'})
    assert_problem(stale, 412)
    response = client.patch(
        url, json={"active": False}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert response.status_code == 200
    assert response.get_json()["active"] is False
    assert_problem(client.get("/api/v1/referrals", headers=bearer), 401)
    assert _token_status(client, created["client_id"], created["client_secret"]) == 401
    with app.app_context():
        session = db.session.scalar(
            sa.select(AuthSession).where(AuthSession.partner_client_id == created["id"])
        )
        assert session.revoked_reason == "client_disabled"
    event = audit_actions(app, action="partner_client_updated")[0]
    assert event.details["sessions_ended"] == 1


def test_narrowing_boroughs_ends_tokens_but_renaming_does_not(app, client, admin):
    created = _create(client, admin, boroughs=["WCC", "RBKC"])
    token = request_token(client, created["client_id"], created["client_secret"])
    bearer = {"Authorization": f"Bearer {token}"}
    url = f"{URL}/{created['id']}"
    renamed = client.patch(
        url, json={"name": "Renamed"}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert renamed.status_code == 200
    assert client.get("/api/v1/referrals", headers=bearer).status_code == 200
    narrowed = client.patch(
        url, json={"boroughs": ["WCC"]}, headers={**admin.headers, "If-Match": '"2"'}
    )
    assert narrowed.get_json()["boroughs"] == ["WCC"]
    assert_problem(client.get("/api/v1/referrals", headers=bearer), 401)


def test_rotation_replaces_the_secret_and_ends_tokens(app, client, admin):
    created = _create(client, admin)
    token = request_token(client, created["client_id"], created["client_secret"])
    rotated = client.post(f"{URL}/{created['id']}/rotate", headers=admin.headers)
    assert rotated.status_code == 200
    body = rotated.get_json()
    assert body["client_secret"] != created["client_secret"]
    assert body["client_id"] == created["client_id"]
    assert body["rotated_at"] is not None
    assert _token_status(client, created["client_id"], created["client_secret"]) == 401
    assert_problem(
        client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"}), 401
    )
    assert _token_status(client, created["client_id"], body["client_secret"]) == 200
    assert [e.record_id for e in audit_actions(app, action="partner_client_rotated")] == [
        str(created["id"])
    ]


@pytest.mark.parametrize(
    ("raw", "status", "field"),
    [
        ('{"client_id": ', 400, None),  # cut short: the caller meant something else
        ('{"reason": "compromised"}', 422, "reason"),
        ("[]", 422, None),
        ("null", 422, None),
    ],
)
def test_rotation_refuses_a_body_and_keeps_the_secret_and_tokens(
    app, client, admin, raw, status, field
):
    created = _create(client, admin)
    token = request_token(client, created["client_id"], created["client_secret"])
    response = client.post(
        f"{URL}/{created['id']}/rotate",
        data=raw,
        content_type="application/json",
        headers=admin.headers,
    )
    assert_problem(response, status, field)
    assert _token_status(client, created["client_id"], created["client_secret"]) == 200
    assert (
        client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    assert client.get(f"{URL}/{created['id']}", headers=admin.headers).headers["ETag"] == '"1"'
    assert audit_actions(app, action="partner_client_rotated") == []


def test_rotation_takes_an_empty_object_as_no_body(client, admin):
    created = _create(client, admin)
    rotated = client.post(f"{URL}/{created['id']}/rotate", json={}, headers=admin.headers)
    assert rotated.status_code == 200
    assert rotated.get_json()["client_secret"] != created["client_secret"]


def test_unknown_client_is_404(client, admin):
    assert_problem(client.get(f"{URL}/999", headers=admin.headers), 404)
    assert_problem(client.post(f"{URL}/999/rotate", headers=admin.headers), 404)
    response = client.patch(
        f"{URL}/999", json={"active": False}, headers={**admin.headers, "If-Match": '"1"'}
    )
    assert_problem(response, 404)
