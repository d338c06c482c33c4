"""Incidents and pvs: changes to the schema of this domain after the first revision.

Revision ID: 0004
Revises: 0003
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    # A role at a PVS meeting is one of the same closed list as an incident involvement:
    # a free-text role could blur victims and suspects.
    with op.batch_alter_table("pvs_individuals", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_pvs_individuals_role"),
            "role IN ('victim', 'suspect', 'witness', 'associate')",
        )


def downgrade():
    with op.batch_alter_table("pvs_individuals", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_pvs_individuals_role"), type_="check")
