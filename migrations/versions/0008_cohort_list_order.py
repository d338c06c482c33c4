"""Cohort list: the rating and ward filter reads its page in order from one index.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("youths") as batch:
        batch.create_index(
            "ix_youths_borough_rag_ward_due", ["borough", "rag", "ward", "next_visit_due", "id"]
        )
        batch.drop_index("ix_youths_borough_rag_ward")


def downgrade():
    with op.batch_alter_table("youths") as batch:
        batch.create_index("ix_youths_borough_rag_ward", ["borough", "rag", "ward"])
        batch.drop_index("ix_youths_borough_rag_ward_due")
