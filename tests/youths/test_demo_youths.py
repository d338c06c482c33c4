"""The demo cohort: consistent with the service's own rules, plausible, deterministic."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from config.reference import ward_codes
from sywc import clock
from sywc.demo import DemoContext, users
from sywc.demo import youths as demo_youths
from sywc.demo.youth_plans import LAST, Planner
from sywc.extensions import db
from sywc.users.models import User, UserBorough
from sywc.visits.models import Visit, VisitOfficer
from sywc.youths.models import RagAssessment, Youth
from sywc.youths.schedule import ScheduleRules, age_on, next_visit_due
from tests import factories

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
RULES = ScheduleRules({"red": 7, "amber": 30, "green": 91}, 0)


@pytest.fixture
def demo(app):
    with app.app_context():
        ctx = DemoContext(session=db.session(), rng=random.Random(11), now=NOW, n_youths=80)
        users.build(ctx)
        demo_youths.build(ctx)
        db.session.commit()
        yield ctx


def test_every_stored_schedule_follows_the_rule_from_the_history(demo):
    current = {}
    for a in db.session.scalars(
        sa.select(RagAssessment).order_by(RagAssessment.assessed_on, RagAssessment.id)
    ):
        current[a.youth_id] = a
    seen: dict[int, object] = {}
    for visit in db.session.scalars(sa.select(Visit).where(Visit.outcome == "seen")):
        day = clock.business_date(visit.visited_at)
        seen[visit.youth_id] = max(seen.get(visit.youth_id, day), day)
    youths = db.session.scalars(sa.select(Youth)).all()
    assert len(youths) == 80 == len(demo.youth_ids)
    for youth in youths:
        rating = current[youth.id]
        assert (youth.rag, youth.rag_assessed_on) == (rating.rating, rating.assessed_on)
        assert youth.last_seen_on == seen.get(youth.id)
        expected = next_visit_due(
            rating=youth.rag,
            rated_on=youth.rag_assessed_on,
            last_seen_on=youth.last_seen_on,
            rules=RULES,
        )
        assert youth.next_visit_due == (None if youth.status == "closed" else expected)


def test_records_are_valid_and_fictional(demo):
    officers = {
        u.id: (u.agency, {b.borough for b in u.borough_links})
        for u in db.session.scalars(sa.select(User).where(User.agency.is_not(None)))
    }
    for youth in db.session.scalars(sa.select(Youth)):
        assert youth.last_name in LAST
        assert 10 <= age_on(youth.date_of_birth, youth.entered_on) <= 25
        assert youth.ward in ward_codes(youth.borough)
        agency, boroughs = officers[youth.lead_officer_id]
        assert agency == youth.lead_agency
        assert youth.borough in boroughs
        assert demo.youth_borough[youth.id] == youth.borough
    assert db.session.scalar(sa.select(sa.func.max(Visit.visited_at))) < NOW
    outside = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(VisitOfficer)
        .join(Visit, Visit.id == VisitOfficer.visit_id)
        .join(Youth, Youth.id == Visit.youth_id)
        .where(
            ~sa.exists().where(
                UserBorough.user_id == VisitOfficer.user_id, UserBorough.borough == Youth.borough
            )
        )
    )
    assert outside == 0


def test_mix_is_plausible_and_summarised(demo):
    rags = Counter(db.session.scalars(sa.select(Youth.rag)))
    assert rags["green"] > rags["amber"] > rags["red"] > 0
    summary = demo.summary
    assert summary["youths"] == 80
    assert summary["visits"] == db.session.scalar(sa.select(sa.func.count()).select_from(Visit))
    assert 10 <= summary["visits"] / summary["youths"] <= 30
    assert summary["overdue"] > 0
    assert summary["restricted_visits"] > 0
    assert summary["rag_assessments"] > summary["youths"]  # some have a later review
    attempts = db.session.scalar(
        sa.select(sa.func.count()).select_from(Visit).where(Visit.outcome != "seen")
    )
    joint = db.session.scalar(
        sa.select(sa.func.count()).select_from(
            sa.select(VisitOfficer.visit_id)
            .group_by(VisitOfficer.visit_id)
            .having(sa.func.count() > 1)
            .subquery()
        )
    )
    assert attempts > 0
    assert joint > 0


def test_plans_are_deterministic_for_a_seed(demo, app):
    def plans(seed: int) -> list[dict]:
        ctx = DemoContext(
            session=db.session(), rng=random.Random(seed), now=NOW, n_youths=20,
            users=demo.users, user_agency=demo.user_agency,
        )  # fmt: skip
        planner = Planner(ctx, app.config)
        return [planner.youth() for _ in range(20)]

    assert plans(5) == plans(5)
    assert plans(5) != plans(6)


def test_new_records_after_the_demo_get_fresh_ids(demo):
    officer = demo.officers(borough="WCC", agency="MPS")[0]
    youth = factories.youth(lead_officer_id=officer)
    visit = factories.visit(youth_id=youth.id, author_id=officer)
    db.session.commit()
    assert youth.id == max(demo.youth_ids) + 1
    assert visit.id > demo.summary["visits"]
