"""Every error the contract lists is RFC 9457 problem+json, and none leaks internals."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from sywc import clock, create_app
from sywc.errors import PROBLEM_TYPE_BASE
from sywc.extensions import db
from sywc.incidents.models import Incident
from sywc.users.models import User
from tests.conftest import BACKEND, assert_problem, post_chunked
from tests.youths.helpers import youth_payload


def test_400_malformed_json(client, admin):
    response = client.post(
        "/api/v1/users",
        data="{not json",
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400)


def test_400_a_json_number_too_long_to_read(client, admin, officer):
    # Python converts no integer of more than 4,300 digits: a ValueError, not a decoding
    # error, which reached the 500 handler, on routes that take a body and those that don't.
    too_long = "9" * 5000
    response = client.post(
        "/api/v1/users",
        data='{"username": ' + too_long + "}",
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400)
    response = client.post(
        "/api/v1/auth/logout",
        data="[" + too_long + "]",
        headers={**officer.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400)
    assert client.get("/api/v1/auth/me", headers=officer.headers).status_code == 200


def test_401_without_token(client):
    body = assert_problem(client.get("/api/v1/users"), 401)
    assert "WWW-Authenticate" in client.get("/api/v1/users").headers
    assert body["detail"] == "Authentication is required."


def test_403_wrong_role(client, officer):
    assert_problem(client.get("/api/v1/users", headers=officer.headers), 403)


def test_404_unknown_route_and_record(client, admin):
    assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert_problem(client.get("/api/v1/users/999999", headers=admin.headers), 404)


def test_405_wrong_method(client, admin):
    response = client.delete("/api/v1/users", headers=admin.headers)
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_409_duplicate_username(client, admin):
    body = {
        "username": "dupe.user",
        "password": "a-long-unusual-phrase-77",
        "name": "D",
        "role": "auditor",
        "boroughs": ["WCC"],
    }
    assert client.post("/api/v1/users", json=body, headers=admin.headers).status_code == 201
    problem = assert_problem(client.post("/api/v1/users", json=body, headers=admin.headers), 409)
    assert "username" in problem["errors"]


def test_413_body_too_large(app, client, admin):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    big = {"username": "x" * 2000}
    assert_problem(client.post("/api/v1/users", json=big, headers=admin.headers), 413)


def _incident_of_size(size: int) -> bytes:
    """Return a valid POST /incidents body of exactly `size` bytes (padded with spaces)."""
    body = {
        "borough": "WCC",
        "occurred_at": (clock.utcnow() - timedelta(hours=1)).isoformat(),
        "type": "assault",
        "ward": "church_street",
        "summary": "Sent in chunks",
    }
    raw = json.dumps(body).encode()
    return raw[:-1] + b" " * (size - len(raw)) + b"}"


def _incidents(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Incident))


def test_413_chunked_body_too_large_however_it_ends(app, client, officer):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    path = "/api/v1/incidents"
    # Past the limit by a byte, and far past it.
    for raw in (_incident_of_size(4097), _incident_of_size(3_000_000)):
        assert_problem(post_chunked(client, path, raw, officer.headers), 413)
    # Valid JSON up to the limit, and more after it: never acted on as the first part.
    cut = _incident_of_size(4096) + b', "unknown": "and more"}'
    assert_problem(post_chunked(client, path, cut, officer.headers), 413)
    assert _incidents(app) == 0


def test_a_chunked_body_within_the_limit_is_read_whole(app, client, officer):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    for size in (300, 4096):
        response = post_chunked(
            client, "/api/v1/incidents", _incident_of_size(size), officer.headers
        )
        assert response.status_code == 201, response.get_json()
    assert _incidents(app) == 2


def test_415_wrong_content_type(client, admin):
    response = client.post(
        "/api/v1/users",
        data="username=a",
        headers={**admin.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 415)


def test_422_names_each_field_and_rejects_unknown(client, admin):
    response = client.post(
        "/api/v1/users", json={"username": "ok.name", "colour": "blue"}, headers=admin.headers
    )
    body = assert_problem(response, 422)
    assert {"colour", "password", "name", "role", "boroughs"} <= set(body["errors"])


def test_422_unknown_query_parameter(client, admin):
    body = assert_problem(client.get("/api/v1/users?rol=admin", headers=admin.headers), 422)
    assert "rol" in body["errors"]


def test_one_kind_of_problem_has_one_type_and_one_title_wherever_it_is_raised(
    app, client, admin, officer
):
    """RFC 9457: a type names the problem, and its title does not vary between occurrences."""
    app.config["MAX_CONTENT_LENGTH"] = 4096
    seen: dict[int, set[tuple[str, str]]] = {}

    def kind(response, status):
        body = assert_problem(response, status)
        seen.setdefault(status, set()).add((body["type"], body["title"]))

    # 422 from the request's schema (an unknown field), and from a rule of the service.
    kind(client.post("/api/v1/users", json={"colour": "blue"}, headers=admin.headers), 422)
    adult = youth_payload(officer.id, date_of_birth="1990-01-01")
    kind(client.post("/api/v1/youths", json=adult, headers=officer.headers), 422)
    # 413 from a declared length, and from a chunked body that runs past the limit.
    big = {"username": "x" * 5000}
    kind(client.post("/api/v1/users", json=big, headers=admin.headers), 413)
    chunked = post_chunked(client, "/api/v1/incidents", _incident_of_size(5000), officer.headers)
    kind(chunked, 413)
    assert seen == {
        422: {(PROBLEM_TYPE_BASE + "validation-failed", "Unprocessable Content")},
        413: {(PROBLEM_TYPE_BASE + "too-large", "Content Too Large")},
    }


def test_500_hides_internals(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="test")

    def explode():
        raise RuntimeError("secret internals: password=hunter2")

    explode._sywc_permission = "public"
    app.add_url_rule("/explode", "explode", explode)
    response = app.test_client().get("/explode")
    body = assert_problem(response, 500)
    assert "hunter2" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_503_when_database_is_down_then_recovers(database_url, monkeypatch):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="test")
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    original = sa.engine.Engine.connect

    def refuse(self, *args, **kwargs):
        raise sa.exc.OperationalError("connect", {}, Exception("connection refused"))

    monkeypatch.setattr(sa.engine.Engine, "connect", refuse)
    response = client.post("/api/v1/auth/login", json={"username": "a", "password": "b"})
    assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"
    assert client.get("/readyz").status_code == 503
    monkeypatch.setattr(sa.engine.Engine, "connect", original)
    # Same process, same app: the pool reconnects once the database is back.
    assert client.get("/readyz").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


@pytest.mark.skipif(BACKEND != "postgresql", reason="ends PostgreSQL server processes")
def test_a_connection_the_database_dropped_costs_one_503_then_the_pool_is_renewed(
    app, client, officer
):
    assert not app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"]
    assert client.get("/api/v1/youths", headers=officer.headers).status_code == 200
    with app.app_context():
        # As a restart of the database would: every pooled connection is ended under us.
        engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with engine.connect() as admin:
            ended = admin.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        engine.dispose()
    assert ended >= 1

    dropped = client.get("/api/v1/youths", headers=officer.headers)

    assert_problem(dropped, 503)
    assert dropped.headers["Retry-After"] == "5"
    assert client.get("/api/v1/youths", headers=officer.headers).status_code == 200
    assert client.get("/readyz").status_code == 200


def test_pinging_pooled_connections_is_a_setting(monkeypatch, database_url):
    monkeypatch.setenv("DB_POOL_PRE_PING", "1")
    monkeypatch.setenv("DB_POOL_RECYCLE_SECONDS", "600")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="test")
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_pre_ping"], options["pool_recycle"]) == (True, 600)
    with app.app_context():
        assert db.engine.pool._pre_ping is True
        assert db.engine.pool._recycle == 600


@pytest.mark.parametrize("request_id", ["abc-123", "x" * 129, "bad id<script>"])
def test_request_id_echoed_or_generated(client, request_id):
    response = client.get("/healthz", headers={"X-Request-ID": request_id})
    if request_id == "abc-123":
        assert response.headers["X-Request-ID"] == "abc-123"
    else:
        assert response.headers["X-Request-ID"] != request_id
        assert len(response.headers["X-Request-ID"]) == 32


def test_out_of_range_values_are_client_errors(client, admin, auditor):
    assert_problem(client.get("/api/v1/users/99999999999", headers=admin.headers), 404)
    # No 32-bit id is that large: refused by its type, naming it, on either database.
    big = client.get("/api/v1/audit-events?actor_id=99999999999", headers=auditor.headers)
    assert_problem(big, 422, "actor_id")
    far = client.get(
        "/api/v1/audit-events?from=0001-01-01T00:00:00%2B14:00", headers=auditor.headers
    )
    assert_problem(far, 422, "from")


def test_a_route_without_query_parameters_refuses_them(client, admin):
    body = assert_problem(
        client.get(f"/api/v1/users/{admin.id}?expand=all", headers=admin.headers), 422, "expand"
    )
    assert body["errors"]["expand"] == ["Unknown field."]
    assert client.get(f"/api/v1/users/{admin.id}", headers=admin.headers).status_code == 200
