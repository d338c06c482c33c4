"""Referrals sent in the period: routes, outcomes and how quickly they were handled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from config.reference import AGENCY_CODES, REFERRAL_RECEIVING_AGENCIES
from sywc.extensions import db
from sywc.referrals.clock import ClockSettings
from sywc.referrals.enums import ReferralStatus
from sywc.referrals.models import Referral
from sywc.stats.reports.base import (
    OTHER,
    BoroughCounts,
    Context,
    Report,
    bucket,
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
from sywc.stats.sql import day, working_days
from sywc.stats.tables import (
    CountTable,
    Layout,
    Published,
    Relation,
    cell,
    count_table,
    figure,
    median,
    share,
)

PARTNER = "PARTNER"
SENDERS = (*AGENCY_CODES, PARTNER)
RECEIVERS = (*(a for a in AGENCY_CODES if a in REFERRAL_RECEIVING_AGENCIES), OTHER)
STATUSES = (*(s.value for s in ReferralStatus), OTHER)
ACKNOWLEDGEMENT = ("in_time", "late", "overdue", "awaiting", "withdrawn_unacknowledged")
# Referrals whose deadline has been tested: acknowledged, or past the deadline unanswered.
JUDGED = ACKNOWLEDGEMENT[:3]
# Statuses a referral reaches only through a decision (closing follows one).
DECIDED = ("accepted", "declined", "closed")


# Withdrawn once acknowledged: never published, but the reader knows it is what the
# withdrawn leave beside those withdrawn unacknowledged.
WITHDRAWN_ACKNOWLEDGED = cell("referrals", status="withdrawn", acknowledged="yes")


def _layout(boroughs: Sequence[str]) -> Layout:
    # The workflow is public, and ties the status to the acknowledgement: only a referral
    # still `submitted` is overdue or awaiting, and only one withdrawn unacknowledged is
    # that. Suppression must know what the reader can work out.
    submitted, withdrawn = (cell("referrals", status=s) for s in ("submitted", "withdrawn"))
    overdue, awaiting, unacknowledged = (
        cell("referrals", acknowledgement=a) for a in ACKNOWLEDGEMENT[2:]
    )
    relations = [
        Relation(submitted, (overdue, awaiting)),
        Relation(withdrawn, (unacknowledged, WITHDRAWN_ACKNOWLEDGED)),
    ]
    return Layout(
        [
            CountTable(
                "by_route",
                "Referrals sent in the period, by route (from agency, to agency)",
                "referrals",
                ("from_agency", "to_agency"),
                (SENDERS, RECEIVERS),
            ),
            CountTable(
                "by_status",
                "Referrals sent in the period, by current status",
                "referrals",
                ("status",),
                (STATUSES,),
            ),
            CountTable(
                "by_acknowledgement",
                "Referrals sent in the period, by acknowledgement against the deadline",
                "referrals",
                ("acknowledgement",),
                (ACKNOWLEDGEMENT,),
            ),
        ],
        relations,
        [WITHDRAWN_ACKNOWLEDGED],
    )


def _acknowledgement(ctx: Context) -> Any:
    # Decided by the status first, so that the relations of `_layout` hold by construction.
    submitted = Referral.status == ReferralStatus.SUBMITTED.value
    unacknowledged = Referral.acknowledged_at.is_(None)
    return sa.case(
        (submitted & (Referral.acknowledge_by < day(ctx.today)), ACKNOWLEDGEMENT[2]),
        (submitted, ACKNOWLEDGEMENT[3]),
        (unacknowledged & (Referral.status == ReferralStatus.WITHDRAWN.value), ACKNOWLEDGEMENT[4]),
        (ctx.day_of(Referral.acknowledged_at) <= Referral.acknowledge_by, ACKNOWLEDGEMENT[0]),
        else_=ACKNOWLEDGEMENT[1],
    )


MEDIANS = ("acknowledge", "decide")


def _working_days(ctx: Context, in_period: list[Any]) -> list[list[Any]]:
    """Count the referrals by working days to acknowledgement and to decision, per
    borough: the histograms of the medians."""
    # The referral clock's calendar over the years these referrals were sent in and the
    # next, when most are answered (up to this year).
    first = ctx.period.start.year
    last = max(first, min(ctx.period.end.year + 1, ctx.today.year))
    holidays = ClockSettings.from_config(ctx.config).with_standing_holidays(first, last).holidays
    sent = ctx.day_of(Referral.submitted_at)
    rows: list[list[Any]] = []
    for name, column in zip(MEDIANS, (Referral.acknowledged_at, Referral.decided_at), strict=True):
        days = working_days(sent, ctx.day_of(column), holidays)
        spans = sa.select(Referral.borough, days.label("value")).where(
            column.is_not(None), *in_period
        )
        rows += value_counts(name, spans.subquery(name))
    return rows


NOTES = [
    "Referrals are those sent in the period; partner organisations appear as PARTNER.",
    "Working days exclude weekends and England and Wales bank holidays (the referral "
    "clock's calendar); they are counted from the day after sending to the day of "
    "acknowledgement or decision (same day = 0), using dates in {zone} time.",
    "In time: acknowledged on or before the acknowledge-by date. Overdue: not yet "
    "acknowledged and past it. The share is in time / (in time + late + overdue).",
]


def _count(ctx: Context, in_period: list[Any]) -> BoroughCounts:
    """Count referrals by route, and by status and acknowledgement together."""
    sender = sa.case((Referral.from_agency.in_(AGENCY_CODES), Referral.from_agency), else_=PARTNER)
    base = (
        sa.select(
            Referral.borough,
            sender.label("from_agency"),
            bucket(Referral.to_agency, RECEIVERS, OTHER).label("to_agency"),
            bucket(Referral.status, STATUSES, OTHER).label("status"),
            _acknowledgement(ctx).label("acknowledgement"),
        )
        .where(*in_period)
        .subquery("sent")
    )
    counts: BoroughCounts = {}
    route = sa.select(base.c.borough, base.c.from_agency, base.c.to_agency, sa.func.count())
    route = route.group_by(base.c.borough, base.c.from_agency, base.c.to_agency)
    grouped(route, "referrals", ("from_agency", "to_agency"), counts)
    # Status and acknowledgement in one GROUP BY: their tables, and the one internal cell.
    joint = sa.select(base.c.borough, base.c.status, base.c.acknowledgement, sa.func.count())
    for borough, status, acknowledgement, n in db.session.execute(
        joint.group_by(base.c.borough, base.c.status, base.c.acknowledgement)
    ):
        keys = [
            cell("referrals", status=status),
            cell("referrals", acknowledgement=acknowledgement),
        ]
        if status == ReferralStatus.WITHDRAWN.value and acknowledgement != ACKNOWLEDGEMENT[4]:
            keys.append(WITHDRAWN_ACKNOWLEDGED)
        into = counts.setdefault(borough, {})
        for key in keys:
            into[key] = into.get(key, 0) + int(n)
    return counts


def _figures(
    ctx: Context, published: Published, delays: dict[str, tuple[int, float | None]]
) -> list[dict[str, Any]]:
    """Return the share acknowledged in time and the median working days."""
    threshold = ctx.scope.threshold
    in_time = [cell("referrals", acknowledgement=ACKNOWLEDGEMENT[0])]
    judged = [cell("referrals", acknowledgement=a) for a in JUDGED]
    acknowledged = [cell("referrals", acknowledgement=a) for a in ACKNOWLEDGEMENT[:2]]
    decided = [cell("referrals", status=s) for s in DECIDED]
    return [
        figure(
            "acknowledged_in_time_share",
            "Share of referrals acknowledged by their deadline",
            "share",
            share(published, in_time, judged, minimum=ctx.scope.minimum),
        ),
        figure(
            "median_working_days_to_acknowledge",
            "Median working days from sending to acknowledgement",
            "median_working_days",
            median(published, acknowledged, *delays["acknowledge"], minimum=threshold),
        ),
        figure(
            "median_working_days_to_decide",
            "Median working days from sending to acceptance or decline",
            "median_working_days",
            median(published, decided, *delays["decide"], minimum=threshold),
        ),
    ]


def referrals_tally(ctx: Context) -> Tally:
    """Count the period's referrals per borough, with the histograms of their delays."""
    sent = ctx.day_of(Referral.submitted_at)
    in_period = [sent >= ctx.period.start, sent <= ctx.period.end, *in_scope(ctx, Referral.borough)]
    return {
        "counts": encode_counts(_count(ctx, in_period)),
        "working_days": _working_days(ctx, in_period),
    }


def referrals_report(ctx: Context) -> Report:
    """Count the period's referrals by route, status and timeliness; give median delays."""
    tally = tallied(ctx, "referrals", referrals_tally)
    published, layout = publish_counts(ctx, _layout, decode_counts(tally["counts"]))
    delays = medians(tally["working_days"], ctx.scope.boroughs, MEDIANS)
    tables = [count_table(t, published) for t in layout.tables]
    notes = [note.format(zone=ctx.zone) for note in NOTES]
    return Report(tables + _figures(ctx, published, delays), notes)
