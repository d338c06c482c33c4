"""Account administration: create, list, read, change with If-Match, password policy."""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.auth import service as auth_service
from sywc.auth.passwords import verify_password
from sywc.extensions import db
from sywc.users import service
from sywc.users.models import User
from tests.conftest import PASSWORD, assert_problem, audit_actions, race
from tests.locks import backend_pid, wait_until, waits_for

NEW = {
    "username": "new.officer",
    "password": "a-long-unusual-phrase-77",
    "name": "New Officer",
    "role": "officer",
    "agency": "YOT",
    "boroughs": ["WCC", "RBKC"],
}


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_admin_creates_reads_and_lists_users(app, client, admin):
    created = client.post("/api/v1/users", json=NEW, headers=admin.headers)
    assert created.status_code == 201
    body = created.get_json()
    assert body["username"] == "new.officer"
    assert body["boroughs"] == ["RBKC", "WCC"]
    assert body["active"] is True
    assert "password" not in body
    assert "password_hash" not in json.dumps(body)
    assert created.headers["ETag"] == '"1"'
    fetched = client.get(f"/api/v1/users/{body['id']}", headers=admin.headers)
    assert fetched.get_json()["agency"] == "YOT"
    listed = client.get("/api/v1/users?role=officer&limit=1", headers=admin.headers).get_json()
    assert listed["total"] == 1
    assert [u["username"] for u in listed["items"]] == ["new.officer"]
    event = audit_actions(app, action="user_created")[-1]
    assert event.actor_id == admin.id
    assert event.record_id == str(body["id"])
    assert "password" not in json.dumps(event.details)


def test_list_is_paginated_with_link_headers(client, admin, make_user):
    for _ in range(3):
        make_user("auditor")
    first = client.get("/api/v1/users?limit=2&page=1", headers=admin.headers)
    body = first.get_json()
    assert body["total"] == 4
    assert body["next_page"] == 2
    assert len(body["items"]) == 2
    assert 'rel="next"' in first.headers["Link"]
    second = client.get("/api/v1/users?limit=2&page=2", headers=admin.headers).get_json()
    assert {u["id"] for u in body["items"]}.isdisjoint({u["id"] for u in second["items"]})
    assert second["next_page"] is None
    assert_problem(client.get("/api/v1/users?limit=201", headers=admin.headers), 422, "limit")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "password1234"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"password": "my-name-is-new.officer-ok"}, "password"),
        ({"agency": None}, "agency"),
        ({"role": "auditor"}, "agency"),
        ({"boroughs": ["XYZ"]}, "boroughs.0"),
        ({"boroughs": []}, "boroughs"),
        ({"username": "A B"}, "username"),
        ({"role": "partner"}, "role"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_written(app, client, admin, change, field):
    before = _users(app)
    response = client.post("/api/v1/users", json={**NEW, **change}, headers=admin.headers)
    assert_problem(response, 422, field)
    assert _users(app) == before


def _assert_created_once(app, username: str) -> None:
    """Assert that one account holds `username` and that one audit event created it."""
    with app.app_context():
        ids = db.session.scalars(sa.select(User.id).where(User.username == username)).all()
    assert len(ids) == 1
    assert len(audit_actions(app, action="user_created", record_id=str(ids[0]))) == 1


# SQLite runs one writing transaction at a time (BEGIN IMMEDIATE), check and insert
# included, so only PostgreSQL lets another admin take the name in between.
@pytest.mark.postgres_only
def test_a_username_taken_while_the_password_is_hashed_is_409(app, client, admin, monkeypatch):
    hash_password = service.hash_password
    raced: list[str] = []

    def hash_as_another_admin_takes_the_name(password: str) -> str:
        if not raced:  # the other admin's request, committed from its own session
            raced.append(password)
            with app.app_context():
                fields = {k: v for k, v in NEW.items() if k != "username"}
                service.create_user(username=NEW["username"], **fields, now=clock.utcnow())
        return hash_password(password)

    monkeypatch.setattr(service, "hash_password", hash_as_another_admin_takes_the_name)
    response = client.post("/api/v1/users", json=NEW, headers=admin.headers)
    assert assert_problem(response, 409, "username")["errors"]["username"] == ["Already in use."]
    _assert_created_once(app, NEW["username"])


@pytest.mark.postgres_only
def test_two_admins_creating_one_username_at_once_get_201_and_409(app, make_user):
    admins = [make_user("admin", boroughs=NEW["boroughs"]) for _ in range(2)]
    for attempt in range(5):
        body = {**NEW, "username": f"raced.user{attempt}"}
        responses = race(app, [("POST", "/api/v1/users", body, a.headers) for a in admins])
        assert sorted(r.status_code for r in responses) == [201, 409], [
            r.get_data(as_text=True) for r in responses
        ]
        assert_problem(next(r for r in responses if r.status_code == 409), 409, "username")
        _assert_created_once(app, body["username"])


def test_patch_needs_if_match_and_refuses_stale_versions(client, admin, officer):
    url = f"/api/v1/users/{officer.id}"
    assert_problem(client.patch(url, json={"name": "X"}, headers=admin.headers), 428)
    etag = client.get(url, headers=admin.headers).headers["ETag"]
    ok = client.patch(url, json={"name": "Renamed"}, headers={**admin.headers, "If-Match": etag})
    assert ok.status_code == 200
    assert ok.headers["ETag"] != etag
    stale = client.patch(url, json={"name": "Again"}, headers={**admin.headers, "If-Match": etag})
    assert_problem(stale, 412)
    assert client.get(url, headers=admin.headers).get_json()["name"] == "Renamed"


def test_a_blank_name_or_no_change_is_refused(app, client, admin, officer):
    url = f"/api/v1/users/{officer.id}"
    before = client.get(url, headers=admin.headers)
    response = client.patch(
        url, json={"name": "  "}, headers={**admin.headers, "If-Match": before.headers["ETag"]}
    )
    assert_problem(response, 422, "name")
    response = client.patch(
        url, json={}, headers={**admin.headers, "If-Match": before.headers["ETag"]}
    )
    assert_problem(response, 422, "_body")
    after = client.get(url, headers=admin.headers)
    assert after.headers["ETag"] == before.headers["ETag"]
    assert after.get_json()["name"] == before.get_json()["name"]
    assert audit_actions(app, action="user_updated") == []


def test_an_unchanged_patch_keeps_the_version_and_the_sessions(app, client, admin, officer):
    url = f"/api/v1/users/{officer.id}"
    before = client.get(url, headers=admin.headers)
    current = before.get_json()
    body = {
        "name": current["name"],
        "role": current["role"],
        "agency": current["agency"],
        "boroughs": current["boroughs"],
        "active": True,
        "unlock": True,  # nothing to unlock: neither locked nor counting failures
    }
    response = client.patch(
        url, json=body, headers={**admin.headers, "If-Match": before.headers["ETag"]}
    )
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == before.headers["ETag"]
    assert response.get_json() == current
    # A role, agency, boroughs or active flag sent as they are ends no session.
    assert client.get("/api/v1/auth/me", headers=officer.headers).status_code == 200
    with app.app_context():
        stored = db.session.get(User, officer.id)
        assert (stored.version, stored.updated_at.isoformat()) == (
            current["version"],
            current["updated_at"],
        )
    # Like a read of an account, which is not audited: the trail records changes.
    assert audit_actions(app, action="user_updated") == []
    stale = {**admin.headers, "If-Match": f'"{current["version"] + 1}"'}
    assert_problem(client.patch(url, json=body, headers=stale), 412)


def test_role_change_ends_sessions(client, admin, officer):
    url = f"/api/v1/users/{officer.id}"
    etag = client.get(url, headers=admin.headers).headers["ETag"]
    client.patch(url, json={"boroughs": ["RBKC"]}, headers={**admin.headers, "If-Match": etag})
    assert_problem(client.get("/api/v1/auth/me", headers=officer.headers), 401)


def test_cli_creates_and_deactivates_users(app, runner):
    result = runner.invoke(
        args=[
            "sywc",
            "create-user",
            "--username",
            "first.admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="a-long-unusual-phrase-77\n",
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["role"] == "admin"
    assert created["boroughs"] == ["RBKC", "WCC"]
    weak = runner.invoke(
        args=[
            "sywc",
            "create-user",
            "--username",
            "weak.one",
            "--role",
            "auditor",
            "--password-stdin",
        ],
        input="password1234\n",
    )
    assert weak.exit_code == 2
    assert "password" in weak.output
    blank = runner.invoke(
        args=[
            "sywc",
            "create-user",
            "--username",
            "blank.name",
            "--role",
            "auditor",
            "--name",
            " ",
            "--password-stdin",
        ],
        input="a-long-unusual-phrase-77\n",
    )
    assert blank.exit_code == 2
    assert "--name" in blank.output
    gone = runner.invoke(args=["sywc", "deactivate-user", "first.admin"])
    assert gone.exit_code == 0
    assert json.loads(gone.output)["active"] is False
    actions = [e.action for e in audit_actions(app, actor_type="system")]
    assert actions == ["user_created", "user_updated"]


def _cli_create(runner, *extra: str):
    return runner.invoke(
        args=["sywc", "create-user", "--role", "officer", "--password-stdin", *extra],
        input="a-long-unusual-phrase-77\n",
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (("--username", "cli.officer", "--agency", "NOPE"), "agency"),
        # Agency codes are upper-case: `mps` would never meet MPS's referrals or notes.
        (("--username", "cli.officer", "--agency", "mps"), "agency"),
        (("--username", "Not A Username!", "--agency", "MPS"), "username"),
        (("--username", "cli.officer", "--agency", "MPS", "--name", "x" * 201), "name"),
    ],
)
def test_cli_refuses_what_the_api_refuses(app, runner, extra, field):
    result = _cli_create(runner, *extra)
    assert result.exit_code == 2, result.output
    assert field in json.loads(result.output)["errors"]
    assert _users(app) == 0
    assert audit_actions(app, action="user_created") == []


def test_cli_takes_a_username_in_any_case(app, runner):
    result = _cli_create(runner, "--username", "CLI.Officer", "--agency", "MPS")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["username"] == "cli.officer"


@pytest.mark.postgres_only
def test_deactivating_while_the_user_signs_in_waits_for_the_sign_in(
    app, client, runner, officer, monkeypatch
):
    # A sign-in changes the account (its last sign-in) under the account's row lock; a
    # change by an admin or the operator meanwhile waits for it rather than failing late
    # on the version it read before.
    done, outcome = threading.Event(), []

    def deactivate() -> None:
        with app.app_context():
            outcome.append(runner.invoke(args=["sywc", "deactivate-user", officer.username]))
            done.set()

    def verify_while_the_operator_deactivates(*args):
        right = verify_password(*args)
        thread = threading.Thread(target=deactivate)
        thread.start()
        wait_until(app, done, waits_for(backend_pid(db.session)))
        return right

    monkeypatch.setattr(auth_service, "verify_password", verify_while_the_operator_deactivates)
    signed_in = client.post(
        "/api/v1/auth/login", json={"username": officer.username, "password": PASSWORD}
    )
    assert done.wait(30)
    assert signed_in.status_code == 200
    result = outcome[0]
    assert result.exit_code == 0, (result.output, result.exception)
    assert json.loads(result.output)["active"] is False
    # The session the sign-in opened ended with the account.
    token = signed_in.get_json()["access_token"]
    assert_problem(client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}), 401)
