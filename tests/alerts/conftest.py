"""Fixtures of the alerts tests: a frozen clock, settings per test, people to own things."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from sywc.alerts.models import Alert, AlertEvent
from sywc.extensions import db
from tests import factories

# A Wednesday; every test reads "today" as 2026-11-18 unless it moves the clock.
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("sywc.clock.utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def chair(make_user):
    return make_user("senior_officer", "MPS")


@pytest.fixture
def pvs_meeting(app, chair):
    """A PVS meeting to hang actions on; returns its id."""
    with app.app_context():
        incident = factories.incident(created_by_id=chair.id)
        meeting = factories.meeting(incident_id=incident.id, chair_id=chair.id)
        db.session.commit()
        return meeting.id


def alerts(app, alert_type=None, *, unresolved_only=False):
    """Return the alerts (optionally of one type), oldest first, detached for assertions."""
    with app.app_context():
        stmt = sa.select(Alert).order_by(Alert.id)
        if alert_type:
            stmt = stmt.where(Alert.type == alert_type)
        if unresolved_only:
            stmt = stmt.where(Alert.status != "resolved")
        rows = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return rows


def events(app, alert_id=None):
    """Return (alert_id, event) pairs in order."""
    with app.app_context():
        stmt = sa.select(AlertEvent.alert_id, AlertEvent.event).order_by(AlertEvent.id)
        if alert_id is not None:
            stmt = stmt.where(AlertEvent.alert_id == alert_id)
        return [tuple(row) for row in db.session.execute(stmt)]
