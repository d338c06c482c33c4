"""Changes at once: one action closed twice, a meeting and its incident moved together."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.audit.models import AuditEvent
from sywc.extensions import db
from sywc.incidents.models import Incident
from sywc.pvs.models import PvsAction, PvsMeeting
from tests.conftest import assert_problem
from tests.incidents.helpers import add_action, add_incident, add_meeting, count


@pytest.mark.postgres_only
def test_concurrent_finish_and_cancel_of_one_action(app, officer, senior):
    incident = add_incident(app, created_by_id=officer.id)
    meeting = add_meeting(app, incident_id=incident, chair_id=senior.id)
    action = add_action(app, meeting_id=meeting, owner_id=officer.id)
    bodies = [
        (officer, {"status": "done", "completion_note": "Seen at home."}),
        (senior, {"status": "cancelled", "reason": "Moved away."}),
    ]
    statuses: list[int] = []
    barrier = threading.Barrier(len(bodies))

    def attempt(account, body):
        client = app.test_client()
        barrier.wait()
        response = client.patch(
            f"/api/v1/pvs-actions/{action}",
            json=body,
            headers={**account.headers, "If-Match": '"1"'},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=pair) for pair in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses)[0] == 200
    assert sorted(statuses)[1] in (409, 412)
    with app.app_context():
        row = db.session.get(PvsAction, action)
        assert row.version == 2
        closed = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.record_type == "pvs_action")
        ).all()
        assert closed == [f"pvs_action_{row.status}"]


def _moved_meanwhile(app, database_url, incident_id, occurred_at, request):
    """Send `request` while another transaction has moved the incident, not yet committed.

    That transaction is an officer's PATCH of the incident after its own checks: it holds
    the incident's row until it commits, a second later, whatever `request` does.
    """
    engine = sa.create_engine(database_url)
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(request(app.test_client())))
    try:
        with engine.connect() as other, other.begin():
            other.execute(
                sa.update(Incident)
                .where(Incident.id == incident_id)
                .values(occurred_at=occurred_at, version=Incident.version + 1)
            )
            thread.start()
            thread.join(timeout=1)
    finally:
        engine.dispose()
    thread.join(timeout=30)
    return result[0]


@pytest.mark.postgres_only
def test_a_meeting_recorded_while_its_incident_is_moved_meets_the_new_time(
    app, officer, senior, database_url
):
    now = clock.utcnow()
    incident = add_incident(app, created_by_id=officer.id, occurred_at=now - timedelta(days=2))
    body = {"held_at": (now - timedelta(days=1)).isoformat(), "chair_id": senior.id}
    response = _moved_meanwhile(
        app,
        database_url,
        incident,
        now - timedelta(hours=2),
        lambda client: client.post(
            f"/api/v1/incidents/{incident}/pvs-meetings", json=body, headers=senior.headers
        ),
    )
    assert_problem(response, 422, "held_at")
    assert count(app, PvsMeeting) == 0


@pytest.mark.postgres_only
def test_a_meeting_moved_while_its_incident_is_moved_meets_the_new_time(
    app, officer, senior, database_url
):
    now = clock.utcnow()
    incident = add_incident(app, created_by_id=officer.id, occurred_at=now - timedelta(days=2))
    meeting = add_meeting(
        app, incident_id=incident, chair_id=senior.id, held_at=now - timedelta(days=1)
    )
    response = _moved_meanwhile(
        app,
        database_url,
        incident,
        now - timedelta(hours=5),
        lambda client: client.patch(
            f"/api/v1/pvs-meetings/{meeting}",
            json={"held_at": (now - timedelta(hours=10)).isoformat()},
            headers={**senior.headers, "If-Match": '"1"'},
        ),
    )
    assert_problem(response, 422, "held_at")
    with app.app_context():
        stored = db.session.get(PvsMeeting, meeting)
        assert (stored.version, stored.held_at) == (1, now - timedelta(days=1))
