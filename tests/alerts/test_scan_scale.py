"""The scan is set-based and safe to run twice at once."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sywc.alerts.models import Alert, AlertEvent
from sywc.alerts.scan import scan
from sywc.extensions import db
from sywc.youths.models import Youth
from tests import factories
from tests.alerts.conftest import NOW, TODAY, alerts
from tests.factories import CADENCE


def youth_rows(count: int, *, first: int = 0) -> list[dict]:
    """Rows for a bulk insert: a mix of overdue visits, stale ratings and old closures."""
    rows = []
    for i in range(first, first + count):
        rag = ("red", "amber", "green")[i % 3]
        closed = i % 7 == 0
        rated_on = TODAY - timedelta(days=(i * 13) % 120)
        rows.append(
            {
                "borough": ("WCC", "RBKC")[i % 2],
                "first_name": "Bulk",
                "last_name": f"Person{i}",
                "name_key": f"person{i} bulk",
                "date_of_birth": date(2010, 1, 1),
                "gender": "female",
                "ward": "church_street",
                "lead_agency": ("MPS", "IGXU", "YOT")[i % 3],
                "cohort_reason": "at_risk",
                "status": "closed" if closed else "active",
                "closed_on": TODAY - timedelta(days=800) if closed else None,
                "entered_on": TODAY - timedelta(days=900),
                "review_by": TODAY + timedelta(days=90),
                "rag": rag,
                "rag_assessed_on": rated_on,
                "next_visit_due": None if closed else rated_on + timedelta(days=CADENCE[rag]),
                "last_activity_at": NOW - timedelta(days=(i * 17) % 900),
            }
        )
    return rows


def insert_youths(app, count, *, first=0):
    with app.app_context():
        db.session.execute(sa.insert(Youth), youth_rows(count, first=first))
        db.session.commit()


def test_a_scan_costs_the_same_statements_for_10_and_1000_young_people(app, count_statements):
    insert_youths(app, 10)
    with app.app_context(), count_statements() as small:
        small_result = scan(now=NOW)
    insert_youths(app, 990, first=10)
    with app.app_context(), count_statements() as large:
        large_result = scan(now=NOW + timedelta(days=1))
    assert sum(large_result.opened.values()) > 10 * sum(small_result.opened.values()) > 0
    assert large.count == small.count, (small.statements, large.statements)
    assert not [s for s in large.statements if s.lstrip().upper().startswith("SELECT youths")]


def test_realigning_10_or_1000_schedules_costs_the_same_statements(app, count_statements):
    insert_youths(app, 10)
    app.config["VISIT_CADENCE_DAYS"] = {"red": 5, "amber": 28, "green": 84}
    with app.app_context(), count_statements() as small:
        small_result = scan(now=NOW)
    insert_youths(app, 990, first=10)
    app.config["VISIT_CADENCE_DAYS"] = {"red": 6, "amber": 29, "green": 85}
    with app.app_context(), count_statements() as large:
        large_result = scan(now=NOW)
    # Every active record (one in seven is closed) has a new due date each time.
    assert (len(small_result.rescheduled), len(large_result.rescheduled)) == (8, 857)
    assert large.count == small.count, (small.statements, large.statements)


def test_a_scan_loads_no_young_person_into_memory(app):
    insert_youths(app, 50)
    with app.app_context():
        scan(now=NOW)
        loaded = [obj for obj in db.session.identity_map.values() if isinstance(obj, Youth)]
    assert loaded == []


def _scan_in_thread(app, barrier, results, errors):
    try:
        with app.app_context():
            barrier.wait(timeout=10)
            results.append(scan(now=NOW))
    except Exception as error:  # surfaced by the assertion below
        errors.append(error)


@pytest.mark.postgres_only
def test_two_concurrent_scans_give_one_set_of_alerts(app):
    insert_youths(app, 300)
    barrier, results, errors = threading.Barrier(2), [], []
    threads = [
        threading.Thread(target=_scan_in_thread, args=(app, barrier, results, errors))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    opened = {t: sum(r.opened[t] for r in results) for t in results[0].opened}
    rows = alerts(app)
    with app.app_context():
        opened_events = db.session.scalar(
            sa.select(sa.func.count()).select_from(AlertEvent).where(AlertEvent.event == "opened")
        )
    assert sum(opened.values()) == len(rows) == opened_events > 0
    assert len({(a.type, a.subject_id) for a in rows}) == len(rows)
    assert min(sum(r.opened.values()) for r in results) == 0


@pytest.mark.postgres_only
def test_an_alert_opened_by_a_concurrent_writer_is_not_duplicated(app):
    with app.app_context():
        youth_id = factories.youth(next_visit_due=TODAY - timedelta(days=3)).id
        db.session.commit()
    inserted = threading.Event()

    def other_writer():
        with app.app_context():
            db.session.add(
                Alert(
                    type="missed_visit",
                    subject_type="youth",
                    subject_id=youth_id,
                    youth_id=youth_id,
                    borough="WCC",
                    agency="MPS",
                    due_on=TODAY - timedelta(days=3),
                    opened_at=NOW,
                )
            )
            db.session.flush()
            inserted.set()
            time.sleep(0.5)  # the scan's insert waits on the unique index meanwhile
            db.session.commit()

    writer = threading.Thread(target=other_writer)
    writer.start()
    assert inserted.wait(timeout=10)
    with app.app_context():
        result = scan(now=NOW)
    writer.join(timeout=10)
    assert result.opened["missed_visit"] == 0
    assert [a.subject_id for a in alerts(app, "missed_visit")] == [youth_id]
