"""Building cohort records through the API, for the youths and visits tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Flask

from sywc import clock
from sywc.extensions import db

RATIONALE = "Known associate of a group involved in recent robberies."


def years_ago(years: int, *, days: int = 0) -> date:
    """Return the date `years` years (and `days` more days) before today."""
    today = clock.today()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return date.fromordinal(anniversary.toordinal() - days)


def youth_payload(lead_officer_id: int, **overrides: Any) -> dict[str, Any]:
    """Return a valid POST /youths body."""
    body: dict[str, Any] = {
        "borough": "WCC",
        "first_name": "Jordan",
        "last_name": "Examplewood",
        "date_of_birth": years_ago(16).isoformat(),
        "gender": "male",
        "ethnicity": "mixed",
        "ward": "church_street",
        "address": "1 Imaginary Road",
        "lead_agency": "MPS",
        "lead_officer_id": lead_officer_id,
        "cohort_reason": "at_risk",
        "flags": ["county_lines"],
        "other_cohorts": ["YOT"],
        "rag": "amber",
        "rag_rationale": RATIONALE,
    }
    body.update(overrides)
    return body


def create_youth(client: Any, account: Any, **overrides: Any) -> dict[str, Any]:
    """Create a record through the API as `account` (its own lead officer); return the body."""
    response = client.post(
        "/api/v1/youths", json=youth_payload(account.id, **overrides), headers=account.headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def row_counts(app: Flask, *tables: str) -> dict[str, int]:
    """Count the rows of the given tables (to prove a refused request wrote nothing)."""
    names = tables or (
        "youths",
        "rag_assessments",
        "visits",
        "visit_officers",
        "youth_flags",
        "youth_cohorts",
        "youth_status_changes",
        "audit_events",
    )
    with app.app_context():
        return {
            name: db.session.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in names
        }
