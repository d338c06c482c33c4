"""The service with one more route: a record read that does only what every read must.

`GET /bench/ceiling/youths/<id>` runs inside the real application, so it passes the same
gunicorn, request id, token and session check, permission check, pooled session and
access log as `GET /api/v1/youths/<id>`, and appends the same `youth_viewed` event to the
audit chain. Everything else is the floor's: the record's SQL as the API sent it
(`FLOOR_SPEC`), run on the driver's cursor, and the rows returned as the floor's JSON.
No ORM, no request schema, no response schema.

Its throughput is therefore the most any rewrite of the record's own code could reach
while the service authenticates every request against its session and audits every
read; `?audit=0` leaves out the audit event, to show what that event costs. Served by
`tests.benchmarks.ceiling` only; the route exists in no deployment.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request

from sywc import clock
from sywc.audit import service as audit
from sywc.extensions import db
from sywc.permissions import Permission
from sywc.security import current_principal
from tests.benchmarks import floor_app

CEILING_PATH = "/bench/ceiling/youths/<int:youth_id>"


def add_ceiling_route(app: Flask, spec: dict[str, Any]) -> Flask:
    """Add the ceiling route to `app`, reading the record with the statements of `spec`."""
    record = spec.get("reads", {}).get("youth_record")
    if record is None:
        raise ValueError("the spec holds no statements of the young person's record")

    def ceiling_record(youth_id: int) -> Response:
        principal = current_principal()
        rows = floor_app.run_statements(
            db.session.connection().connection.driver_connection,  # type: ignore[arg-type]
            record["statements"],
            old=record.get("youth_id"),
            new=youth_id,
        )
        if request.args.get("audit") != "0":
            audit.record(
                "youth_viewed",
                record_type="youth",
                record_id=youth_id,
                actor=principal,
                now=clock.utcnow(),
            )
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
