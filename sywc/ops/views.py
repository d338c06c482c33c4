"""/healthz and /readyz for the load balancer and the orchestrator."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from sywc.openapi import SywcBlueprint
from sywc.ops import service

blp = SywcBlueprint("ops", __name__, description="Operations")


class HealthSchema(ma.Schema):
    status = ma.fields.String()


class ReadySchema(ma.Schema):
    status = ma.fields.String()
    database = ma.fields.String()
    migrations = ma.fields.String()
    timezone = ma.fields.String(
        metadata={
            "description": "ok; not in the database's timezone data (503); or unknown, "
            "when the database cannot be reached"
        }
    )
    scheduler = ma.fields.Dict(allow_none=True)


@blp.route("/healthz", methods=["GET"])
@blp.public
@blp.response(200, HealthSchema)
def healthz() -> Any:
    """The process is alive."""
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@blp.public
@blp.response(200, ReadySchema)
@blp.alt_response(503, schema=ReadySchema, description="Not ready")
def readyz() -> Any:
    """The database answers and its schema is at the latest migration."""
    report = service.readiness()
    return report, 200 if report["status"] == "ok" else 503
