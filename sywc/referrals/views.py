"""/referrals: referrals between agencies, from officers and from partner systems."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for

from sywc import clock
from sywc.http import ETAG_HEADER, etag, optional_if_match_version, page_schema, paged
from sywc.openapi import SywcBlueprint
from sywc.permissions import Permission
from sywc.referrals import handling, idempotency, service
from sywc.referrals.models import Referral
from sywc.referrals.schemas import (
    MatchRequestSchema,
    ReferralCreateSchema,
    ReferralListArgs,
    ReferralSchema,
    TransitionRequestSchema,
)
from sywc.security import current_principal

blp = SywcBlueprint(
    "referrals", __name__, url_prefix="/api/v1", description="Referrals between agencies"
)
ReferralPage = page_schema(ReferralSchema, "ReferralPage")

CREATED_HEADERS = {
    "Location": {"schema": {"type": "string"}, "description": "The referral's address"},
    "Idempotent-Replayed": {
        "schema": {"type": "string", "enum": ["true"]},
        "description": "Present when this is the stored response to an earlier request "
        "with the same Idempotency-Key",
    },
}
OPTIONAL_IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "Optional: the ETag last read, or a list of ETags any of which may be "
    "current; 412 when the referral changed since (`*` checks nothing more than its absence)",
}


def _etag_for(shown: Any) -> dict[str, str]:
    # A partner gets no version: it would change when an officer matches the referral.
    return etag(shown.version) if isinstance(shown, Referral) else {}


@blp.route("/referrals", methods=["POST"])
@blp.permission(Permission.REFERRALS_CREATE)
@blp.doc(parameters=[idempotency.HEADER_PARAMETER])
@blp.arguments(ReferralCreateSchema)
@blp.response(201, ReferralSchema, headers=CREATED_HEADERS)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(409, response="CONFLICT")
def create_referral(body: dict[str, Any]) -> Any:
    """Send a referral (officers for their agency; partner systems with an Idempotency-Key).

    Identify the young person by `youth_id` (officers) or by `subject` details. The
    acknowledge-by date counts working days from the day the referral is received
    (the next working day when sent at a weekend, on a bank holiday or after the end of
    the working day, 17:00 local time by default): 1 for urgent, 3 for standard ones.
    """
    created = service.create_referral(
        principal=current_principal(),
        data=body,
        idempotency_key=idempotency.parse_header(request.headers.get(idempotency.HEADER)),
        request_hash=idempotency.fingerprint(
            request.method, request.path, request.get_json(silent=True)
        ),
        now=clock.utcnow(),
    )
    headers = {"Location": url_for(".get_referral", referral_id=created.body["id"])}
    if created.replayed:
        headers["Idempotent-Replayed"] = "true"
    return current_app.json.response(created.body), created.status, headers


@blp.route("/referrals", methods=["GET"])
@blp.permission(Permission.REFERRALS_READ)
@blp.arguments(ReferralListArgs, location="query", as_kwargs=True)
@blp.response(200, ReferralPage)
def list_referrals(page: int, limit: int, **filters: Any) -> Any:
    """List the referrals you may see: your agency's queue, or a partner's own referrals.

    Officers see referrals of their boroughs sent by or to their agency, or about a young
    person their agency leads. `overdue=true`: submitted and not acknowledged in time.
    """
    result = service.list_referrals(
        principal=current_principal(), filters=filters, page=page, limit=limit, now=clock.utcnow()
    )
    return paged(result)


@blp.route("/referrals/<int:referral_id>", methods=["GET"])
@blp.permission(Permission.REFERRALS_READ)
@blp.response(200, ReferralSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
def get_referral(referral_id: int) -> Any:
    """Read a referral with its full history (a partner: its status and the decisions)."""
    shown = service.get_referral(
        principal=current_principal(), referral_id=referral_id, now=clock.utcnow()
    )
    return shown, 200, _etag_for(shown)


@blp.route("/referrals/<int:referral_id>/transitions", methods=["POST"])
@blp.permission(Permission.REFERRALS_HANDLE)
@blp.doc(parameters=[OPTIONAL_IF_MATCH])
@blp.arguments(TransitionRequestSchema)
@blp.response(200, ReferralSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(412, response="PRECONDITION_FAILED")
def transition_referral(body: dict[str, Any], referral_id: int) -> Any:
    """Acknowledge, accept, decline, withdraw or close a referral.

    The receiving agency acknowledges, then accepts or declines (with a reason), then
    closes; the sending agency may withdraw (with a reason) before a decision. A step the
    workflow does not allow from the current status is 409 and changes nothing; a step
    for the other agency is 403. `make_lead: true` with `accept` makes the receiving
    agency the young person's lead agency.
    """
    referral = handling.transition_referral(
        principal=current_principal(),
        referral_id=referral_id,
        action=body["action"],
        reason=body.get("reason"),
        make_lead=body["make_lead"],
        expected_version=optional_if_match_version(),
        now=clock.utcnow(),
    )
    return referral, 200, etag(referral.version)


@blp.route("/referrals/<int:referral_id>/match", methods=["POST"])
@blp.permission(Permission.REFERRALS_HANDLE)
@blp.doc(parameters=[OPTIONAL_IF_MATCH])
@blp.arguments(MatchRequestSchema)
@blp.response(200, ReferralSchema, headers=ETAG_HEADER)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(412, response="PRECONDITION_FAILED")
def match_referral(body: dict[str, Any], referral_id: int) -> Any:
    """Link an unmatched referral to a cohort record (receiving agency only).

    When the young person has no record yet, create it with `POST /youths`, then match.
    """
    referral = handling.match_referral(
        principal=current_principal(),
        referral_id=referral_id,
        youth_id=body["youth_id"],
        expected_version=optional_if_match_version(),
        now=clock.utcnow(),
    )
    return referral, 200, etag(referral.version)
