"""PVS meetings held in the period, how quickly, and what became of their actions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from sywc.incidents.enums import TYPE_VALUES
from sywc.incidents.models import Incident
from sywc.pvs.enums import ACTION_TYPE_VALUES
from sywc.pvs.models import PvsAction, PvsMeeting
from sywc.stats.reports.base import (
    BoroughCounts,
    Context,
    Report,
    decode_counts,
    encode_counts,
    grouped,
    in_scope,
    medians,
    publish_counts,
    tallied,
    value_counts,
)
from sywc.stats.rollups import Tally
from sywc.stats.sql import day, days_between
from sywc.stats.tables import (
    CountTable,
    Layout,
    Published,
    cell,
    count_table,
    figure,
    measure_table,
    median,
    share,
)

OUTCOMES = ("done_on_time", "done_late", "open_overdue", "open_not_due", "cancelled")
# Actions whose due date has come (or that are done) count towards the on-time share.
JUDGED = OUTCOMES[:3]


def _layout(boroughs: Sequence[str]) -> Layout:
    return Layout(
        [
            CountTable(
                "meetings_by_incident_type",
                "PVS meetings held in the period, by type of incident",
                "meetings",
                ("incident_type",),
                (tuple(TYPE_VALUES),),
            ),
            CountTable(
                "actions_by_type_and_outcome",
                "Actions agreed at the period's meetings, by type and outcome",
                "actions",
                ("type", "outcome"),
                (tuple(ACTION_TYPE_VALUES), OUTCOMES),
            ),
        ]
    )


def _meetings(ctx: Context) -> sa.Select:
    held = ctx.day_of(PvsMeeting.held_at)
    return (
        sa.select(
            PvsMeeting.id,
            PvsMeeting.borough,
            PvsMeeting.held_at,
            Incident.type,
            Incident.occurred_at,
        )
        .join(Incident, Incident.id == PvsMeeting.incident_id)
        .where(
            held >= ctx.period.start,
            held <= ctx.period.end,
            *in_scope(ctx, PvsMeeting.borough, Incident.ward),
        )
    )


def _outcome(ctx: Context) -> sa.ColumnElement[str]:
    done_on = ctx.day_of(PvsAction.completed_at)
    return sa.case(
        (sa.and_(PvsAction.status == "done", done_on <= PvsAction.due_on), OUTCOMES[0]),
        (PvsAction.status == "done", OUTCOMES[1]),
        (sa.and_(PvsAction.status == "open", PvsAction.due_on < day(ctx.today)), OUTCOMES[2]),
        (PvsAction.status == "open", OUTCOMES[3]),
        else_=OUTCOMES[4],
    )


NOTES = [
    "Meetings are those held in the period; actions are those agreed at them.",
    "An action is done on time when completed on or before its due date; open actions "
    "past their due date count as not done on time; cancelled actions and open actions "
    "not yet due are left out of the share.",
]


def _count(ctx: Context, meetings: Any) -> BoroughCounts:
    """Count meetings by incident type and their actions by type and outcome."""
    counts: BoroughCounts = {}
    stmt = sa.select(meetings.c.borough, meetings.c.type, sa.func.count())
    stmt = stmt.group_by(meetings.c.borough, meetings.c.type)
    grouped(stmt, "meetings", ("incident_type",), counts)
    actions = (
        sa.select(PvsAction.borough, PvsAction.type, _outcome(ctx).label("outcome"))
        .join(meetings, meetings.c.id == PvsAction.meeting_id)
        .subquery("actions")
    )
    stmt = sa.select(actions.c.borough, actions.c.type, actions.c.outcome, sa.func.count())
    stmt = stmt.group_by(actions.c.borough, actions.c.type, actions.c.outcome)
    return grouped(stmt, "actions", ("type", "outcome"), counts)


DELAY = "incident_to_meeting"


def _delays(ctx: Context, meetings: Any) -> list[list[Any]]:
    """Count the meetings by days from incident to meeting, per borough: the median's
    histogram."""
    gap = days_between(ctx.day_of(meetings.c.held_at), ctx.day_of(meetings.c.occurred_at))
    return value_counts(DELAY, sa.select(meetings.c.borough, gap.label("value")).subquery())


def _figures(ctx: Context, published: Published, delays: list[list[Any]]) -> list[dict[str, Any]]:
    """Return the median days from incident to meeting and the on-time shares."""
    n, value = medians(delays, ctx.scope.boroughs, (DELAY,))[DELAY]

    def on_time(**condition: str) -> tuple[float | None, bool]:
        numerator = [cell("actions", outcome=OUTCOMES[0], **condition)]
        denominator = [cell("actions", outcome=o, **condition) for o in JUDGED]
        return share(published, numerator, denominator, minimum=ctx.scope.minimum)

    return [
        figure(
            "median_days_incident_to_meeting",
            "Median days from the incident to its PVS meeting",
            "median_days",
            median(published, [cell("meetings")], n, value, minimum=ctx.scope.threshold),
        ),
        measure_table(
            "actions_done_on_time_share",
            "Share of actions due (or done) that were done by their due date, by type",
            "share",
            ("type",),
            [((t,), *on_time(type=t)) for t in ACTION_TYPE_VALUES],
            on_time(),
        ),
    ]


def pvs_tally(ctx: Context) -> Tally:
    """Count the period's meetings and actions per borough, with the delays' histogram."""
    meetings = _meetings(ctx).subquery("meetings")
    return {"counts": encode_counts(_count(ctx, meetings)), "delays": _delays(ctx, meetings)}


def pvs_report(ctx: Context) -> Report:
    """Count meetings and their actions; give the median days from incident to meeting."""
    tally = tallied(ctx, "pvs", pvs_tally)
    published, layout = publish_counts(ctx, _layout, decode_counts(tally["counts"]))
    tables = [count_table(t, published) for t in layout.tables]
    return Report(tables + _figures(ctx, published, tally["delays"]), NOTES)
