"""POST /auth/token: OAuth 2.0 client credentials for partner systems."""

from __future__ import annotations

import base64
import threading
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from flask_jwt_extended import decode_token

from sywc import clock
from sywc.extensions import db
from sywc.partners import service as partner_service
from tests.conftest import assert_problem, audit_actions, post_chunked
from tests.locks import backend_pid, wait_until, waits_for
from tests.partners.helpers import TOKEN_URL


def _grant(client_id, secret):
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


def test_token_from_json_form_and_basic(app, client, make_partner):
    partner = make_partner()
    as_json = client.post(TOKEN_URL, json=_grant(partner.client_id, partner.secret))
    as_form = client.post(TOKEN_URL, data=_grant(partner.client_id, partner.secret))
    basic = base64.b64encode(f"{partner.client_id}:{partner.secret}".encode()).decode()
    as_basic = client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    for response in (as_json, as_form, as_basic):
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["token_type"] == "Bearer"
        assert 0 < body["expires_in"] <= 900
        assert body["scope"] == "referrals:write"
        assert "refresh_token" not in body
        assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        claims = decode_token(as_json.get_json()["access_token"])
    assert claims["exp"] - claims["iat"] <= 900
    assert claims["role"] == "partner"
    issued = audit_actions(app, action="partner_token_issued")
    # One from the fixture, three here; the actor is the partner client itself.
    assert [(e.actor_type, e.actor_id) for e in issued] == [("partner", partner.id)] * 4


def test_a_chunked_form_is_read_whole_and_refused_past_the_limit(app, client, make_partner):
    partner = make_partner()
    form = "application/x-www-form-urlencoded"
    raw = urlencode(_grant(partner.client_id, partner.secret)).encode()
    response = post_chunked(client, TOKEN_URL, raw, content_type=form)
    assert response.status_code == 200, response.get_json()
    app.config["MAX_CONTENT_LENGTH"] = len(raw) - 1
    assert_problem(post_chunked(client, TOKEN_URL, raw, content_type=form), 413)


def test_every_refusal_is_the_same_401(app, client, make_partner, admin):
    partner = make_partner()
    disabled = make_partner(name="Disabled")
    client.patch(
        f"/api/v1/partner-clients/{disabled.id}",
        json={"active": False},
        headers={**admin.headers, "If-Match": '"1"'},
    )
    refusals = [
        client.post(TOKEN_URL, json=_grant("sywc-unknown", partner.secret)),
        client.post(TOKEN_URL, json=_grant(partner.client_id, "wrong-secret")),
        client.post(TOKEN_URL, json=_grant(disabled.client_id, disabled.secret)),
    ]
    bodies = []
    for response in refusals:
        body = assert_problem(response, 401)
        body.pop("request_id", None)
        bodies.append(body)
        assert response.headers["WWW-Authenticate"] == 'Basic realm="sywc"'
    assert bodies[0] == bodies[1] == bodies[2]
    reasons = [e.details["reason"] for e in audit_actions(app, action="partner_token_refused")]
    assert reasons == ["unknown_client", "wrong_secret", "disabled"]


def test_a_refusal_of_http_basic_credentials_challenges_for_them(app, client, make_partner):
    partner = make_partner()
    basic = base64.b64encode(f"{partner.client_id}:not-the-secret".encode()).decode()
    response = client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    body = assert_problem(response, 401)
    assert body["detail"] == partner_service.REFUSED
    assert response.headers["WWW-Authenticate"] == 'Basic realm="sywc"'
    [event] = audit_actions(app, action="partner_token_refused")
    assert event.details == {"reason": "wrong_secret"}


MALFORMED = [
    ({"grant_type": "password", "client_id": "a", "client_secret": "b"}, "grant_type"),
    ({"client_id": "a", "client_secret": "b"}, "grant_type"),
    ({"grant_type": "client_credentials"}, "client_id"),
    ({"grant_type": "client_credentials"}, "client_secret"),
    ({"grant_type": "client_credentials", "client_id": "a", "scope": "x"}, "scope"),
]


def test_malformed_token_requests(client):
    for body, field in MALFORMED:
        response = client.post(TOKEN_URL, json=body)
        assert field in (response.get_json().get("errors") or {}), body
        assert_problem(response, 422, field)


def test_a_missing_secret_is_named_and_not_the_id_that_was_sent(app, client, make_partner):
    partner = make_partner()
    basic = base64.b64encode(f"{partner.client_id}:".encode()).decode()
    requests = [
        client.post(
            TOKEN_URL, json={"grant_type": "client_credentials", "client_id": partner.client_id}
        ),
        client.post(
            TOKEN_URL,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        ),
    ]
    for response in requests:
        body = assert_problem(response, 422, "client_secret")
        assert list(body["errors"]) == ["client_secret"]
    assert audit_actions(app, action="partner_token_refused") == []


def test_a_form_field_given_twice_is_422_naming_it(client, make_partner):
    partner = make_partner()
    grant = urlencode(_grant(partner.client_id, partner.secret))
    for extra, field in (
        ("grant_type=password", "grant_type"),
        (f"client_id={partner.client_id}", "client_id"),
    ):
        response = client.post(
            TOKEN_URL,
            data=f"{grant}&{extra}",
            content_type="application/x-www-form-urlencoded",
        )
        assert_problem(response, 422, field)


def test_other_body_types_are_refused(client):
    response = client.post(TOKEN_URL, data="grant_type=x", headers={"Content-Type": "text/plain"})
    assert_problem(response, 415)


def test_partner_token_expires(app, client, make_partner, monkeypatch):
    partner = make_partner()
    later = clock.utcnow() + timedelta(minutes=16)
    monkeypatch.setattr("sywc.clock.utcnow", lambda: later)
    # The session behind the token has lapsed even where the JWT clock has not been moved.
    assert_problem(client.get("/api/v1/referrals", headers=partner.headers), 401)


def test_partner_token_reaches_only_referrals(client, make_partner):
    partner = make_partner()
    assert client.get("/api/v1/referrals", headers=partner.headers).status_code == 200
    for path in ("/api/v1/auth/me", "/api/v1/users", "/api/v1/partner-clients", "/api/v1/alerts"):
        assert_problem(client.get(path, headers=partner.headers), 403)
    # "Nothing else": not even the reference data, which the OpenAPI document lists.
    for path in ("/boroughs", "/agencies", "/wards", "/reason-codes"):
        assert_problem(client.get(f"/api/v1{path}", headers=partner.headers), 403)


@pytest.mark.parametrize("app_config", [{"LOGIN_RATE_LIMIT": "3 per minute"}])
def test_token_requests_are_rate_limited_and_each_refusal_audited(app, client, app_config):
    for _ in range(3):
        assert client.post(TOKEN_URL, json=_grant("sywc-x", "y")).status_code == 401
    body = assert_problem(client.post(TOKEN_URL, json=_grant("sywc-x", "y")), 429)
    [event] = audit_actions(app, action="partner_token_rate_limited")
    assert (event.actor_type, event.request_id) == ("anonymous", body["request_id"])
    assert "sywc-x" not in str(event.details)
    assert len(audit_actions(app, action="partner_token_refused")) == 3


@pytest.mark.parametrize(
    ("client_id", "secret", "field"),
    [
        ("sywc-\x00abc", "secret", "client_id"),
        ("sywc-abc", "sec\x00ret", "client_secret"),
        ("x" * 65, "secret", "client_id"),
    ],
)
def test_malformed_basic_credentials_name_the_field(app, client, client_id, secret, field):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    body = assert_problem(response, 422)
    assert field in body["errors"]
    assert "\x00" not in response.get_data(as_text=True)
    assert audit_actions(app, action="partner_token_issued") == []


# SQLite runs one writing transaction at a time, so only PostgreSQL lets an admin rotate
# the secret while a token request that presented it is being checked.
@pytest.mark.postgres_only
def test_a_token_asked_for_with_the_old_secret_during_a_rotation_stops_working(
    app, client, make_partner, admin, monkeypatch
):
    partner = make_partner()
    verify_password = partner_service.verify_password
    rotation: list[threading.Thread] = []
    rotated: list[int] = []
    done = threading.Event()

    def rotate() -> None:
        url = f"/api/v1/partner-clients/{partner.id}/rotate"
        rotated.append(app.test_client().post(url, headers=admin.headers).status_code)
        done.set()

    def verify_while_an_admin_rotates(stored_hash: str, secret: str) -> bool:
        right = verify_password(stored_hash, secret)
        if secret == partner.secret and not rotation:
            rotation.append(threading.Thread(target=rotate))
            rotation[0].start()
            # The rotation either commits now, or waits for this request to end first.
            wait_until(app, done, waits_for(backend_pid(db.session)))
        return right

    monkeypatch.setattr(partner_service, "verify_password", verify_while_an_admin_rotates)
    response = client.post(TOKEN_URL, json=_grant(partner.client_id, partner.secret))
    rotation[0].join(timeout=30)

    assert rotated == [200]
    assert response.status_code in (200, 401)
    if response.status_code == 200:
        token = response.get_json()["access_token"]
        used = client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {token}"})
        assert_problem(used, 401)
    assert len(audit_actions(app, action="partner_client_rotated")) == 1
