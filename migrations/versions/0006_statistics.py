"""Statistics: changes to the schema of this domain after the first revision.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The schedule statistics read only seen-visits, per young person in date order.
SEEN = sa.text("outcome = 'seen'")


def upgrade():
    with op.batch_alter_table("visits") as batch:
        batch.create_index(
            "ix_visits_youth_seen",
            ["youth_id", "visited_at"],
            postgresql_where=SEEN,
            sqlite_where=SEEN,
        )


def downgrade():
    with op.batch_alter_table("visits") as batch:
        batch.drop_index("ix_visits_youth_seen")
