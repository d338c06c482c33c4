"""Cohort records keep `last_closed_on`; each reopening is decided again from history.

A reopening decides whether the visit in hand when the record was closed had already
been missed, with what was known on the day it came back. A seen visit or a rating
entered since, dated on or before the day it was closed, can show otherwise, and one
dated while it was closed dates a visit due while closed, so on reopening; the board's
visit figures, which work from the history, saw it and the stored due date did not. The
record now keeps the day it was last closed, past its reopening, so that such an entry
is recognised when it is recorded. Existing records get it from `closed_on` or, once
reopened, from the latest closure logged (its day in the business time zone). Records
that were reopened get `visits_due_from` decided again, closure by closure in order,
from the rating in force and the last seen visit before each reopening day and the
previous decision (the stored rating stands in where no rating is dated by then), and active
ones their due date with it. One closed again since keeps the decision for its next
reopening (migration 0014 corrected active records, and only from their last closure).

Revision ID: 0015
Revises: 0014
"""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BATCH = 1000
CADENCE = {"red": 7, "amber": 30, "green": 91}

youths = sa.table(
    "youths",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("closed_on", sa.Date),
    sa.column("last_closed_on", sa.Date),
    sa.column("rag", sa.String),
    sa.column("rag_assessed_on", sa.Date),
    sa.column("last_seen_on", sa.Date),
    sa.column("visits_due_from", sa.Date),
    sa.column("next_visit_due", sa.Date),
)
changes = sa.table(
    "youth_status_changes",
    sa.column("id", sa.Integer),
    sa.column("youth_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("changed_at", sa.DateTime),
)
assessments = sa.table(
    "rag_assessments",
    sa.column("id", sa.Integer),
    sa.column("youth_id", sa.Integer),
    sa.column("rating", sa.String),
    sa.column("assessed_on", sa.Date),
)
visits = sa.table(
    "visits",
    sa.column("youth_id", sa.Integer),
    sa.column("outcome", sa.String),
    sa.column("visited_at", sa.DateTime),
)


def _business_date(stored, zone):
    """The business day of a timestamp stored as naive UTC (strings on some drivers)."""
    moment = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _day_after(day, zone):
    """The first instant after business day `day`, as stored (naive UTC)."""
    start = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return start.astimezone(UTC).replace(tzinfo=None)


def upgrade():
    with op.batch_alter_table("youths", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_closed_on", sa.Date(), nullable=True))

    config = current_app.config
    zone = ZoneInfo(config.get("BUSINESS_TIMEZONE", "Europe/London"))
    cadence = {**CADENCE, **config.get("VISIT_CADENCE_DAYS", {})}
    grace = int(config.get("VISIT_GRACE_DAYS", 0))
    connection = op.get_bind()
    connection.execute(
        sa.update(youths)
        .where(youths.c.closed_on.is_not(None))
        .values(last_closed_on=youths.c.closed_on)
    )
    reopened = sa.select(changes.c.youth_id).where(changes.c.action == "reopen")
    update = (
        sa.update(youths)
        .where(youths.c.id == sa.bindparam("row_id"))
        .values(
            last_closed_on=sa.bindparam("closed"),
            visits_due_from=sa.bindparam("due_from"),
            next_visit_due=sa.bindparam("due"),
        )
    )
    after = 0
    while True:  # in batches by id: reopened records are few, but never held all at once
        rows = connection.execute(
            sa.select(youths)
            .where(
                youths.c.id > after,
                youths.c.id.in_(reopened),
            )
            .order_by(youths.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        after = rows[-1].id
        logged = _closures(connection, [row.id for row in rows], zone)
        changed = []
        for row in rows:
            closures = logged.get(row.id, [])
            if not closures:
                continue
            due_from = _redecide(connection, row, closures, zone, cadence, grace)
            if row.status == "closed":
                # Closed again since: no schedule now, but its next reopening decides
                # from the visit in hand, dated by the reopenings before.
                closed_now = _day(row.closed_on) or max(closed for closed, _ in closures)
                changed.append(
                    {"row_id": row.id, "closed": closed_now, "due_from": due_from, "due": None}
                )
                continue
            changed.append(
                {
                    "row_id": row.id,
                    "closed": max(closed for closed, _ in closures),
                    "due_from": due_from,
                    "due": _next_due(
                        _day(row.rag_assessed_on), _day(row.last_seen_on), row.rag, due_from,
                        cadence,
                    ),
                }
            )  # fmt: skip
        if changed:
            connection.execute(update, changed)


def _closures(connection, ids, zone):
    """Each record's closures it was reopened from, in order: (day closed, day reopened)."""
    logged = {}
    for youth_id, action, at in connection.execute(
        sa.select(changes.c.youth_id, changes.c.action, changes.c.changed_at)
        .where(changes.c.youth_id.in_(ids))
        .order_by(changes.c.youth_id, changes.c.changed_at, changes.c.id)
    ):
        logged.setdefault(youth_id, []).append((action, _business_date(at, zone)))
    return {
        youth_id: [
            (closed, reopened)
            for (was, closed), (then, reopened) in pairwise(days)
            if (was, then) == ("close", "reopen")
        ]
        for youth_id, days in logged.items()
    }


def _redecide(connection, row, closures, zone, cadence, grace):
    """Decide each reopening in turn as the service does, from what was dated before
    each reopening day (an entry dated while closed puts the visit in hand after the
    closing day); return the last decision."""
    days = [reopened - timedelta(days=1) for _, reopened in closures]
    rated = connection.execute(
        sa.select(assessments.c.assessed_on, assessments.c.rating)
        .where(assessments.c.youth_id == row.id, assessments.c.assessed_on <= max(days))
        .order_by(assessments.c.assessed_on, assessments.c.id)
    ).all()
    seen = connection.execute(
        sa.select(
            *(
                sa.select(sa.func.max(visits.c.visited_at))
                .where(
                    visits.c.youth_id == row.id,
                    visits.c.outcome == "seen",
                    visits.c.visited_at < _day_after(day, zone),
                )
                .scalar_subquery()
                for day in days
            )
        )
    ).one()
    due_from = None
    for (closed, reopened), until, last_seen in zip(closures, days, seen, strict=True):
        in_force = [(_day(on), rating) for on, rating in rated if _day(on) <= until]
        rated_on, rating = in_force[-1] if in_force else (_day(row.rag_assessed_on), row.rag)
        seen_on = None if last_seen is None else _business_date(last_seen, zone)
        due = _next_due(rated_on, seen_on, rating, due_from, cadence)
        if due + timedelta(days=grace) >= closed:  # not yet missed on the closing day
            due_from = reopened
    return due_from


def _next_due(rated_on, last_seen_on, rating, due_from, cadence):
    base = rated_on if last_seen_on is None else max(rated_on, last_seen_on)
    due = base + timedelta(days=cadence[rating])
    return due if due_from is None else max(due, due_from)


def downgrade():
    # The decisions taken again stand: the earlier dates were the fault this corrects.
    with op.batch_alter_table("youths", schema=None) as batch_op:
        batch_op.drop_column("last_closed_on")
