"""Reopened records: a visit not yet missed on the day it was closed is due on reopening.

Revision 0013 (and reopening until now) moved a visit to the reopening day only when it
fell due after the day the record was closed. A visit due on that day, or within the
grace before it, had not been missed while the record was open, yet came back overdue
by the weeks it was closed. Active records whose stored due date is on or before the day
of the closure they were last reopened from, but not missed by then (due date plus
`VISIT_GRACE_DAYS` on or after it), get the day of that reopening (in the business time
zone) as `visits_due_from` and as their due date. No schema change.

Revision ID: 0014
Revises: 0013
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BATCH = 5000


def _business_date(stored, zone):
    """The business day of a timestamp stored as naive UTC (strings on some drivers)."""
    moment = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def upgrade():
    zone = ZoneInfo(current_app.config.get("BUSINESS_TIMEZONE", "Europe/London"))
    grace = timedelta(days=int(current_app.config.get("VISIT_GRACE_DAYS", 0)))
    connection = op.get_bind()
    youths = sa.table(
        "youths",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("next_visit_due", sa.Date),
        sa.column("visits_due_from", sa.Date),
    )
    changes = sa.table(
        "youth_status_changes",
        sa.column("youth_id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("changed_at", sa.DateTime),
    )
    # The latest reopening, and the closure it was reopened from (as 0013 found them).
    latest = (
        sa.select(changes.c.youth_id, sa.func.max(changes.c.changed_at).label("at"))
        .where(changes.c.action == "reopen")
        .group_by(changes.c.youth_id)
        .subquery()
    )
    closes = changes.alias("closes")
    closed_at = (
        sa.select(sa.func.max(closes.c.changed_at))
        .where(
            closes.c.youth_id == latest.c.youth_id,
            closes.c.action == "close",
            closes.c.changed_at <= latest.c.at,
        )
        .scalar_subquery()
    )
    update = (
        sa.update(youths)
        .where(youths.c.id == sa.bindparam("row_id"))
        .values(visits_due_from=sa.bindparam("day"), next_visit_due=sa.bindparam("due"))
    )
    after = 0
    while True:  # in batches by id: reopened records are few, but never held all at once
        rows = connection.execute(
            sa.select(youths.c.id, youths.c.next_visit_due, latest.c.at, closed_at)
            .join(latest, latest.c.youth_id == youths.c.id)
            .where(youths.c.id > after, youths.c.status == "active")
            .order_by(youths.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        after = rows[-1][0]
        changed = []
        for row_id, due, at, closed in rows:
            due = _day(due)
            if due is None or closed is None:
                continue
            day, closed_on = _business_date(at, zone), _business_date(closed, zone)
            # Due after the closing day: 0013 moved it already. Missed by then: it stays.
            if due > closed_on or due + grace < closed_on:
                continue
            changed.append({"row_id": row_id, "day": day, "due": max(due, day)})
        if changed:
            connection.execute(update, changed)


def downgrade():
    # Nothing to undo in the schema; the earlier dates were the fault this corrects.
    pass
