"""Due visits read from the period's window of history: as from the whole, as defined."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.extensions import db
from sywc.stats.period import Period
from sywc.stats.reports.base import Context
from sywc.stats.reports.schedule import OUTCOMES, Window, due_visits, history_window
from sywc.stats.scope import Scope
from sywc.youths.models import RagAssessment
from tests import factories as f
from tests.stats.conftest import NOW, rate

FIRST_DAY = date(2025, 1, 1)
TODAY = NOW.date()
SPAN = (TODAY - FIRST_DAY).days
RAGS = ("red", "amber", "green")
BOTH = ("WCC", "RBKC")


def _day(rng: random.Random) -> date:
    return FIRST_DAY + timedelta(days=rng.randrange(SPAN + 20))


@dataclass
class Child:
    """What was inserted for one young person, for the reference computation."""

    borough: str
    ward: str
    closed_on: date | None
    ratings: list[tuple[date, int, str]] = field(default_factory=list)  # (day, id, rating)
    seen: set[date] = field(default_factory=set)


def _history(rng: random.Random, by: int) -> list[Child]:
    """Insert young people with random ratings (some on one day) and visits of any outcome."""
    children = []
    for n in range(36):
        borough, ward = ("RBKC", "colville") if n % 4 == 0 else ("WCC", "church_street")
        first, rag = _day(rng), rng.choice(RAGS)
        closed = first + timedelta(days=rng.randrange(400)) if n % 5 == 0 else None
        record = f.youth(
            rag=rag,
            rag_assessed_on=first,
            borough=borough,
            ward=ward,
            closed_on=closed,
            status="closed" if closed else "active",
        )
        child = Child(borough, ward, closed)
        # Every sixth keeps only the rating stored on the record, with no history rows.
        if n % 6:
            for on in sorted(_day(rng) for _ in range(rng.randrange(1, 6))):
                for _ in range(rng.choice((1, 1, 2))):
                    rating = rng.choice(RAGS)
                    rate(record.id, rating, on, by)
                    child.ratings.append((on, _last_id(), rating))
        else:
            child.ratings.append((first, 0, rag))
        for _ in range(rng.randrange(12)):
            on, outcome = _day(rng), rng.choice(("seen", "seen", "seen", "not_home"))
            at = f.at(on, rng.randrange(24))
            f.visit(youth_id=record.id, author_id=by, visited_at=at, outcome=outcome)
            if outcome == "seen":
                # A visit counts on its London day: 23:00 UTC in summer is the next one.
                child.seen.add(clock.business_date(at))
        children.append(child)
    return children


def _last_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(RagAssessment.id)))


def _reference(children: list[Child], ctx: Context) -> Counter:
    """Work out the due visits of the period in Python, straight from the definition."""
    cadence, grace = ctx.config["VISIT_CADENCE_DAYS"], ctx.config["VISIT_GRACE_DAYS"]
    rows: Counter = Counter()
    for child in children:
        if child.borough not in ctx.scope.boroughs or ctx.scope.ward not in (None, child.ward):
            continue
        rated = {on: rating for on, _, rating in sorted(child.ratings)}
        days = sorted(set(rated) | child.seen)
        in_force = None
        for i, on in enumerate(days):
            in_force = rated.get(on, in_force)
            if in_force is None:
                continue
            due = on + timedelta(days=cadence[in_force])
            deadline = due + timedelta(days=grace)
            later = days[i + 1 :]
            seen_later = [d for d in later if d in child.seen]
            if deadline >= ctx.today:
                outcome = "pending"  # judged only once the deadline has passed
            elif later and later[0] <= deadline:
                outcome = "on_time" if later[0] in child.seen else "superseded"
            else:
                outcome = "missed"
            counted = ctx.period.start <= due <= ctx.period.end and outcome in OUTCOMES
            if counted and (child.closed_on is None or due <= child.closed_on):
                overdue = ((seen_later[0] if seen_later else ctx.today) - due).days
                rows[child.borough, in_force, outcome, overdue] += 1
    return rows


def _periods(rng: random.Random) -> list[tuple[date, date]]:
    """Return whole months, a quarter, a year and random ranges over the history."""
    months = [date(2025, m, 1) for m in range(1, 13)] + [date(2026, m, 1) for m in range(1, 5)]
    periods = [(a, b - timedelta(days=1)) for a, b in pairwise(months)]
    periods += [(date(2026, 1, 1), date(2026, 3, 31)), (date(2025, 4, 1), date(2026, 3, 31))]
    for _ in range(12):
        start = _day(rng)
        periods.append((start, start + timedelta(days=rng.randrange(120))))
    return periods


def _rows(ctx: Context, *, whole_history: bool) -> Counter:
    due = due_visits(ctx, whole_history=whole_history)
    return Counter(tuple(row) for row in db.session.execute(sa.select(due)))


@pytest.mark.parametrize("seed", [7, 2026])
@pytest.mark.parametrize(
    ("cadence", "grace"),
    [({"red": 7, "amber": 30, "green": 91}, 0), ({"red": 2, "amber": 9, "green": 23}, 3)],
)
def test_windowed_due_visits_match_the_whole_history_and_the_definition(
    app, senior, seed, cadence, grace
):
    rng = random.Random(seed)
    config = {**app.config, "VISIT_CADENCE_DAYS": cadence, "VISIT_GRACE_DAYS": grace}
    scopes = [
        Scope(BOTH, None, False, {"+".join(BOTH): BOTH}),
        Scope(("WCC",), "church_street", False, {"WCC": ("WCC",)}),
    ]
    with app.app_context():
        children = _history(rng, senior.id)
        db.session.commit()
        judged = cut = 0
        for start, end in _periods(rng):
            for scope in scopes:
                ctx = Context(scope, Period(start, end, start, end, False), TODAY, config)
                windowed = _rows(ctx, whole_history=False)
                assert windowed == _rows(ctx, whole_history=True), (start, end, scope.node)
                assert windowed == _reference(children, ctx), (start, end, scope.node)
                judged += sum(windowed.values())
                window = history_window(ctx)
                cut += window.since > FIRST_DAY and window.until < TODAY

    # The comparison is about something: visits were judged, and history was left out.
    assert judged > 50
    assert cut > 20


def test_the_window_runs_from_the_longest_cadence_before_to_the_shortest_before_the_end():
    config = {"VISIT_CADENCE_DAYS": {"red": 7, "amber": 30, "green": 91}}
    scope = Scope(BOTH, None, False, {"+".join(BOTH): BOTH})
    start, end = date(2026, 1, 1), date(2026, 3, 31)
    ctx = Context(scope, Period(start, end, start, end, False), TODAY, config)

    assert history_window(ctx) == Window(date(2025, 10, 2), date(2026, 3, 24))
