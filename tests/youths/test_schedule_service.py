"""The stored schedule, at service level: ratings, visits, closing, and the alerts they resolve."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sywc import clock
from sywc.alerts.models import Alert, AlertEvent
from sywc.errors import Conflict
from sywc.extensions import db
from sywc.security import Principal
from sywc.users.service import create_user
from sywc.visits.models import Visit
from sywc.visits.service import record_visit
from sywc.youths import service
from sywc.youths.models import RagAssessment, Youth
from sywc.youths.schedule import ScheduleRules, next_visit_due
from sywc.youths.service.tracking import realign_schedules
from tests.conftest import PASSWORD

ENTRY = date(2025, 1, 6)
RULES = ScheduleRules({"red": 7, "amber": 30, "green": 91}, 0)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def principal(app) -> Principal:
    with app.app_context():
        user = create_user(
            username="svc.officer",
            password=PASSWORD,
            name="Service Officer",
            role="officer",
            agency="MPS",
            boroughs=["WCC"],
            now=clock.utcnow(),
        )
        return Principal("user", user.id, "officer", "MPS", frozenset({"WCC"}), "s", "svc")


def new_youth(principal: Principal, *, rag: str = "amber", n: int = 0) -> int:
    data: dict[str, Any] = {
        "borough": "WCC",
        "first_name": f"Case{n}",
        "last_name": "Propertyson",
        "date_of_birth": date(2009, 3, 1),
        "gender": "female",
        "ethnicity": "black",
        "ward": "queens_park",
        "address": None,
        "lead_agency": "MPS",
        "lead_officer_id": principal.id,
        "cohort_reason": "victim",
        "flags": [],
        "other_cohorts": [],
        "rag": rag,
        "rag_rationale": "Initial rating for the property test.",
        "confirm_duplicate": True,
    }
    return service.create_youth(principal=principal, data=data, now=at(ENTRY, 9)).id


def visit(principal: Principal, youth_id: int, day: date, outcome: str, *, now: datetime) -> None:
    record_visit(
        principal=principal,
        youth_id=youth_id,
        data={
            "visited_at": at(day, 15),
            "officer_ids": [principal.id],
            "outcome": outcome,
            "notes": None,
            "restricted": False,
        },
        now=now,
    )


def rate(principal: Principal, youth_id: int, day: date, rating: str, *, now: datetime) -> Any:
    return service.record_assessment(
        principal=principal,
        youth_id=youth_id,
        rating=rating,
        rationale="Rating changed after a review meeting.",
        assessed_on=day,
        now=now,
    )


def from_scratch(youth_id: int) -> tuple[str, date, date | None, date | None]:
    """Recompute rating, rating date, last seen and next due from the history alone."""
    current = db.session.scalars(
        sa.select(RagAssessment)
        .where(RagAssessment.youth_id == youth_id)
        .order_by(RagAssessment.assessed_on.desc(), RagAssessment.id.desc())
    ).first()
    seen = [
        clock.business_date(v.visited_at)
        for v in db.session.scalars(
            sa.select(Visit).where(Visit.youth_id == youth_id, Visit.outcome == "seen")
        )
    ]
    last_seen = max(seen) if seen else None
    status = db.session.scalar(sa.select(Youth.status).where(Youth.id == youth_id))
    # Every close and reopen here is on one day, so none holds a visit due while closed.
    due = (
        None
        if status == "closed"
        else next_visit_due(
            rating=current.rating, rated_on=current.assessed_on, last_seen_on=last_seen, rules=RULES
        )
    )
    return current.rating, current.assessed_on, last_seen, due


operations = st.lists(
    st.one_of(
        st.tuples(st.just("rate"), st.sampled_from(["red", "amber", "green"]), st.integers(0, 200)),
        st.tuples(
            st.just("visit"),
            st.sampled_from(["seen", "seen", "not_home", "refused", "safeguarding_concern"]),
            st.integers(0, 200),
        ),
        st.tuples(st.sampled_from(["close", "reopen"]), st.none(), st.none()),
    ),
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations, first=st.sampled_from(["red", "amber", "green"]))
def test_stored_schedule_always_equals_the_rule_from_scratch(app, principal, ops, first):
    now = at(ENTRY + timedelta(days=200), 18)
    with app.app_context():
        youth_id = new_youth(principal, rag=first, n=len(ops))
        for op, value, offset in ops:
            try:
                if op == "rate":
                    rate(principal, youth_id, ENTRY + timedelta(days=offset), value, now=now)
                elif op == "visit":
                    visit(principal, youth_id, ENTRY + timedelta(days=offset), value, now=now)
                elif op == "close":
                    service.close_youth(
                        principal=principal, youth_id=youth_id, reason="Test closure", now=now
                    )
                else:
                    service.reopen_youth(
                        principal=principal, youth_id=youth_id, reason="Test reopening", now=now
                    )
            except Conflict:
                db.session.rollback()
        db.session.expire_all()
        stored = db.session.get(Youth, youth_id)
        rating, rated_on, last_seen, due = from_scratch(youth_id)
        assert (stored.rag, stored.rag_assessed_on, stored.last_seen_on) == (
            rating,
            rated_on,
            last_seen,
        )
        assert stored.next_visit_due == due
        # The scan's SQL form of the rule finds nothing to realign.
        assert realign_schedules(session=db.session, rules=RULES) == []
        attempts = [
            v.visited_at
            for v in db.session.scalars(
                sa.select(Visit).where(Visit.youth_id == youth_id, Visit.outcome != "seen")
            )
        ]
        assert stored.last_attempt_at == (max(attempts) if attempts else None)


def test_backdated_assessment_is_history_not_the_current_rating(app, principal):
    with app.app_context():
        youth_id = new_youth(principal, rag="green")
        later = at(ENTRY + timedelta(days=20))
        newer = rate(principal, youth_id, ENTRY + timedelta(days=10), "red", now=later)
        assert newer.current is True
        assert newer.schedule.version == 2  # one change, one version
        older = rate(principal, youth_id, ENTRY + timedelta(days=5), "amber", now=later)
        assert older.current is False
        stored = db.session.get(Youth, youth_id)
        assert (stored.rag, stored.next_visit_due) == ("red", ENTRY + timedelta(days=17))
        same_day = rate(principal, youth_id, ENTRY + timedelta(days=10), "green", now=later)
        assert same_day.current is True  # same date: the later entry wins
        assert db.session.get(Youth, youth_id).rag == "green"


def test_old_seen_visit_never_moves_the_schedule_backwards(app, principal):
    with app.app_context():
        youth_id = new_youth(principal, rag="amber")
        now = at(ENTRY + timedelta(days=60))
        visit(principal, youth_id, ENTRY + timedelta(days=40), "seen", now=now)
        visit(principal, youth_id, ENTRY + timedelta(days=20), "seen", now=now)
        stored = db.session.get(Youth, youth_id)
        assert stored.last_seen_on == ENTRY + timedelta(days=40)
        assert stored.next_visit_due == ENTRY + timedelta(days=70)


def test_attempt_records_last_attempt_and_leaves_the_schedule(app, principal):
    with app.app_context():
        youth_id = new_youth(principal, rag="red")
        now = at(ENTRY + timedelta(days=3))
        visit(principal, youth_id, ENTRY + timedelta(days=2), "not_home", now=now)
        stored = db.session.get(Youth, youth_id)
        assert stored.last_attempt_at == at(ENTRY + timedelta(days=2), 15)
        assert stored.last_seen_on is None
        assert stored.next_visit_due == ENTRY + timedelta(days=7)
        assert stored.last_activity_at == now


def _alert(youth_id: int, type_: str) -> None:
    db.session.add(
        Alert(
            type=type_,
            subject_type="youth",
            subject_id=youth_id,
            youth_id=youth_id,
            borough="WCC",
            agency="MPS",
            due_on=ENTRY,
            opened_at=at(ENTRY),
            status="open",
        )
    )
    db.session.commit()


def _alert_states(youth_id: int) -> dict[str, tuple[str, str | None]]:
    db.session.expire_all()
    return {
        a.type: (a.status, a.resolution)
        for a in db.session.scalars(sa.select(Alert).where(Alert.subject_id == youth_id))
    }


def _resolved_by(youth_id: int) -> dict[str, int | None]:
    """Who resolved each of the young person's alerts, by type, from its `resolved` event."""
    rows = db.session.execute(
        sa.select(Alert.type, AlertEvent.actor_id)
        .join(AlertEvent, AlertEvent.alert_id == Alert.id)
        .where(Alert.subject_id == youth_id, AlertEvent.event == "resolved")
    )
    return dict(rows.all())


def test_seen_visit_resolves_missed_visit_only_when_it_cures_it(app, principal):
    with app.app_context():
        youth_id = new_youth(principal, rag="red")
        _alert(youth_id, "missed_visit")
        now = at(ENTRY + timedelta(days=30), 18)
        visit(principal, youth_id, ENTRY + timedelta(days=1), "seen", now=now)  # still missed
        assert _alert_states(youth_id)["missed_visit"] == ("open", None)
        visit(principal, youth_id, ENTRY + timedelta(days=29), "not_home", now=now)
        assert _alert_states(youth_id)["missed_visit"] == ("open", None)
        visit(principal, youth_id, ENTRY + timedelta(days=30), "seen", now=now)
        assert _alert_states(youth_id)["missed_visit"] == ("resolved", "visit_recorded")
        # The alert's history names who cured it, as the scan's names the run.
        assert _resolved_by(youth_id) == {"missed_visit": principal.id}


def test_new_rating_resolves_review_and_a_cured_missed_visit(app, principal):
    with app.app_context():
        youth_id = new_youth(principal, rag="red")
        _alert(youth_id, "missed_visit")
        _alert(youth_id, "rag_review_due")
        now = at(ENTRY + timedelta(days=20))
        rate(principal, youth_id, ENTRY + timedelta(days=20), "green", now=now)
        assert _alert_states(youth_id) == {
            "missed_visit": ("resolved", "rag_assessed"),
            "rag_review_due": ("resolved", "rag_assessed"),
        }
        assert _resolved_by(youth_id) == {
            "missed_visit": principal.id,
            "rag_review_due": principal.id,
        }


def test_new_rating_leaves_a_still_missed_visit_open(app, principal):
    with app.app_context():
        youth_id = new_youth(principal, rag="amber")
        _alert(youth_id, "missed_visit")
        now = at(ENTRY + timedelta(days=40))
        rate(principal, youth_id, ENTRY + timedelta(days=20), "red", now=now)  # due day 27
        assert _alert_states(youth_id)["missed_visit"] == ("open", None)


def test_a_late_entered_rating_already_past_its_review_leaves_the_review_alert_open(app, principal):
    with app.app_context():
        youth_id = new_youth(principal, rag="red")
        _alert(youth_id, "rag_review_due")
        now = at(ENTRY + timedelta(days=60))
        # The rating in force, but dated day 20: its red review (28 days) fell due on day 48.
        late = rate(principal, youth_id, ENTRY + timedelta(days=20), "red", now=now)
        assert late.current is True
        assert _alert_states(youth_id)["rag_review_due"] == ("open", None)
        rate(principal, youth_id, ENTRY + timedelta(days=33), "red", now=now)  # due day 61
        assert _alert_states(youth_id)["rag_review_due"] == ("resolved", "rag_assessed")


def test_closing_resolves_schedule_alerts_and_refuses_visits_and_ratings(app, principal):
    with app.app_context():
        youth_id = new_youth(principal, rag="red")
        _alert(youth_id, "missed_visit")
        _alert(youth_id, "rag_review_due")
        now = at(ENTRY + timedelta(days=30))
        service.close_youth(principal=principal, youth_id=youth_id, reason="Moved away", now=now)
        assert set(_alert_states(youth_id).values()) == {("resolved", "closed")}
        assert set(_resolved_by(youth_id).values()) == {principal.id}
        with pytest.raises(Conflict):
            visit(principal, youth_id, ENTRY + timedelta(days=29), "seen", now=now)
        db.session.rollback()
        with pytest.raises(Conflict):
            rate(principal, youth_id, ENTRY + timedelta(days=29), "green", now=now)
        db.session.rollback()
        assert db.session.get(Youth, youth_id).next_visit_due is None
