"""A write that removes an alert's cause while the scan runs never leaves the alert open.

The referral acknowledged is the case in point; a seen visit, which the same opening
statement serves, is held to the same. Each test stops the scan around the statement
that opens the alerts of one type and sends the write from another thread, then lets
each go on only once the other has reached a known state: finished, or waiting for the
other's transaction. What is waited for is a condition, never a length of time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from sywc.alerts import scan as scan_module
from sywc.alerts.scan import scan
from sywc.extensions import db
from sywc.referrals import handling
from sywc.referrals.models import Referral
from sywc.visits import service as visits
from sywc.youths.models import Youth
from tests import factories
from tests.alerts.conftest import NOW, TODAY, alerts, events
from tests.conftest import audit_actions
from tests.locks import backend_pid, is_waiting, wait_until, waits_for

# Long enough for a loaded machine, short enough to fail rather than hang on a deadlock.
PATIENCE = 30.0


class InFlight:
    """A request sent from a thread of its own, whose progress the test can wait on."""

    def __init__(self, app: Any, account: Any, path: str, body: dict[str, Any]) -> None:
        self.app, self.account, self.path, self.body = app, account, path, body
        self.response: Any = None
        self.done = threading.Event()
        # SQLite: about to ask for the write lock, which the scan holds until it commits.
        self.waiting_for_write_lock = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            self.response = self.app.test_client().post(
                self.path, json=self.body, headers=self.account.headers
            )
        finally:
            self.done.set()

    def _note_begin(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if threading.current_thread() is self.thread and statement == "BEGIN IMMEDIATE":
            self.waiting_for_write_lock.set()

    def start(self) -> None:
        with self.app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", self._note_begin)
        self.thread.start()

    def finish(self) -> Any:
        self.thread.join(timeout=PATIENCE)
        with self.app.app_context():
            sa.event.remove(db.engine, "before_cursor_execute", self._note_begin)
        assert self.done.is_set(), "the request never finished"
        return self.response


@dataclass(frozen=True)
class Write:
    """A write that removes the cause of an alert and resolves it in its transaction."""

    alert_type: str
    resolution: str
    status: int
    audited: str
    # The module whose use case calls `resolve_alerts`.
    module: Any
    # (app, make_user) -> (subject id, the request, not yet sent)
    prepare: Callable[[Any, Any], tuple[int, InFlight]]
    # (subject) -> whether the write is stored, read in an app context
    stored: Callable[[int], bool]


def _overdue_referral(app: Any, make_user: Any) -> tuple[int, InFlight]:
    receiver = make_user("officer", "IGXU")
    with app.app_context():
        young = factories.youth()
        referral_id = factories.referral(
            youth_id=young.id, acknowledge_by=TODAY - timedelta(days=2)
        ).id
        db.session.commit()
    path = f"/api/v1/referrals/{referral_id}/transitions"
    return referral_id, InFlight(app, receiver, path, {"action": "acknowledge"})


def _missed_visit(app: Any, make_user: Any) -> tuple[int, InFlight]:
    officer = make_user("officer", "MPS")
    with app.app_context():
        youth_id = factories.youth(rag="red", next_visit_due=TODAY - timedelta(days=3)).id
        db.session.commit()
    body = {
        "visited_at": (NOW - timedelta(hours=1)).isoformat(),
        "officer_ids": [officer.id],
        "outcome": "seen",
    }
    return youth_id, InFlight(app, officer, f"/api/v1/youths/{youth_id}/visits", body)


WRITES = [
    pytest.param(
        Write(
            "referral_overdue",
            "acknowledged",
            200,
            "referral_transitioned",
            handling,
            _overdue_referral,
            lambda referral_id: db.session.get(Referral, referral_id).status == "acknowledged",
        ),
        id="referral-acknowledged",
    ),
    # A visit that comes after the alert was opened already waited for the scan: the new
    # alert's key to the young person's row holds it back. One in flight when the scan
    # took its snapshot did not.
    pytest.param(
        Write(
            "missed_visit",
            "visit_recorded",
            201,
            "visit_recorded",
            visits,
            _missed_visit,
            lambda youth_id: db.session.get(Youth, youth_id).last_seen_on == TODAY,
        ),
        id="young-person-seen",
    ),
]


def around_openings(
    monkeypatch: Any,
    alert_type: str,
    *,
    before: Callable[[Any], None] = lambda session: None,
    after: Callable[[Any], None] = lambda session: None,
) -> None:
    """Run `before` and `after` around the first scan's statement opening `alert_type`."""
    original = scan_module._open_missing
    first = threading.Event()

    def hooked(session: Any, cause: Any, **kwargs: Any) -> int:
        if cause.type != alert_type or first.is_set():
            return original(session, cause, **kwargs)
        first.set()
        before(session)
        opened = original(session, cause, **kwargs)
        after(session)
        return opened

    monkeypatch.setattr(scan_module, "_open_missing", hooked)


def assert_written(app: Any, write: Write, subject: int, response: Any) -> None:
    assert response.status_code == write.status, response.get_json()
    with app.app_context():
        assert write.stored(subject)
    [event] = audit_actions(app, action=write.audited)
    assert event.actor_type == "user"


@pytest.mark.parametrize("write", WRITES)
def test_a_write_after_the_scan_opened_its_alert_resolves_it(app, monkeypatch, make_user, write):
    subject, in_flight = write.prepare(app, make_user)

    def send_meanwhile(session):
        # The alert is inserted, not committed: the write cannot see it yet.
        in_flight.start()
        if db.engine.dialect.name == "postgresql":
            wait_until(app, in_flight.done, waits_for(backend_pid(session)))
        else:
            # SQLite: it waits for the write lock, which this scan holds until it commits.
            assert in_flight.waiting_for_write_lock.wait(PATIENCE)
            assert not in_flight.done.is_set()

    around_openings(monkeypatch, write.alert_type, after=send_meanwhile)
    with app.app_context():
        result = scan(now=NOW)
    assert_written(app, write, subject, in_flight.finish())
    assert result.opened[write.alert_type] == 1
    [alert] = alerts(app, write.alert_type)
    assert (alert.subject_id, alert.status, alert.resolution) == (
        subject,
        "resolved",
        write.resolution,
    )
    assert events(app, alert.id) == [(alert.id, "opened"), (alert.id, "resolved")]
    [scanned] = audit_actions(app, action="alerts_scanned")
    assert scanned.details["opened"][write.alert_type] == 1


@pytest.mark.postgres_only
@pytest.mark.parametrize("write", WRITES)
def test_a_scan_that_meets_a_write_in_flight_opens_no_alert(app, monkeypatch, make_user, write):
    # The write has removed the cause and found no alert to resolve, and has not
    # committed when the scan's statement takes its snapshot: in that snapshot, the
    # subject is still due and has no alert.
    subject, in_flight = write.prepare(app, make_user)
    resolved, release, opened = threading.Event(), threading.Event(), threading.Event()
    original_resolve = write.module.resolve_alerts

    def resolve_then_hold(**kwargs):
        count = original_resolve(**kwargs)
        resolved.set()
        assert release.wait(PATIENCE), "the scan never released the write"
        return count

    monkeypatch.setattr(write.module, "resolve_alerts", resolve_then_hold)

    def release_once_settled(scan_pid):
        # The write commits once the scan waits for it, or once the scan has opened its
        # alerts without waiting.
        wait_until(app, opened, is_waiting(scan_pid))
        release.set()

    releasers = []

    def start_releaser(session):
        releaser = threading.Thread(target=release_once_settled, args=(backend_pid(session),))
        releasers.append(releaser)
        releaser.start()

    around_openings(
        monkeypatch, write.alert_type, before=start_releaser, after=lambda session: opened.set()
    )
    in_flight.start()
    assert resolved.wait(PATIENCE)
    with app.app_context():
        result = scan(now=NOW)
    assert_written(app, write, subject, in_flight.finish())
    releasers[0].join(timeout=PATIENCE)
    assert result.opened[write.alert_type] == 0
    assert alerts(app, write.alert_type) == []
    # The next scan agrees: the cause is gone.
    with app.app_context():
        assert scan(now=NOW + timedelta(minutes=15)).opened[write.alert_type] == 0
