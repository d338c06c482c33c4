"""Safe requests on PostgreSQL run each statement in its own transaction (no BEGIN and
COMMIT round trips); everything that must be whole still is."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.audit import service as audit
from sywc.audit import verification
from sywc.audit.models import AuditEvent, AuditEventRecord
from sywc.database import in_statement_transactions, statement_transactions
from sywc.extensions import db
from sywc.youths.models import Youth
from tests import factories
from tests.conftest import BACKEND, audit_actions


def _autocommit_per_statement(app, call) -> list[bool]:
    """Run `call()`; return, for each statement it sent, whether the driver autocommitted."""
    seen: list[bool] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(bool(conn.connection.driver_connection.autocommit))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return seen


def _youth_id(app) -> int:
    with app.app_context():
        youth_id = factories.youth().id
        db.session.commit()
    return youth_id


@pytest.mark.postgres_only
def test_a_read_commits_each_statement_and_a_change_runs_in_one_transaction(app, client, officer):
    youth_id = _youth_id(app)

    def read() -> None:
        response = client.get(f"/api/v1/youths/{youth_id}", headers=officer.headers)
        assert response.status_code == 200

    def change() -> None:
        response = client.post(
            f"/api/v1/youths/{youth_id}/visits",
            headers=officer.headers,
            json={
                "visited_at": clock.utcnow().isoformat(),
                "officer_ids": [officer.id],
                "outcome": "seen",
            },
        )
        assert response.status_code == 201, response.get_json()

    reading = _autocommit_per_statement(app, read)
    changing = _autocommit_per_statement(app, change)
    # The session check, the record, the audit append: each commits alone.
    assert reading == [True, True, True]
    assert len(changing) > 3
    assert not any(changing)
    assert [e.action for e in audit_actions(app, record_id=str(youth_id))][-2:] == [
        "youth_viewed",
        "visit_recorded",
    ]
    with app.app_context(), db.engine.connect() as conn:
        # The pool hands the next request a connection with transactions again.
        assert conn.connection.driver_connection.autocommit is False
        assert verification.walk().ok


def test_only_postgresql_connections_commit_each_statement(app):
    with app.app_context():
        statement_transactions(db.session())
        assert in_statement_transactions(db.session.connection()) is (BACKEND == "postgresql")
        db.session.rollback()
        # Not first in its transaction: the connection it already has stays as it is.
        db.session.connection()
        statement_transactions(db.session())
        assert in_statement_transactions(db.session.connection()) is False


@pytest.mark.postgres_only
def test_several_events_are_appended_together_or_not_at_all(app, monkeypatch):
    def record_two() -> None:
        statement_transactions(db.session())
        audit.record("probe_one", actor=audit.SYSTEM, details={"n": 1})
        audit.record("probe_many", record_type="youth", record_ids=[1, 2], actor=audit.SYSTEM)

    def broken_link(connection: sa.Connection, links: Any) -> None:
        raise RuntimeError("link failed")

    with app.app_context():
        monkeypatch.setattr(audit, "_link", broken_link)
        record_two()
        with pytest.raises(RuntimeError, match="link failed"):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0
        monkeypatch.undo()

        record_two()
        db.session.commit()
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["probe_one", "probe_many"]
        links = db.session.execute(
            sa.select(AuditEventRecord.event_id, AuditEventRecord.record_id).order_by(
                AuditEventRecord.record_id
            )
        ).all()
        assert [tuple(link) for link in links] == [(events[1].id, "1"), (events[1].id, "2")]
        assert verification.walk().ok


@pytest.mark.postgres_only
def test_a_safe_request_may_not_change_records(app):
    youth_id = _youth_id(app)
    with app.app_context():
        statement_transactions(db.session())
        youth = db.session.get(Youth, youth_id)
        assert youth is not None
        youth.address = "2 Changed Street"
        with pytest.raises(RuntimeError, match="safe"):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(Youth, youth_id).address == "1 Example Street"
