"""Realigning the stored schedules in SQL gives the dates the rule gives one record at a time."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sywc.extensions import db
from sywc.youths.models import Youth
from sywc.youths.schedule import ScheduleRules, next_visit_due
from sywc.youths.service.tracking import realign_schedules
from tests import factories

RAGS = ["red", "amber", "green"]
# Leap days and month and year ends included: the SQL adds days on both databases.
days = st.dates(date(2023, 1, 1), date(2028, 12, 31))
records = st.lists(st.tuples(st.sampled_from(RAGS), days, st.none() | days), min_size=1, max_size=6)
cadences = st.fixed_dictionaries({rag: st.integers(1, 400) for rag in RAGS})


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases=records, cadence=cadences)
def test_realigned_dates_are_the_rules_dates(app, cases, cadence):
    rules = ScheduleRules(cadence)
    with app.app_context():
        ids = [
            factories.youth(
                rag=rag, rag_assessed_on=rated_on, last_seen_on=seen_on, next_visit_due=None
            ).id
            for rag, rated_on, seen_on in cases
        ]
        changed = realign_schedules(session=db.session, rules=rules)
        db.session.commit()
        db.session.expire_all()
        assert set(ids) <= set(changed)
        for youth_id, (rag, rated_on, seen_on) in zip(ids, cases, strict=True):
            assert db.session.get(Youth, youth_id).next_visit_due == next_visit_due(
                rating=rag, rated_on=rated_on, last_seen_on=seen_on, rules=rules
            )
        # In line now: a second pass writes nothing.
        assert realign_schedules(session=db.session, rules=rules) == []
        db.session.commit()
