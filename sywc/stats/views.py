"""Statistics for the reduction board: /stats/* (JSON, or CSV with `Accept: text/csv`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import Response, request

from sywc import clock
from sywc.errors import NotAcceptable
from sywc.openapi import SywcBlueprint
from sywc.permissions import Permission
from sywc.security import current_principal
from sywc.stats import service
from sywc.stats.render import csv_filename, report_csv
from sywc.stats.schemas import StatsArgs, StatsReportSchema, WardStatsArgs

blp = SywcBlueprint(
    "stats", __name__, url_prefix="/api/v1", description="Statistics for the reduction board"
)

JSON, CSV = "application/json", "text/csv"
CSV_RESPONSE = {
    "responses": {
        "200": {
            "description": "The report: JSON by default, CSV with Accept: text/csv",
            "content": {
                JSON: {"schema": StatsReportSchema},
                CSV: {
                    "schema": {
                        "type": "string",
                        "description": "The same tables as CSV: table, measure, dimension, "
                        "category, dimension_2, category_2, value (withheld: suppressed)",
                    }
                },
            },
        }
    }
}


def _wants_csv() -> bool:
    """Negotiate the format from Accept: JSON by default, CSV on request, else 406."""
    if not request.accept_mimetypes:
        return False  # no Accept header: anything will do
    best = request.accept_mimetypes.best_match([JSON, CSV])
    if best is None:
        raise NotAcceptable("Statistics are served as application/json or text/csv.")
    return best == CSV


def _serve(name: str, args: dict[str, Any]) -> Any:
    export = _wants_csv()
    body = service.get_statistics(
        name,
        principal=current_principal(),
        start=args.get("from_"),
        end=args.get("to"),
        borough=args.get("borough"),
        ward=args.get("ward"),
        export=export,
        today=clock.today(),
        now=clock.utcnow(),
    )
    if not export:
        return body
    body = StatsReportSchema().dump(body)
    headers = {"Content-Disposition": f'attachment; filename="{csv_filename(body)}"'}
    return Response(report_csv(body), mimetype=CSV, headers=headers)


def report_route(name: str, args: type[ma.Schema]) -> Callable[[Callable[..., Any]], Any]:
    """Declare GET /stats/<name>: its permission, query, JSON or CSV answer, and 406."""
    decorators = (
        blp.route(f"/stats/{name}", methods=["GET"]),
        blp.permission(Permission.STATS_READ),
        blp.arguments(args, location="query"),
        blp.response(200, StatsReportSchema),
        blp.doc(**CSV_RESPONSE),
        blp.alt_response(406, response="NOT_ACCEPTABLE"),
    )

    def decorate(view: Callable[..., Any]) -> Any:
        for decorator in reversed(decorators):
            view = decorator(view)
        return view

    return decorate


@report_route("cohort", WardStatsArgs)
def cohort_statistics(args: dict[str, Any]) -> Any:
    """Active cohort by RAG, gender, age, ward, ethnicity, lead agency, reason; entries and
    exits (senior officers)."""
    return _serve("cohort", args)


@report_route("visits", WardStatsArgs)
def visits_statistics(args: dict[str, Any]) -> Any:
    """Visits due in the period by RAG, share done on time, missed, median days overdue."""
    return _serve("visits", args)


@report_route("referrals", StatsArgs)
def referrals_statistics(args: dict[str, Any]) -> Any:
    """Referrals by route and outcome, working days to acknowledge and decide, share in time."""
    return _serve("referrals", args)


@report_route("incidents", WardStatsArgs)
def incidents_statistics(args: dict[str, Any]) -> Any:
    """Serious incidents by month, ward and type; young people involved by role."""
    return _serve("incidents", args)


@report_route("pvs", WardStatsArgs)
def pvs_statistics(args: dict[str, Any]) -> Any:
    """PVS meetings held, median days from incident to meeting, actions by type and outcome."""
    return _serve("pvs", args)


@report_route("overlap", WardStatsArgs)
def overlap_statistics(args: dict[str, Any]) -> Any:
    """Active cohort members also in other cohorts, and in several at once."""
    return _serve("overlap", args)


@report_route("disproportionality", StatsArgs)
def disproportionality_statistics(args: dict[str, Any]) -> Any:
    """The active cohort's ethnicity set against the resident population of the same ages."""
    return _serve("disproportionality", args)
