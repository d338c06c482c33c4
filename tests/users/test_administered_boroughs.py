"""An admin administers the boroughs they work in: the accounts and partner clients of
those boroughs, and nobody's access to another; never their own role or boroughs."""

from __future__ import annotations

import sqlalchemy as sa

from sywc.auth.models import PartnerClient
from sywc.extensions import db
from sywc.users.models import User
from tests.conftest import PASSWORD, assert_problem, audit_actions
from tests.partners.helpers import make_partner  # noqa: F401

RBKC_OFFICER = {
    "username": "rbkc.officer",
    "password": "a-long-unusual-phrase-77",
    "name": "RBKC Officer",
    "role": "officer",
    "agency": "YOT",
    "boroughs": ["RBKC"],
}


def _user(app, username: str) -> User | None:
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.username == username))


def _client_row(app, pk: int) -> PartnerClient:
    with app.app_context():
        return db.session.get(PartnerClient, pk)


def _etag(client, url: str, admin) -> str:
    response = client.get(url, headers=admin.headers)
    assert response.status_code == 200, response.get_json()
    return response.headers["ETag"]


def _refused_wider(client, url: str, admin) -> None:
    """PATCH `url` adding RBKC to its boroughs as `admin`, and see it refused on them."""
    etag = _etag(client, url, admin)
    assert_problem(
        client.patch(
            url, json={"boroughs": ["WCC", "RBKC"]}, headers={**admin.headers, "If-Match": etag}
        ),
        403,
        "boroughs",
    )


def test_an_admin_gives_no_access_to_a_borough_they_do_not_work_in(app, client, make_user):
    wcc_admin = make_user("admin", boroughs=["WCC"])
    for boroughs in (["RBKC"], ["WCC", "RBKC"]):
        body = {**RBKC_OFFICER, "boroughs": boroughs}
        problem = assert_problem(
            client.post("/api/v1/users", json=body, headers=wcc_admin.headers), 403, "boroughs"
        )
        assert "RBKC" in problem["detail"]
    wider_admin = {**RBKC_OFFICER, "role": "admin", "agency": None, "boroughs": ["WCC", "RBKC"]}
    assert_problem(
        client.post("/api/v1/users", json=wider_admin, headers=wcc_admin.headers), 403, "boroughs"
    )
    assert _user(app, "rbkc.officer") is None
    assert audit_actions(app, action="user_created", actor_id=wcc_admin.id) == []
    # Their own borough they administer.
    own = client.post(
        "/api/v1/users", json={**RBKC_OFFICER, "boroughs": ["WCC"]}, headers=wcc_admin.headers
    )
    assert own.status_code == 201, own.get_json()


def test_an_account_of_another_borough_does_not_exist_for_the_admin(app, client, make_user):
    rbkc_officer = make_user("officer", "MPS", boroughs=["RBKC"])
    wcc_admin = make_user("admin", boroughs=["WCC"])
    url = f"/api/v1/users/{rbkc_officer.id}"
    assert_problem(client.get(url, headers=wcc_admin.headers), 404)
    assert_problem(
        client.patch(
            url,
            json={"password": "taken-over-by-another-borough-1"},
            headers={**wcc_admin.headers, "If-Match": '"1"'},
        ),
        404,
    )
    listed = client.get("/api/v1/users?limit=200", headers=wcc_admin.headers).get_json()
    assert rbkc_officer.id not in [u["id"] for u in listed["items"]]
    assert wcc_admin.id in [u["id"] for u in listed["items"]]
    # The RBKC officer's own password still signs them in; nothing was changed.
    login = client.post(
        "/api/v1/auth/login", json={"username": rbkc_officer.username, "password": PASSWORD}
    )
    assert login.status_code == 200
    assert audit_actions(app, action="user_updated") == []


def test_an_account_also_working_elsewhere_is_seen_but_changed_only_by_an_admin_of_both(
    app, client, make_user, admin
):
    both = make_user("officer", "MPS", boroughs=["WCC", "RBKC"])
    wcc_admin = make_user("admin", boroughs=["WCC"])
    url = f"/api/v1/users/{both.id}"
    listed = client.get("/api/v1/users?limit=200", headers=wcc_admin.headers).get_json()
    assert both.id in [u["id"] for u in listed["items"]]
    etag = _etag(client, url, wcc_admin)
    for change in ({"password": "taken-over-by-another-borough-1"}, {"boroughs": ["WCC"]}):
        problem = assert_problem(
            client.patch(url, json=change, headers={**wcc_admin.headers, "If-Match": etag}), 403
        )
        assert "RBKC" in problem["detail"]
    assert _user(app, both.username).boroughs == ["RBKC", "WCC"]
    assert client.get("/api/v1/auth/me", headers=both.headers).status_code == 200
    # The deployment's admin works in both and may.
    narrowed = client.patch(
        url, json={"boroughs": ["WCC"]}, headers={**admin.headers, "If-Match": etag}
    )
    assert narrowed.status_code == 200, narrowed.get_json()
    assert narrowed.get_json()["boroughs"] == ["WCC"]


def test_an_admin_does_not_widen_an_account_to_another_borough(app, client, make_user):
    officer = make_user("officer", "MPS", boroughs=["WCC"])
    wcc_admin = make_user("admin", boroughs=["WCC"])
    _refused_wider(client, f"/api/v1/users/{officer.id}", wcc_admin)
    assert _user(app, officer.username).boroughs == ["WCC"]


def test_nobody_changes_their_own_role_agency_boroughs_or_active_state(app, client, admin):
    url = f"/api/v1/users/{admin.id}"
    etag = _etag(client, url, admin)
    for change, field in (
        ({"role": "senior_officer", "agency": "MPS"}, "role"),
        ({"boroughs": ["WCC"]}, "boroughs"),
        ({"active": False}, "active"),
    ):
        assert_problem(
            client.patch(url, json=change, headers={**admin.headers, "If-Match": etag}), 403, field
        )
    stored = _user(app, admin.username)
    assert (stored.role, stored.agency, stored.active) == ("admin", None, True)
    assert stored.boroughs == ["RBKC", "WCC"]
    assert audit_actions(app, action="user_updated") == []
    # Their own name they may change, and they stay signed in.
    renamed = client.patch(
        url, json={"name": "A. Admin"}, headers={**admin.headers, "If-Match": etag}
    )
    assert renamed.status_code == 200, renamed.get_json()
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 200


def test_another_admin_changes_an_admins_role(app, client, admin, make_user):
    other = make_user("admin", boroughs=["WCC"])
    url = f"/api/v1/users/{other.id}"
    changed = client.patch(
        url,
        json={"role": "auditor"},
        headers={**admin.headers, "If-Match": _etag(client, url, admin)},
    )
    assert changed.status_code == 200, changed.get_json()
    assert _user(app, other.username).role == "auditor"


def test_an_admin_administers_only_the_partner_clients_of_their_boroughs(
    app,
    client,
    make_user,
    make_partner,  # noqa: F811
):
    wcc_admin = make_user("admin", boroughs=["WCC"])
    rbkc = make_partner(boroughs=("RBKC",), name="RBKC schools")
    both = make_partner(boroughs=("WCC", "RBKC"), name="Bi-borough schools")
    wcc = make_partner(boroughs=("WCC",), name="WCC schools")
    assert_problem(
        client.post(
            "/api/v1/partner-clients",
            json={
                "name": "Another school system",
                "scopes": ["referrals:write"],
                "allowed_agencies": ["MASH"],
                "boroughs": ["RBKC"],
            },
            headers=wcc_admin.headers,
        ),
        403,
        "boroughs",
    )
    listed = client.get("/api/v1/partner-clients?limit=200", headers=wcc_admin.headers)
    assert {c["id"] for c in listed.get_json()["items"]} == {both.id, wcc.id}
    assert_problem(client.get(f"/api/v1/partner-clients/{rbkc.id}", headers=wcc_admin.headers), 404)
    # The bi-borough client posts into RBKC too: a new secret or a change is not for them.
    url = f"/api/v1/partner-clients/{both.id}"
    etag = _etag(client, url, wcc_admin)
    assert_problem(client.post(f"{url}/rotate", headers=wcc_admin.headers), 403)
    assert_problem(
        client.patch(
            url, json={"name": "Renamed"}, headers={**wcc_admin.headers, "If-Match": etag}
        ),
        403,
    )
    assert _client_row(app, both.id).name == "Bi-borough schools"
    # Their own borough's client they may widen no further than their boroughs.
    url = f"/api/v1/partner-clients/{wcc.id}"
    _refused_wider(client, url, wcc_admin)
    assert _client_row(app, wcc.id).boroughs == ["WCC"]
    rotated = client.post(f"{url}/rotate", headers=wcc_admin.headers)
    assert rotated.status_code == 200, rotated.get_json()
