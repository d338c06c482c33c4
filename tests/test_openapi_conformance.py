"""The served OpenAPI document describes the service: schemathesis finds no 5xx and no
response that breaks the document, across every operation, for the role allowed on it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sywc import create_app
from sywc.extensions import db
from tests import factories
from tests.youths.helpers import youth_payload

ROLES = ("officer", "senior_officer", "board_member", "auditor", "admin")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Signing out or rotating would end the session the remaining examples use.
SESSION_ENDING = {"/api/v1/auth/logout", "/api/v1/auth/refresh"}


def _operations() -> list[tuple[str, str]]:
    spec_app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, env="test")
    spec = spec_app.test_client().get("/api/v1/openapi.json").get_json()
    return sorted(
        (method.upper(), path)
        for path, ops in spec["paths"].items()
        for method in ops
        if method != "parameters"
    )


@pytest.fixture
def tokens(make_user):
    return {role: make_user(role, "MPS").headers for role in ROLES}


@pytest.mark.parametrize(("method", "path"), _operations())
def test_every_operation_conforms(app, tokens, method, path):
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path][method]
    roles = operation.definition.raw.get("x-roles") or []
    role = next((r for r in roles if r in tokens), None)
    headers = dict(tokens[role]) if role and path not in SESSION_ENDING else {}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=5,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()


def test_document_is_complete(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {
        "bearerAuth",
        "cookieAuth",
        "csrfHeader",
        "refreshCookieAuth",
        "refreshCsrfHeader",
    } <= set(spec["components"]["securitySchemes"])
    problem = spec["components"]["responses"]["UNAUTHORIZED"]["content"]
    assert list(problem) == ["application/problem+json"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"swagger" in docs.data.lower()


def test_the_document_names_the_cookies_and_csrf_header_each_operation_takes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemes = spec["components"]["securitySchemes"]
    assert (schemes["cookieAuth"]["in"], schemes["cookieAuth"]["name"]) == (
        "cookie",
        "access_token_cookie",
    )
    assert (schemes["refreshCookieAuth"]["in"], schemes["refreshCookieAuth"]["name"]) == (
        "cookie",
        "refresh_token_cookie",
    )
    for name, cookie in (
        ("csrfHeader", "csrf_access_token"),
        ("refreshCsrfHeader", "csrf_refresh_token"),
    ):
        assert (schemes[name]["in"], schemes[name]["name"]) == ("header", "X-CSRF-TOKEN")
        assert cookie in schemes[name]["description"]
    auth = spec["paths"]
    assert auth["/api/v1/auth/refresh"]["post"]["security"] == [
        {"bearerAuth": []},
        {"refreshCookieAuth": [], "refreshCsrfHeader": []},
    ]
    assert auth["/api/v1/auth/logout"]["post"]["security"] == [
        {"bearerAuth": []},
        {"cookieAuth": [], "csrfHeader": []},
        {"refreshCookieAuth": [], "refreshCsrfHeader": []},
    ]
    # Every change made with a cookie sends the CSRF header; a read never needs it.
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for requirement in operation.get("security", []):
                if "cookieAuth" in requirement:
                    csrf = method in ("post", "put", "patch", "delete")
                    assert ("csrfHeader" in requirement) is csrf, (method, path)


def _resolve(spec, node):
    while "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_the_documented_problem_carries_the_record_a_likely_duplicate_names(client, officer):
    payload = youth_payload(officer.id)
    assert client.post("/api/v1/youths", json=payload, headers=officer.headers).status_code == 201
    body = client.post("/api/v1/youths", json=payload, headers=officer.headers).get_json()
    assert body["status"] == 409
    assert set(body["existing"]) == {"id", "reference"}

    spec = client.get("/api/v1/openapi.json").get_json()
    response = _resolve(spec, spec["paths"]["/api/v1/youths"]["post"]["responses"]["409"])
    schema = _resolve(spec, response["content"]["application/problem+json"]["schema"])
    # Every member the answer carries is one the document names.
    assert set(body) <= set(schema["properties"]), schema
    existing = _resolve(spec, schema["properties"]["existing"]["allOf"][0])
    assert set(existing["properties"]) == {"id", "reference"}


def test_every_list_documents_the_link_header_it_sends(client, officer):
    spec = client.get("/api/v1/openapi.json").get_json()
    lists, undocumented = [], []
    for path, operations in spec["paths"].items():
        ok = operations.get("get", {}).get("responses", {}).get("200", {})
        schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("$ref", "").endswith("Page"):
            lists.append(path)
            if "Link" not in ok.get("headers", {}):
                undocumented.append(path)
    assert len(lists) == 15
    assert undocumented == []
    # The header the document describes, as a list sends it.
    with client.application.app_context():
        for _ in range(2):
            factories.incident(created_by_id=officer.id)
        db.session.commit()
    sent = client.get("/api/v1/incidents?limit=1", headers=officer.headers).headers["Link"]
    assert sent.endswith('page=2>; rel="next"')
