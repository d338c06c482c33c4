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
from sywc.youths.models import RagAssessment, YouthStatusChange
from tests import factories as f
from tests.stats.conftest import NOW, rate

FIRST_DAY = date(2025, 1, 1)
TODAY = NOW.date()
SPAN = (TODAY - FIRST_DAY).days
RAGS = ("red", "amber", "green")
# A visit due on a reopening day: its anchor, its outcome, whether due by the closing day.
Moved = tuple[date, str, bool]
# The day a visit falls due, the day the first closure that held it began, and what a
# closure begun within the grace after the reopening it was due on did: CARRIED it on to
# its own reopening, or found it MADE (or rescheduled) by then.
Held = tuple[date, date | None, str | None]
CARRIED, MADE = "carried", "made"
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
    # Earlier closures: (the day closed, the day reopened).
    reopened: list[tuple[date, date]] = field(default_factory=list)

    def closures(self) -> list[tuple[date, date | None]]:
        """Closed from and reopened on, each time, the current closure last."""
        current = [(self.closed_on, None)] if self.closed_on else []
        return [*self.reopened, *current]

    def due_on(self, due: date, answered: date | None, grace: int) -> Held | None:
        """Return the day a visit due on `due`, whose next anchor is `answered`, falls due
        and the day the first closure that held it began (None: none did); None if it
        does not count.

        Each closure in turn, as `mark_reopened` decides each reopening: one begun before
        the visit was missed and before anything answered it (a visit due while closed is
        held however early it was answered) holds it to its reopening, unless something
        answered it before then; due that day, it is the visit in hand at the next one.
        """
        held, again = None, None
        for closed, reopened in self.closures():
            if reopened is not None and reopened < due:
                continue  # over before it fell due
            if closed > due + timedelta(days=grace):
                break  # missed while the record was open
            if answered is not None and answered <= closed and (held or closed >= due):
                again = MADE if held else again
                break  # made (or rescheduled) before the record was closed
            again = CARRIED if held else again
            held = held or closed
            if reopened is None or (answered is not None and answered < reopened):
                return None
            due = reopened
        return due, held, again


def _close_and_reopen(rng: random.Random, record_id: int, by: int) -> list[tuple[date, date]]:
    """Log one or two earlier closures, at any hour (a London day, not a UTC one)."""
    gaps, start = [], FIRST_DAY
    for _ in range(rng.choice((1, 1, 2))):
        at = [f.at(start + timedelta(days=rng.randrange(200)), rng.randrange(24))]
        at.append(at[0] + timedelta(days=rng.choice((0, 1, 5, 30, 120, 300)), hours=1))
        for action, when in zip(("close", "reopen"), at, strict=True):
            db.session.add(
                YouthStatusChange(
                    youth_id=record_id, action=action, reason="Test", changed_by_id=by,
                    changed_at=when,
                )
            )  # fmt: skip
        gaps.append((clock.business_date(at[0]), clock.business_date(at[1])))
        start = gaps[-1][1] + timedelta(days=1)
    return gaps


def _open_day(rng: random.Random, child: Child) -> date:
    """Return a random day, mostly one when the record was open (not always: a visit made
    while it was closed may be recorded once it is reopened)."""
    on = _day(rng)
    while any(c < on < r for c, r in child.reopened) and rng.random() < 0.8:
        on = _day(rng)
    return on


def _history(rng: random.Random, by: int, cadence: dict[str, int], grace: int) -> list[Child]:
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
        if n % 3 == 1:
            # Reopened before: its history goes on through and after the closures, and
            # some are closed again since.
            child.reopened = _close_and_reopen(rng, record.id, by)
            for _, reopened_on in child.reopened:
                if rng.random() < 0.5:  # seen the day they came back
                    f.visit(youth_id=record.id, author_id=by, visited_at=f.at(reopened_on, 12))
                    child.seen.add(reopened_on)
            if closed is not None:
                child.closed_on = child.reopened[-1][1] + timedelta(days=rng.randrange(1, 90))
                record.closed_on = child.closed_on
                db.session.add(
                    YouthStatusChange(
                        youth_id=record.id, action="close", reason="Test", changed_by_id=by,
                        changed_at=f.at(child.closed_on, 10),
                    )
                )  # fmt: skip
        # Every sixth keeps only the rating stored on the record, with no history rows.
        if n % 6:
            for on in sorted(_open_day(rng, child) for _ in range(rng.randrange(1, 6))):
                for _ in range(rng.choice((1, 1, 2))):
                    rating = rng.choice(RAGS)
                    rate(record.id, rating, on, by)
                    child.ratings.append((on, _last_id(), rating))
            for closed_on, _ in child.reopened:
                # Rated or seen the day before closing: their next visit falls due while
                # closed.
                before, draw = closed_on - timedelta(days=1), rng.random()
                if draw < 0.3:
                    rating = rng.choice(RAGS)
                    rate(record.id, rating, before, by)
                    child.ratings.append((before, _last_id(), rating))
                elif draw < 0.6:
                    f.visit(youth_id=record.id, author_id=by, visited_at=f.at(before, 12))
                    child.seen.add(before)
                elif draw < 0.9:
                    # Due on the closing day or within the grace before: not yet missed.
                    rating = rng.choice(RAGS)
                    on = closed_on - timedelta(days=cadence[rating] + rng.randrange(grace + 1))
                    rate(record.id, rating, on, by)
                    child.ratings.append((on, _last_id(), rating))
        else:
            child.ratings.append((first, 0, rag))
        for _ in range(rng.randrange(12)):
            on, outcome = _open_day(rng, child), rng.choice(("seen", "seen", "seen", "not_home"))
            at = f.at(on, rng.randrange(24))
            f.visit(youth_id=record.id, author_id=by, visited_at=at, outcome=outcome)
            if outcome == "seen":
                # A visit counts on its London day: 23:00 UTC in summer is the next one.
                child.seen.add(clock.business_date(at))
        children.append(child)
    return children


def _last_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(RagAssessment.id)))


def _reference(
    children: list[Child],
    ctx: Context,
    moved: list[Moved] | None = None,
    runs: Counter | None = None,
) -> Counter:
    """Work out the due visits of the period in Python, straight from the definition.

    Each visit of the period due on a reopening day adds (its anchor, outcome, whether it
    was due by the day the record closed) to `moved`; one met by a closure begun within
    the grace after that reopening counts in `runs` what the closure did with it.
    """
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
            later = days[i + 1 :]
            carried = child.due_on(due, later[0] if later else None, grace)
            if carried is None:
                continue  # due while closed, and answered or never reopened
            due, closed_on, again = carried
            deadline = due + timedelta(days=grace)
            seen_later = [d for d in later if d in child.seen]
            if deadline >= ctx.today:
                outcome = "pending"  # judged only once the deadline has passed
            elif later and later[0] <= deadline:
                outcome = "on_time" if later[0] in child.seen else "superseded"
            else:
                outcome = "missed"
            counted = ctx.period.start <= due <= ctx.period.end and outcome in OUTCOMES
            if counted and moved is not None and closed_on is not None:
                moved.append((on, outcome, on + timedelta(days=cadence[in_force]) <= closed_on))
            if counted and runs is not None and again is not None:
                runs[again] += 1
            if counted:
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
        children = _history(rng, senior.id, cadence, grace)
        db.session.commit()
        judged = cut = 0
        moved: list[Moved] = []
        moved_from_before: list[Moved] = []
        for start, end in _periods(rng):
            for scope in scopes:
                ctx = Context(scope, Period(start, end, start, end, False), TODAY, config)
                windowed = _rows(ctx, whole_history=False)
                assert windowed == _rows(ctx, whole_history=True), (start, end, scope.node)
                these: list[Moved] = []
                assert windowed == _reference(children, ctx, these), (start, end, scope.node)
                judged += sum(windowed.values())
                window = history_window(ctx)
                cut += window.since > FIRST_DAY and window.until < TODAY
                moved += these
                moved_from_before += [m for m in these if m[0] < window.since]

    # The comparison is about something: visits were judged, history was left out, and
    # visits due on reopening were judged both ways, some from anchors before the window
    # and some due by the day the record closed (not yet missed then).
    assert judged > 50
    assert cut > 20
    assert {outcome for _, outcome, _ in moved} == set(OUTCOMES)
    assert moved_from_before
    assert any(due_by_closing for _, _, due_by_closing in moved)


def _runs_of_closures(
    rng: random.Random, by: int, cadence: dict[str, int], grace: int
) -> list[Child]:
    """Insert young people rated in early 2025 and closed before the rating's visit was
    missed (now and then after), then reopened and closed again two or three times, each
    time hours after the reopening (the same day, within the grace, or just after it);
    seen on the days they came back, seen or rated on the days they closed, and seen
    between."""
    children = []
    for n in range(30):
        borough, ward = ("RBKC", "colville") if n % 4 == 0 else ("WCC", "church_street")
        rag, first = rng.choice(RAGS), FIRST_DAY + timedelta(days=rng.randrange(120))
        # Closed about when the rating's visit fell due: mostly before it was missed.
        closing = first + timedelta(days=max(1, cadence[rag] + rng.randrange(-3, grace + 2)))
        closed_at = f.at(closing, rng.randrange(6, 12))
        times = []
        for _ in range(rng.choice((2, 3))):
            reopened_at = closed_at + timedelta(days=rng.choice((0, 3, 20, 60)), hours=1)
            times.append((closed_at, reopened_at))
            # Hours later: the same day, the last day of the grace, or the day after it.
            hours = rng.choice((1, 3, 24 * grace + 1, 24 * grace + 3, 24 * grace + 25))
            closed_at = reopened_at + timedelta(hours=hours)
        closed_on = clock.business_date(closed_at) if rng.random() < 0.25 else None
        record = f.youth(
            rag=rag,
            rag_assessed_on=first,
            borough=borough,
            ward=ward,
            closed_on=closed_on,
            status="closed" if closed_on else "active",
        )
        child = Child(borough, ward, closed_on)
        rate(record.id, rag, first, by)
        child.ratings.append((first, _last_id(), rag))
        logged = [(action, at) for c, r in times for action, at in (("close", c), ("reopen", r))]
        if closed_on is not None:
            logged.append(("close", closed_at))
        for action, at in logged:
            db.session.add(
                YouthStatusChange(
                    youth_id=record.id, action=action, reason="Test", changed_by_id=by,
                    changed_at=at,
                )
            )  # fmt: skip
        child.reopened = [(clock.business_date(c), clock.business_date(r)) for c, r in times]
        # Open from each reopening to the next closing (the last, if still open, 60 days).
        backs = [r for _, r in child.reopened]
        closings = [c for c, _ in child.reopened[1:]]
        closings.append(closed_on or backs[-1] + timedelta(days=60))
        for back, closing in zip(backs, closings, strict=True):
            # Not seen (nor rated) until closed again, or seen the day they came back, the
            # day they were closed or a day between, or rated the day they were closed.
            seen, draw = set(), rng.random()
            if draw < 0.2:
                seen.add(back)
            elif draw < 0.4:
                seen.add(closing)
            elif draw < 0.5:
                seen.add(back + timedelta(days=rng.randrange((closing - back).days + 1)))
            elif draw < 0.6:
                rating = rng.choice(RAGS)
                rate(record.id, rating, closing, by)
                child.ratings.append((closing, _last_id(), rating))
            for day_seen in sorted(seen):
                f.visit(youth_id=record.id, author_id=by, visited_at=f.at(day_seen, 12))
            child.seen |= seen
        children.append(child)
    return children


@pytest.mark.parametrize(
    ("cadence", "grace"),
    [({"red": 7, "amber": 30, "green": 91}, 0), ({"red": 2, "amber": 9, "green": 23}, 3)],
)
def test_a_visit_due_on_a_reopening_is_carried_on_by_a_closing_soon_after_unless_made(
    app, senior, cadence, grace
):
    """A closure begun within the grace after a reopening holds the visit due on that
    reopening only if it was not made (or rescheduled) by then, as reopening dates it."""
    rng = random.Random(11)
    config = {**app.config, "VISIT_CADENCE_DAYS": cadence, "VISIT_GRACE_DAYS": grace}
    scope = Scope(BOTH, None, False, {"+".join(BOTH): BOTH})
    with app.app_context():
        children = _runs_of_closures(rng, senior.id, cadence, grace)
        db.session.commit()
        moved: list[Moved] = []
        runs: Counter = Counter()
        for start, end in _periods(rng):
            ctx = Context(scope, Period(start, end, start, end, False), TODAY, config)
            windowed = _rows(ctx, whole_history=False)
            assert windowed == _rows(ctx, whole_history=True), (start, end)
            assert windowed == _reference(children, ctx, moved, runs), (start, end)

    # Visits due on a reopening were judged both ways, and closings soon after such a
    # reopening met some not yet made, and some made.
    assert {outcome for _, outcome, _ in moved} == set(OUTCOMES)
    assert runs[CARRIED], runs
    assert runs[MADE], runs


def test_the_window_runs_from_the_longest_cadence_before_to_the_shortest_before_the_end():
    config = {"VISIT_CADENCE_DAYS": {"red": 7, "amber": 30, "green": 91}}
    scope = Scope(BOTH, None, False, {"+".join(BOTH): BOTH})
    start, end = date(2026, 1, 1), date(2026, 3, 31)
    ctx = Context(scope, Period(start, end, start, end, False), TODAY, config)

    assert history_window(ctx) == Window(date(2025, 10, 2), date(2026, 3, 24))
