"""Small helpers shared by the incident and PVS tests: rows inserted directly, counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask

from sywc.extensions import db
from tests import factories


def add_youth(app: Flask, **overrides: Any) -> int:
    with app.app_context():
        record = factories.youth(**overrides)
        db.session.commit()
        return record.id


def add_incident(app: Flask, *, created_by_id: int, **overrides: Any) -> int:
    with app.app_context():
        record = factories.incident(created_by_id=created_by_id, **overrides)
        db.session.commit()
        return record.id


def add_meeting(app: Flask, *, incident_id: int, chair_id: int, **overrides: Any) -> int:
    with app.app_context():
        record = factories.meeting(incident_id=incident_id, chair_id=chair_id, **overrides)
        db.session.commit()
        return record.id


def add_action(app: Flask, *, meeting_id: int, owner_id: int, **overrides: Any) -> int:
    with app.app_context():
        record = factories.action(
            meeting_id=meeting_id, owner_id=owner_id, created_by_id=owner_id, **overrides
        )
        db.session.commit()
        return record.id


def count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def iso(moment: datetime) -> str:
    return moment.isoformat()


ROLES = ("officer", "senior_officer", "board_member", "auditor", "admin")


def version_of(app: Flask, model: Any, record_id: int) -> str:
    with app.app_context():
        return f'"{db.session.get(model, record_id).version}"'


def check_matrix(
    client: Any, accounts: dict[str, Any], call: Any, allowed: dict[str, int]
) -> dict[str, int]:
    """Call a route as each role and anonymously; return {role: status} for comparison."""
    seen = {}
    for role in ROLES:
        response = call(accounts[role].headers)
        seen[role] = response.status_code
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
    seen["anonymous"] = call({}).status_code
    expected = {role: allowed.get(role, 403) for role in ROLES} | {"anonymous": 401}
    assert seen == expected
    return seen
