"""Visit schedules: the visits that fell due in a period and what became of each.

The definition is one SQL statement over each young person's ratings and seen-visits, so
the board's figures are computed by the database however many children there are.

A visit that would fall due while the record is closed, or was due and still outstanding
but not yet missed (within the grace) on the day it was closed, is not counted. If the
record is reopened, that visit falls due on the day it came back (as the stored due date
and the alerts have it), unless something answered it before then. A visit already missed
on the day the record was closed stays missed, at its own date. Closed again soon after,
the visit due on the reopening day is like any other: counted on that day if it was made
(or a new rating given) before the record closed again, due on the next reopening if not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from sywc import clock
from sywc.stats.reports.base import Context, in_scope
from sywc.stats.reports.snapshot import RAGS
from sywc.stats.sql import add_days, day, days_between
from sywc.visits.models import Visit
from sywc.youths.models import RagAssessment, Youth, YouthStatusChange
from sywc.youths.schedule import ScheduleRules
from sywc.youths.schedule_sql import due_after

OUTCOMES = ("on_time", "missed")
# Ratings are ranked 1-3 inside integer codes `n * SLOTS + rank` (see `_days`).
SLOTS = 4
# Any day before every record: schedule days are numbered from here.
EPOCH = date(1900, 1, 1)


@dataclass(frozen=True)
class Window:
    """The schedule days that can bear on a visit due in the period, `since` to `until`.

    A visit falls due a cadence after its anchor, so only anchors from the longest
    cadence before the period to the shortest before its end can fall due in it. Outside
    the window three things still matter, read as one row each per young person: the
    last rating day before it (the rating in force when it opens), and the first rating
    day and first seen-day after it (what happened next to its last anchors).
    """

    since: date
    until: date


def history_window(ctx: Context) -> Window:
    """Return the window of schedule days a period's due visits depend on."""
    # Every rating is one of RAGS (a check constraint), so these bound every cadence.
    cadence = [int(ctx.config["VISIT_CADENCE_DAYS"][r]) for r in RAGS]
    start, end = ctx.period.start, ctx.period.end
    return Window(start - timedelta(days=max(cadence)), end - timedelta(days=min(cadence)))


def _ratings(in_scope_ids: Any, window: Window | None) -> Any:
    """Select the ratings given in the window, those of the last day rated before it,
    and one of the first day rated after it (None: every rating)."""
    columns = (
        RagAssessment.youth_id,
        RagAssessment.assessed_on.label("on"),
        RagAssessment.rating,
        RagAssessment.id.label("seq"),
    )
    rated = sa.select(*columns).where(RagAssessment.youth_id.in_(in_scope_ids))
    if window is None:
        return rated
    on = RagAssessment.assessed_on
    opening = (
        sa.select(RagAssessment.youth_id, sa.func.max(on).label("on"))
        .where(RagAssessment.youth_id.in_(in_scope_ids), on < window.since)
        .group_by(RagAssessment.youth_id)
        .subquery("opening")
    )
    opened = sa.select(*columns).join(
        opening,
        sa.and_(opening.c.youth_id == RagAssessment.youth_id, opening.c.on == on),
    )
    # Only the day of the next rating matters after the window, not which rating it was.
    after = (
        sa.select(
            RagAssessment.youth_id,
            sa.func.min(on),
            sa.func.max(RagAssessment.rating),
            sa.literal(0, sa.Integer),
        )
        .where(RagAssessment.youth_id.in_(in_scope_ids), on > window.until)
        .group_by(RagAssessment.youth_id)
    )
    inside = rated.where(on >= window.since, on <= window.until)
    return sa.union_all(inside, opened, after)


def _seen(ctx: Context, in_scope_ids: Any, window: Window | None) -> Any:
    """Select the days seen in the window and the first day seen after it (None: all)."""
    seen = sa.and_(Visit.outcome == "seen", Visit.youth_id.in_(in_scope_ids))
    columns = (sa.cast(sa.null(), sa.BigInteger), sa.literal(1, sa.Integer))
    days = sa.select(Visit.youth_id, ctx.day_of(Visit.visited_at), *columns).where(seen)
    if window is None:
        return [days]
    # The window's days bound the timestamps as a plain range (the index's), from the
    # first instant of its first business day to that of the day after its last.
    since = clock.day_start(window.since, ctx.config)
    after = clock.day_start(window.until + timedelta(days=1), ctx.config)
    inside = days.where(Visit.visited_at >= since, Visit.visited_at < after)
    first_after = (
        sa.select(Visit.youth_id, ctx.day_of(sa.func.min(Visit.visited_at)), *columns)
        .where(seen, Visit.visited_at >= after)
        .group_by(Visit.youth_id)
    )
    # A visit due while the record was closed falls due on reopening, which can be in the
    # period however long ago its anchor was: for the few reopened since the window
    # opens, the last day seen before it too (the last rating before it is read anyway).
    reopened = sa.select(YouthStatusChange.youth_id).where(
        YouthStatusChange.action == "reopen", YouthStatusChange.changed_at >= since
    )
    last_before = (
        sa.select(Visit.youth_id, ctx.day_of(sa.func.max(Visit.visited_at)), *columns)
        .where(seen, Visit.visited_at < since, Visit.youth_id.in_(reopened))
        .group_by(Visit.youth_id)
    )
    return [inside, first_after, last_before]


def _rank(rating: Any) -> Any:
    """Number a rating 1-3; 0 is left free so that `code % SLOTS` is never ambiguous."""
    return sa.case(*((rating == r, i) for i, r in enumerate(RAGS, start=1)))


def _rating_of(rank: Any) -> Any:
    return sa.case(*((rank == i, r) for i, r in enumerate(RAGS, start=1)))


def _days(ctx: Context, in_scope_ids: Any, window: Window | None) -> Any:
    """One row per young person and schedule day: the rank of the last rating given that
    day, if any, and whether they were seen that day (in the window; None: all history).

    The last rating of a day is the one with the highest id: `id * SLOTS + rank` keeps it
    in one MAX, so the day needs no window of its own.
    """
    rated = _ratings(in_scope_ids, window).subquery("rated")
    coded = sa.select(
        rated.c.youth_id,
        rated.c.on,
        (sa.cast(rated.c.seq, sa.BigInteger) * SLOTS + _rank(rated.c.rating)).label("code"),
        sa.literal(0, sa.Integer).label("seen"),
    )
    # A record without any assessment row still has the rating stored on it.
    unrated = sa.select(
        Youth.id,
        Youth.rag_assessed_on,
        sa.cast(_rank(Youth.rag), sa.BigInteger),
        sa.literal(0, sa.Integer),
    ).where(
        *in_scope(ctx, Youth.borough, Youth.ward),
        ~sa.exists().where(RagAssessment.youth_id == Youth.id),
    )
    events = sa.union_all(coded, unrated, *_seen(ctx, in_scope_ids, window)).subquery("events")
    return (
        sa.select(
            events.c.youth_id,
            events.c.on,
            (sa.func.max(events.c.code) % SLOTS).label("day_rank"),
            sa.func.max(events.c.seen).label("has_seen"),
        )
        .group_by(events.c.youth_id, events.c.on)
        .subquery("days")
    )


def _chain(days: Any) -> Any:
    """Give each schedule day its rating in force and what happened next, by window.

    The rating in force is the one of the latest rating day so far: `day number * SLOTS +
    rank` grows with the day, so a running MAX finds it, and every window shares one
    ordering (one sort of the days, however many windows).
    """
    by_youth = {"partition_by": days.c.youth_id, "order_by": days.c.on}
    day_code = days_between(days.c.on, day(EPOCH)) * SLOTS + days.c.day_rank
    latest = sa.func.max(day_code).over(**by_youth, rows=(None, 0))
    return sa.select(
        days.c.youth_id,
        days.c.on,
        _rating_of(latest % SLOTS).label("rating"),
        sa.func.lead(days.c.on).over(**by_youth).label("next_on"),
        sa.func.lead(days.c.has_seen).over(**by_youth).label("next_seen"),
        sa.func.min(sa.case((days.c.has_seen == 1, days.c.on)))
        .over(**by_youth, rows=(1, None))
        .label("next_seen_on"),
    ).subquery("chain")


def _closures(ctx: Context, in_scope_ids: Any, rules: ScheduleRules) -> Any:
    """Each time a record was closed: the day it closed, the day it was reopened (null
    while it is still closed: closes and reopens alternate, the service sees to it), the
    day the run of closures it belongs to began, and the day the next one of the run began.

    A closure begun within the grace after the previous reopening is of the same run: the
    visit due on that reopening was not yet missed when the record closed again, so
    unless it was made (or rescheduled) by then, it is due on the later reopening (as
    `mark_reopened` dates it). One made by then is counted at the reopening it was due
    on, and the next visit is the one in hand at the closing.
    """
    change = YouthStatusChange
    by_youth = {"partition_by": change.youth_id, "order_by": (change.changed_at, change.id)}
    changes = (
        sa.select(
            change.youth_id,
            change.action,
            ctx.day_of(change.changed_at).label("on"),
            sa.func.lead(change.action).over(**by_youth).label("next_action"),
            sa.func.lead(ctx.day_of(change.changed_at)).over(**by_youth).label("next_on"),
        )
        .where(change.youth_id.in_(in_scope_ids))
        .subquery("changes")
    )
    reopened = sa.select(changes.c.youth_id, changes.c.on, changes.c.next_on).where(
        changes.c.action == "close", changes.c.next_action == "reopen"
    )
    # The current closure is the record's own: it holds even where no change was logged.
    still_closed = sa.select(Youth.id, Youth.closed_on, sa.cast(sa.null(), sa.Date)).where(
        *in_scope(ctx, Youth.borough, Youth.ward), Youth.closed_on.is_not(None)
    )
    spans = sa.union_all(reopened, still_closed).subquery("spans")
    # Only the last span can be open (null), so it sorts last among spans of its day.
    ordered = {
        "partition_by": spans.c.youth_id,
        "order_by": (spans.c.on, spans.c.next_on.is_(None), spans.c.next_on),
    }
    previous = sa.func.lag(spans.c.next_on).over(**ordered)
    starts = sa.or_(previous.is_(None), spans.c.on > add_days(previous, rules.grace_days))
    following = sa.func.lead(spans.c.on).over(**ordered)
    again = following <= add_days(spans.c.next_on, rules.grace_days)
    numbered = sa.select(
        spans.c.youth_id,
        spans.c.on,
        spans.c.next_on,
        sa.case((starts, spans.c.on)).label("starts_on"),
        sa.case((again, following)).label("closed_again_on"),
    ).subquery("numbered")
    n = numbered.c
    # Runs follow one another, so the latest start so far is the day this one's began.
    began = sa.func.max(n.starts_on).over(
        partition_by=n.youth_id,
        order_by=(n.on, n.next_on.is_(None), n.next_on),
        rows=(None, 0),
    )
    return sa.select(
        n.youth_id, n.on, n.next_on, began.label("began_on"), n.closed_again_on
    ).subquery("closures")


def due_visits(ctx: Context, *, whole_history: bool = False) -> Any:
    """Select every judged visit due in the period: borough, rating, outcome, days overdue.

    Only the history that can bear on the period is read, unless `whole_history` (the
    plain definition, which tests compare against).
    """
    in_scope_ids = sa.select(Youth.id).where(*in_scope(ctx, Youth.borough, Youth.ward))
    window = None if whole_history else history_window(ctx)
    chain = _chain(_days(ctx, in_scope_ids, window))
    rules = ScheduleRules.from_config(ctx.config)
    closures = _closures(ctx, in_scope_ids, rules)
    # The rule the stored due dates and the alerts follow, over each anchor in history.
    anchored = due_after(chain.c.on, chain.c.rating, rules)
    # A closure holds the visits due after the day it closed, to the day it reopened, and
    # the one still outstanding but not yet missed (due plus grace) on the day it closed;
    # due on that reopening, it is the visit in hand at the next closure of the run, which
    # holds it in turn unless it was made (or rescheduled) by then. Each visit joins the
    # closure whose reopening it is due on, if any: the last one of its run it reaches.
    closed = closures.c
    answered = chain.c.next_on
    scheduled = (
        sa.select(
            chain,
            anchored.label("anchored_due"),
            closed.youth_id.label("closure_of"),
            closed.next_on.label("reopened_on"),
        )
        .outerjoin(
            closures,
            sa.and_(
                closed.youth_id == chain.c.youth_id,
                # Not yet missed when the run began (a later closing of the run is within
                # the grace after a reopening the visit was due by, so not missed then).
                closed.began_on <= add_days(anchored, rules.grace_days),
                # Due by this reopening, so this closure or an earlier one of the run held
                # it first.
                sa.or_(closed.next_on.is_(None), anchored <= closed.next_on),
                # Carried up to this reopening: due while this closure held it, or not
                # made by the day it closed (nor, then, by any earlier closing).
                sa.or_(closed.on < anchored, answered.is_(None), answered > closed.on),
                # And no further: made by the day the run's next closure began.
                sa.or_(closed.closed_again_on.is_(None), answered <= closed.closed_again_on),
            ),
        )
        .where(chain.c.rating.is_not(None))
        .subquery("scheduled")
    )
    c = scheduled.c
    # Held by a closure: due on reopening if nothing answered it before then.
    moved = sa.and_(
        c.reopened_on.is_not(None), sa.or_(c.next_on.is_(None), c.next_on >= c.reopened_on)
    )
    due = sa.case((c.reopened_on.is_not(None), c.reopened_on), else_=c.anchored_due)
    deadline = add_days(due, rules.grace_days)
    answered = sa.and_(c.next_on.is_not(None), c.next_on <= deadline)
    # Judged once its deadline has passed, however it went: a visit made early counted
    # before its unvisited twin could count as missed would lift the share on time.
    outcome = sa.case(
        (deadline >= day(ctx.today), "pending"),
        (sa.and_(answered, c.next_seen == 1), OUTCOMES[0]),
        (answered, "superseded"),
        else_=OUTCOMES[1],
    )
    overdue = days_between(sa.func.coalesce(c.next_seen_on, day(ctx.today)), due)
    judged = (
        sa.select(
            Youth.borough,
            c.rating,
            outcome.label("outcome"),
            overdue.label("days_overdue"),
            due.label("due_on"),
        )
        .join(Youth, Youth.id == c.youth_id)
        .where(sa.or_(c.closure_of.is_(None), moved))
        .subquery("judged")
    )
    j = judged.c
    return (
        sa.select(j.borough, j.rating, j.outcome, j.days_overdue)
        .where(j.due_on >= day(ctx.period.start), j.due_on <= day(ctx.period.end))
        .where(j.outcome.in_(OUTCOMES))
        .cte("due_visits")
    )
