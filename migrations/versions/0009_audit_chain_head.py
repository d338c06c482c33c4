"""Audit chain: one statement appends an event, taking the chain lock and the head with it.

`sywc_audit_chain_head()` takes the chain's transaction lock and then reads the newest
event. It is VOLATILE, so under READ COMMITTED its read takes a snapshot after the lock
is granted and sees the event the previous holder committed; called from the INSERT
that appends the next event, it spares two round trips per audited request. PostgreSQL
only: SQLite transactions already hold the database's write lock.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The lock's key is sywc.audit.service.AUDIT_CHAIN_LOCK ("SYWCAUD"); a test holds them equal.
CHAIN_HEAD_FUNCTION = """
CREATE OR REPLACE FUNCTION sywc_audit_chain_head() RETURNS TABLE (id bigint, hash varchar)
AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(98231325381956);
    RETURN QUERY SELECT e.id, e.hash FROM audit_events AS e ORDER BY e.id DESC LIMIT 1;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 0::bigint, repeat('0', 64)::varchar;
    END IF;
END;
$$ LANGUAGE plpgsql VOLATILE
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CHAIN_HEAD_FUNCTION)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS sywc_audit_chain_head()")
