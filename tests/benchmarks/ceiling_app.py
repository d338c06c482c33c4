"""The service with one more route: a record read that does only what every read must.

`GET /bench/ceiling/youths/<id>` runs inside the real application, so it passes the same
gunicorn, request id, token and session check, permission check, pooled session and
access log as `GET /api/v1/youths/<id>`, and appends the same `youth_viewed` event to the
audit chain. Everything else is the floor's: the record's SQL as the API sent it
(`FLOOR_SPEC`), run on the driver's cursor, and the rows returned as the floor's JSON.
No ORM, no request schema, no response schema.

Its throughput is therefore the most any rewrite of the record's own code could reach
while the service authenticates every request against its session and audits every
read; `?audit=0` leaves out the audit event, to show what that event costs.
`?audit=unchained` writes the same event, in the same statement-per-commit way, to a
copy of the trail's table with its indexes but without the chain (`UNCHAINED_EVENTS`:
no chain lock, no head read, no hash): what is left of the event's cost if the chain
were sealed later, off the request's path. Served by `tests.benchmarks.ceiling` only;
the route and the copy exist in no deployment.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, request

from sywc import clock
from sywc.audit import service as audit
from sywc.audit.models import AuditEvent
from sywc.driver import DriverStatement
from sywc.errors import ValidationFailed
from sywc.extensions import db
from sywc.permissions import Permission
from sywc.security import current_principal
from tests.benchmarks import floor_app

CEILING_PATH = "/bench/ceiling/youths/<int:youth_id>"
AUDIT_MODES = ("chained", "0", "unchained")

# The trail's table as it would be with the chain sealed later: the same columns and
# indexes, the id from an identity column, no `prev_hash` and no `hash` (whose unique
# index goes with it). Made by `create_unchained_events`, in the benchmark's database.
UNCHAINED_EVENTS = "bench_unchained_events"
_CREATE_UNCHAINED = (
    f"CREATE TABLE {UNCHAINED_EVENTS} (LIKE audit_events INCLUDING DEFAULTS INCLUDING INDEXES)",
    f"ALTER TABLE {UNCHAINED_EVENTS} DROP COLUMN prev_hash, DROP COLUMN hash",
    f"ALTER TABLE {UNCHAINED_EVENTS} ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY",
)
_UNCHAINED_TABLE = sa.Table(
    UNCHAINED_EVENTS,
    sa.MetaData(),
    *(
        sa.Column(c.key, c.type)
        for c in AuditEvent.__table__.columns
        if c.key not in ("id", "prev_hash", "hash")
    ),
)
_APPEND_UNCHAINED = DriverStatement(_UNCHAINED_TABLE.insert())


def create_unchained_events(connection: sa.Connection) -> None:
    """Make the unchained copy of the trail's table, empty, unless it is there already."""
    if not sa.inspect(connection).has_table(UNCHAINED_EVENTS):
        for statement in _CREATE_UNCHAINED:
            connection.exec_driver_sql(statement)


def _append_unchained(connection: sa.Connection) -> None:
    """Write the request's pending events to the unchained copy instead of the chain."""
    for event in db.session().info.pop(audit.PENDING_KEY, []):
        _APPEND_UNCHAINED.run(connection, event)


def add_ceiling_route(app: Flask, spec: dict[str, Any]) -> Flask:
    """Add the ceiling route to `app`, reading the record with the statements of `spec`."""
    record = spec.get("reads", {}).get("youth_record")
    if record is None:
        raise ValueError("the spec holds no statements of the young person's record")

    def ceiling_record(youth_id: int) -> Response:
        principal = current_principal()
        mode = request.args.get("audit", "chained")
        if mode not in AUDIT_MODES:
            raise ValidationFailed.field("audit", f"One of: {', '.join(AUDIT_MODES)}.")
        connection = db.session.connection()
        rows = floor_app.run_statements(
            connection.connection.driver_connection,  # type: ignore[arg-type]
            record["statements"],
            old=record.get("youth_id"),
            new=youth_id,
        )
        if mode != "0":
            audit.record(
                "youth_viewed",
                record_type="youth",
                record_id=youth_id,
                actor=principal,
                now=clock.utcnow(),
            )
        if mode == "unchained":
            _append_unchained(connection)
        db.session.commit()
        return floor_app.json_response({"results": rows})

    ceiling_record._sywc_permission = Permission.COHORT_READ  # type: ignore[attr-defined]
    app.add_url_rule(CEILING_PATH, view_func=ceiling_record, methods=["GET"])
    return app


def served() -> Flask:
    """The production application, built from the environment, with the ceiling route:
    `gunicorn -c config/gunicorn.conf.py 'tests.benchmarks.ceiling_app:served()'`."""
    from wsgi import app

    return add_ceiling_route(app, floor_app.SPEC)
