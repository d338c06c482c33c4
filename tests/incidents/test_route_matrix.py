"""Who may call each incident route: officers and senior officers; nobody else."""

from __future__ import annotations

import pytest

from sywc import clock
from sywc.incidents.models import Incident
from tests.incidents.helpers import (
    ROLES,
    add_incident,
    add_youth,
    check_matrix,
    iso,
    version_of,
)

OFFICERS = {"officer": 200, "senior_officer": 200}
CREATED = {"officer": 201, "senior_officer": 201}


@pytest.fixture
def accounts(make_user):
    return {role: make_user(role, "MPS") for role in ROLES}


@pytest.fixture
def world(app, accounts):
    youth = add_youth(app)
    incident = add_incident(app, created_by_id=accounts["officer"].id, youths=[(youth, "victim")])
    return {"youth": youth, "incident": incident}


def _incident_body():
    return {
        "borough": "WCC",
        "occurred_at": iso(clock.utcnow()),
        "type": "assault",
        "ward": "marylebone",
        "summary": "An assault",
    }


def test_list_incidents(client, accounts, world):
    check_matrix(client, accounts, lambda h: client.get("/api/v1/incidents", headers=h), OFFICERS)


def test_create_incident(client, accounts, world):
    check_matrix(
        client,
        accounts,
        lambda h: client.post("/api/v1/incidents", json=_incident_body(), headers=h),
        CREATED,
    )


def test_read_incident(client, accounts, world):
    url = f"/api/v1/incidents/{world['incident']}"
    check_matrix(client, accounts, lambda h: client.get(url, headers=h), OFFICERS)


def test_change_incident(app, client, accounts, world):
    url = f"/api/v1/incidents/{world['incident']}"

    def call(headers):
        current = version_of(app, Incident, world["incident"])
        return client.patch(
            url, json={"summary": "Changed"}, headers={**headers, "If-Match": current}
        )

    check_matrix(client, accounts, call, OFFICERS)


def test_add_involvement(app, client, accounts, world):
    url = f"/api/v1/incidents/{world['incident']}/involvements"

    def call(headers):
        return client.post(
            url, json={"youth_id": add_youth(app), "role": "witness"}, headers=headers
        )

    check_matrix(client, accounts, call, CREATED)


def test_youth_timeline(client, accounts, world):
    url = f"/api/v1/youths/{world['youth']}/timeline"
    check_matrix(client, accounts, lambda h: client.get(url, headers=h), OFFICERS)
