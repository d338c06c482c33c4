"""Cohort records keep `visits_due_from`: a visit that fell due while closed is due then.

A record closed in January and reopened in March kept the due date its January rating
gave it, so the day it came back it was weeks overdue and the scan raised a missed-visit
alert at once, for a visit nobody could have made while the record was closed. Active
records already reopened whose due date fell after the day they were last closed get
the day of their latest reopening (in the business time zone), and their stored due
date is moved to it where it was earlier. A visit already due when the record was
closed stays due from its own date.

Revision ID: 0013
Revises: 0012
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0013"
down_revision = "0012"
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
    with op.batch_alter_table("youths", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visits_due_from", sa.Date(), nullable=True))

    zone = ZoneInfo(current_app.config.get("BUSINESS_TIMEZONE", "Europe/London"))
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
    latest = (
        sa.select(changes.c.youth_id, sa.func.max(changes.c.changed_at).label("at"))
        .where(changes.c.action == "reopen")
        .group_by(changes.c.youth_id)
        .subquery()
    )
    closes = changes.alias("closes")
    # The closure it was reopened from: the latest close before the latest reopening.
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
            day, due = _business_date(at, zone), _day(due)
            if due is None or closed is None or due <= _business_date(closed, zone):
                continue  # due while it was open: it stays due from its own date
            changed.append({"row_id": row_id, "day": day, "due": max(due, day)})
        if changed:
            connection.execute(update, changed)


def downgrade():
    with op.batch_alter_table("youths", schema=None) as batch_op:
        batch_op.drop_column("visits_due_from")
