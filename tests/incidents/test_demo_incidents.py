"""The demo's incidents, meetings and actions: plausible, varied and deterministic."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from config.reference import ward_codes
from sywc import clock
from sywc.demo import DemoContext, incidents, users
from sywc.extensions import db
from sywc.incidents.models import Incident, Involvement
from sywc.pvs.models import PvsAction, PvsIndividual, PvsMeeting
from tests import factories


def _cohort(ctx, boroughs):
    """Insert a young person in each borough given, in the cohort since before the
    incidents (a record is named only once it exists)."""
    for borough in boroughs:
        ward = "church_street" if borough == "WCC" else "golborne"
        entered = clock.today() - timedelta(days=incidents.DAYS_BACK + 30)
        youth = factories.youth(borough=borough, ward=ward, entered_on=entered)
        ctx.youth_ids.append(youth.id)
        ctx.youth_borough[youth.id] = borough
        ctx.youth_entered[youth.id] = youth.entered_on


def _build(app, seed, now=None):
    with app.app_context():
        ctx = DemoContext(
            session=db.session(), rng=random.Random(seed), now=now or clock.utcnow(), n_youths=200
        )
        users.build(ctx)
        _cohort(ctx, ["WCC" if n % 2 else "RBKC" for n in range(200)])
        incidents.build(ctx)
        db.session.commit()
        return ctx.summary


def _snapshot():
    incidents_ = db.session.execute(
        sa.select(Incident.type, Incident.ward, Incident.occurred_at).order_by(Incident.id)
    ).all()
    roles = db.session.scalars(sa.select(Involvement.role).order_by(Involvement.id)).all()
    actions = db.session.execute(
        sa.select(
            PvsAction.status, PvsAction.agency, PvsAction.due_on, PvsAction.completed_at
        ).order_by(PvsAction.id)
    ).all()
    return [tuple(r) for r in incidents_], list(roles), [tuple(a) for a in actions]


def test_demo_incidents_meetings_and_actions(app):
    summary = _build(app, seed=7)
    now, today = clock.utcnow(), clock.today()
    assert summary["incidents"] == 10
    with app.app_context():
        found = db.session.scalars(sa.select(Incident)).all()
        assert all(now - timedelta(days=549) < i.occurred_at <= now for i in found)
        assert all(i.ward in ward_codes(i.borough) for i in found)
        assert len({i.type for i in found}) >= 3
        people = db.session.execute(
            sa.select(Involvement.role, Incident.borough, Involvement.youth_id).join(Incident)
        ).all()
        assert {p.role for p in people} >= {"victim", "suspect"}
        meetings = db.session.scalars(sa.select(PvsMeeting)).all()
        assert meetings
        incident_of = {i.id: i for i in found}
        assert all(incident_of[m.incident_id].occurred_at <= m.held_at <= now for m in meetings)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PvsIndividual)) > 0
        actions = db.session.scalars(sa.select(PvsAction)).all()
        assert len({a.agency for a in actions}) >= 3
        done = [a for a in actions if a.status == "done"]
        late = [a for a in done if clock.business_date(a.completed_at) > a.due_on]
        on_time = [a for a in done if clock.business_date(a.completed_at) <= a.due_on]
        overdue = [a for a in actions if a.is_overdue(today)]
        cancelled = [a for a in actions if a.status == "cancelled"]
        kinds = {"late": late, "on_time": on_time, "overdue": overdue, "cancelled": cancelled}
        assert [kind for kind, found_ in kinds.items() if not found_] == []
        assert all(a.completed_at is None for a in actions if a.status == "open")
        meeting_day = {m.id: clock.business_date(m.held_at) for m in meetings}
        assert all(a.due_on >= meeting_day[a.meeting_id] for a in actions)


def test_demo_is_deterministic(app):
    now = clock.utcnow()

    def built(seed):
        with app.app_context():
            ctx = DemoContext(session=db.session(), rng=random.Random(seed), now=now, n_youths=200)
            users.build(ctx)
            _cohort(ctx, ["WCC"] * 200)
            incidents.build(ctx)
            db.session.flush()
            snapshot = _snapshot()
            db.session.rollback()  # the next build starts from the same empty database
            return snapshot

    first, again, other = built(3), built(3), built(4)
    assert first == again
    assert first != other
