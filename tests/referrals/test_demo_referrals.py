"""Demo referrals: in proportion to the cohort, spread over its children, valid."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import sqlalchemy as sa

from sywc.demo import DemoContext, users
from sywc.demo import referrals as demo_referrals
from sywc.demo import youths as demo_youths
from sywc.extensions import db
from sywc.referrals.models import Referral

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def build(app, n_youths):
    with app.app_context():
        ctx = DemoContext(session=db.session(), rng=random.Random(3), now=NOW, n_youths=n_youths)
        for step in (users.build, demo_youths.build, demo_referrals.build):
            step(ctx)
        db.session.commit()
        rows = db.session.execute(
            sa.select(Referral.youth_id, Referral.status, Referral.external_reference)
        ).all()
        return ctx, rows


def test_referrals_grow_with_the_cohort_and_fall_on_many_children(app):
    ctx, rows = build(app, 600)

    per_borough_rounds = [
        len(demo_referrals._rounds(n))
        for n in (
            sum(1 for b in ctx.youth_borough.values() if b == code)
            for code in sorted(set(ctx.youth_borough.values()))
        )
    ]
    assert min(per_borough_rounds) >= 5
    assert ctx.summary["referrals"] == len(rows) > 600 / 10
    matched = [youth_id for youth_id, _, _ in rows if youth_id is not None]
    assert len(set(matched)) > len(matched) / 2
    references = [r for _, _, r in rows if r is not None]
    assert len(references) == len(set(references))
    # History (finished) and live work (submitted, acknowledged) are both there.
    statuses = {status for _, status, _ in rows}
    assert {"submitted", "acknowledged", "accepted", "declined", "closed"} <= statuses


def test_a_small_cohort_gets_the_live_set_once(app):
    _, rows = build(app, 20)

    assert len(rows) <= 2 * len(demo_referrals.SCENARIOS)
