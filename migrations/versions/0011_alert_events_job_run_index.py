"""Alert events: an index on the run that made each, so old job runs can be purged.

The scheduler deletes job runs older than JOB_RUNS_KEEP_DAYS, keeping those an alert's
history names. Each delete checks the foreign key from `alert_events`, and the purge
looks for events naming each run: without an index on `job_run_id`, both read the
whole table for every run.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_events_job_run_id"), ["job_run_id"], unique=False)


def downgrade():
    with op.batch_alter_table("alert_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_events_job_run_id"))
