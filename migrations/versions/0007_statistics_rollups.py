"""Statistics rollups: the counts behind the board's reports, kept by the scheduler.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stats_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("boroughs", sa.String(length=1024), nullable=False),
        sa.Column("ward", sa.String(length=32), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_rollups")),
        sa.UniqueConstraint(
            "kind",
            "period_start",
            "period_end",
            "boroughs",
            "ward",
            name=op.f("uq_stats_rollups_kind_period_start_period_end_boroughs_ward"),
        ),
    )
    op.create_index(
        "ix_stats_rollups_requested_at", "stats_rollups", ["requested_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_stats_rollups_requested_at", table_name="stats_rollups")
    op.drop_table("stats_rollups")
