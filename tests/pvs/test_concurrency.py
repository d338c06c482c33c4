"""Two people closing the same action at once: one wins, the other is told, nothing is lost."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from sywc.audit.models import AuditEvent
from sywc.extensions import db
from sywc.pvs.models import PvsAction
from tests.incidents.helpers import add_action, add_incident, add_meeting


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
