"""Audit links: append-only like their events, checked by verification, not row by row.

A list page's event names each record it showed in `audit_event_records`. The foreign
key to `audit_events` ran a lookup and took a row lock on the event for every link, most
of a list page's database time, and still let a link be changed or deleted afterwards.
Links are now append-only on PostgreSQL (the trigger that guards the events), and the
chain verification checks that every event's links are exactly the records it names and
that no link names a missing event: a stronger check than the key's, made where it costs
nothing per request.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

LINK_KEY = "fk_audit_event_records_event_id_audit_events"

# Every guarded table names itself in the refusal.
NAMED_REFUSAL = "'% is append-only (% refused)', TG_TABLE_NAME, TG_OP"
GUARD_FUNCTION = f"""
CREATE OR REPLACE FUNCTION sywc_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION {NAMED_REFUSAL}
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
# The function as 0001 made it, for the downgrade: its refusal named audit_events only.
EVENTS_ONLY_GUARD_FUNCTION = GUARD_FUNCTION.replace(
    NAMED_REFUSAL, "'audit_events is append-only (% refused)', TG_OP"
)


def upgrade():
    with op.batch_alter_table("audit_event_records") as batch:
        batch.drop_constraint(LINK_KEY, type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GUARD_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_event_records_append_only BEFORE UPDATE OR DELETE "
            "ON audit_event_records FOR EACH ROW EXECUTE FUNCTION sywc_refuse_audit_change()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_records_no_truncate BEFORE TRUNCATE "
            "ON audit_event_records FOR EACH STATEMENT EXECUTE FUNCTION sywc_refuse_audit_change()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_records_no_truncate ON audit_event_records")
        op.execute("DROP TRIGGER IF EXISTS audit_event_records_append_only ON audit_event_records")
        op.execute(EVENTS_ONLY_GUARD_FUNCTION)
    with op.batch_alter_table("audit_event_records") as batch:
        batch.create_foreign_key(LINK_KEY, "audit_events", ["event_id"], ["id"])
