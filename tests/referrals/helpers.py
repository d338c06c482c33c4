"""Shared pieces of the referral tests: bodies, rows and counts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from sywc.extensions import db
from sywc.referrals.models import Referral, ReferralTransition
from tests import factories

URL = "/api/v1/referrals"


def add_youth(app: Flask, **overrides: Any) -> int:
    """Insert a young person (WCC, led by MPS unless told otherwise) and return the id."""
    with app.app_context():
        youth_id = factories.youth(**overrides).id
        db.session.commit()
    return youth_id


def add_referral(app: Flask, **overrides: Any) -> int:
    """Insert a referral (MPS to IGXU in WCC unless told otherwise) and return the id."""
    overrides.setdefault("youth_id", None)
    with app.app_context():
        referral_id = factories.referral(**overrides).id
        db.session.commit()
    return referral_id


def officer_body(youth_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "youth_id": youth_id,
        "to_agency": "IGXU",
        "reason_codes": ["criminal_exploitation"],
        "urgency": "standard",
        "summary": "Seen with older associates near the station after school.",
        "lawful_basis": "public_task",
    }
    body.update(overrides)
    return body


def partner_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "borough": "WCC",
        "subject": {"first_name": "Test", "last_name": "Person", "date_of_birth": "2010-05-01"},
        "to_agency": "MASH",
        "reason_codes": ["criminal_exploitation"],
        "urgency": "urgent",
        "summary": "Disclosed pressure to carry packages for older boys.",
        "lawful_basis": "public_task",
        "external_reference": "SCH-0001",
    }
    body.update(overrides)
    return body


def count_rows(app: Flask, model: Any = Referral) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def referral_row(app: Flask, referral_id: int) -> dict[str, Any]:
    """Return a referral's columns and its transitions' actions, read afresh."""
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        steps = db.session.scalars(
            sa.select(ReferralTransition.action)
            .where(ReferralTransition.referral_id == referral_id)
            .order_by(ReferralTransition.id)
        ).all()
        values = {c.key: getattr(referral, c.key) for c in Referral.__table__.columns}
        return {**values, "steps": list(steps)}
