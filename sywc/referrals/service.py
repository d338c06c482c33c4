"""Use cases for referrals: send one (officer or partner system), read them, list them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from sywc.audit import service as audit
from sywc.auth.models import PartnerClient
from sywc.errors import BadRequest, NotFound, PermissionDenied, ValidationFailed
from sywc.extensions import db
from sywc.http import Page, paginate
from sywc.incidents.people import record_youths
from sywc.referrals import idempotency
from sywc.referrals.clock import ClockSettings, acknowledge_by, local_today
from sywc.referrals.enums import Action, ReferralStatus
from sywc.referrals.models import Referral, ReferralTransition
from sywc.referrals.policies import get_visible_referral, shown_to, visible_referrals
from sywc.referrals.schemas import render_referral
from sywc.security import Principal
from sywc.youths.models import Youth
from sywc.youths.names import name_key, normalise
from sywc.youths.policies import get_visible_youth

# Matching considers every cohort record that still exists, closed ones included: a
# closed record reopened on referral keeps the young person's history in one place.
MATCHABLE_YOUTH_STATUSES = ("active", "closed")
MAX_AGE_YEARS = 25
_SUBJECT_COLUMNS = ("first_name", "last_name", "date_of_birth")


@dataclass(frozen=True)
class Created:
    status: int
    body: dict[str, Any]
    replayed: bool


def clock_settings() -> ClockSettings:
    return ClockSettings.from_config(current_app.config)


def create_referral(
    *,
    principal: Principal,
    data: dict[str, Any],
    idempotency_key: str | None,
    request_hash: str,
    now: datetime,
) -> Created:
    """Record a referral, or replay the response already given for the caller's key."""
    if principal.is_partner and idempotency_key is None:
        # A partner system retries on network failure; without a key a retry duplicates.
        raise BadRequest(
            f"Partner systems must send an {idempotency.HEADER} header.",
            errors={idempotency.HEADER: ["Required for partner systems."]},
        )
    claimed = None
    if idempotency_key is not None:
        outcome = idempotency.claim(
            scope=f"{principal.kind}:{principal.id}",
            key=idempotency_key,
            request_hash=request_hash,
            now=now,
        )
        if isinstance(outcome, idempotency.Replay):
            return _replay(outcome, now=now)
        claimed = outcome
    referral = _new_referral(principal, data, now=now)
    db.session.add(referral)
    db.session.flush()
    # The response is stored as sent, so a retry gets the same bytes back.
    body = render_referral(shown_to(referral, principal))
    if claimed is not None:
        idempotency.complete(claimed, status=201, body=body)
    audit.record(
        "referral_created",
        record_type="referral",
        record_id=referral.id,
        now=now,
        details={
            "from_agency": referral.from_agency,
            "from_partner_id": referral.from_partner_id,
            "to_agency": referral.to_agency,
            "urgency": referral.urgency,
            "reason_codes": referral.reason_codes,
            "lawful_basis": referral.lawful_basis,
            "youth_id": referral.youth_id,
            "matched_on_submission": data.get("subject") is not None
            and referral.youth_id is not None,
            "idempotency_key": claimed is not None,
        },
    )
    # Named by id or matched from a partner's subject details, the child is now linked to
    # the referral: "who linked this child" must find it under the child too.
    _record_youths_linked(referral, now=now)
    db.session.commit()
    return Created(201, body, replayed=False)


def _replay(replay: idempotency.Replay, *, now: datetime) -> Created:
    audit.record(
        "referral_create_replayed",
        record_type="referral",
        record_id=replay.body.get("id"),
        now=now,
    )
    # The stored body is shown again; an officer's names the young person (a partner's never).
    youth_id = replay.body.get("youth_id")
    record_youths(
        "youths_shown",
        [youth_id] if youth_id is not None else [],
        via="referral",
        via_ids=[replay.body["id"]],
        now=now,
    )
    db.session.commit()
    return Created(replay.status, replay.body, replayed=True)


def _new_referral(principal: Principal, data: dict[str, Any], *, now: datetime) -> Referral:
    """Check the request against the caller and build the referral (nothing is written)."""
    from_agency, partner = _sender(principal, data)
    _check_receiver(data["to_agency"], from_agency=from_agency, partner=partner)
    settings = clock_settings()
    youth_id, borough = _youth_and_borough(principal, data)
    subject = data.get("subject")
    if subject is not None:
        _check_date_of_birth(subject["date_of_birth"], local_today(now, settings))
        youth_id = _match(borough, subject)
    referral = Referral(
        borough=borough,
        youth_id=youth_id,
        from_agency=from_agency,
        from_partner_id=partner.id if partner else None,
        to_agency=data["to_agency"],
        reason_codes=list(data["reason_codes"]),
        urgency=data["urgency"],
        summary=data["summary"],
        lawful_basis=data["lawful_basis"],
        consent=data.get("consent"),
        external_reference=data.get("external_reference"),
        status=ReferralStatus.SUBMITTED,
        submitted_at=now,
        acknowledge_by=acknowledge_by(now, data["urgency"], settings),
        created_by_id=None if principal.is_partner else principal.id,
        created_at=now,
        updated_at=now,
        **_subject_columns(subject),
    )
    referral.transitions.append(
        ReferralTransition(
            action=Action.SUBMIT,
            from_status=None,
            to_status=ReferralStatus.SUBMITTED,
            actor_user_id=None if principal.is_partner else principal.id,
            actor_partner_id=principal.id if principal.is_partner else None,
            actor_agency=from_agency,
            at=now,
        )
    )
    return referral


def _sender(principal: Principal, data: dict[str, Any]) -> tuple[str | None, PartnerClient | None]:
    if principal.is_partner:
        if "from_agency" in data:
            raise ValidationFailed.field("from_agency", "Partner systems do not send this.")
        return None, db.session.get(PartnerClient, principal.id)
    from_agency = data.get("from_agency", principal.agency)
    if from_agency != principal.agency:
        raise PermissionDenied(
            "Officers refer on behalf of their own agency.",
            errors={"from_agency": [f"Must be your agency, {principal.agency}."]},
        )
    return from_agency, None


def _check_receiver(to_agency: str, *, from_agency: str | None, partner: Any) -> None:
    if to_agency == from_agency:
        raise ValidationFailed.field("to_agency", "An agency does not refer to itself.")
    if partner is not None and to_agency not in (partner.allowed_agencies or ()):
        raise PermissionDenied(
            f"This partner system may not refer to {to_agency}.",
            errors={"to_agency": [f"Allowed: {', '.join(sorted(partner.allowed_agencies))}."]},
        )


def _youth_and_borough(principal: Principal, data: dict[str, Any]) -> tuple[int | None, str]:
    borough = data.get("borough")
    if "youth_id" in data:
        if principal.is_partner:
            raise ValidationFailed.field(
                "youth_id", "Partner systems identify the young person by subject."
            )
        try:
            youth = get_visible_youth(principal, data["youth_id"])
        except NotFound:
            raise ValidationFailed.field("youth_id", "No such young person.") from None
        if borough is not None and borough != youth.borough:
            raise ValidationFailed.field("borough", "Not the young person's borough.")
        return youth.id, youth.borough
    if borough is None:
        raise ValidationFailed.field("borough", "Required when sending subject details.")
    if borough not in principal.boroughs:
        raise PermissionDenied(
            "You may only refer within your boroughs.",
            errors={"borough": [f"Allowed: {', '.join(sorted(principal.boroughs))}."]},
        )
    return None, borough


def _check_date_of_birth(born: date, today: date) -> None:
    if born > today:
        raise ValidationFailed.field("subject.date_of_birth", "Must not be in the future.")
    if today.year - born.year - ((today.month, today.day) < (born.month, born.day)) > (
        MAX_AGE_YEARS
    ):
        raise ValidationFailed.field(
            "subject.date_of_birth", f"The partnership works with people up to {MAX_AGE_YEARS}."
        )


def _match(borough: str, subject: dict[str, Any]) -> int | None:
    """Return the one cohort record these details name exactly, or None (none or several)."""
    first, last = subject["first_name"], subject["last_name"]
    if not normalise(first) or not normalise(last):
        return None
    ids = db.session.scalars(
        sa.select(Youth.id)
        .where(
            Youth.borough == borough,
            Youth.name_key == name_key(first, last),
            Youth.date_of_birth == subject["date_of_birth"],
            Youth.status.in_(MATCHABLE_YOUTH_STATUSES),
        )
        .limit(2)
    ).all()
    return ids[0] if len(ids) == 1 else None


def _subject_columns(subject: dict[str, Any] | None) -> dict[str, Any]:
    if subject is None:
        return {}
    return {
        "subject_first_name": subject["first_name"].strip(),
        "subject_last_name": subject["last_name"].strip(),
        "subject_name_key": name_key(subject["first_name"], subject["last_name"]),
        "subject_date_of_birth": subject["date_of_birth"],
        "subject_details": {k: v for k, v in subject.items() if k not in _SUBJECT_COLUMNS} or None,
    }


def get_referral(*, principal: Principal, referral_id: int, now: datetime) -> Any:
    """Read one referral (as the caller may see it); the read is audited."""
    referral = get_visible_referral(principal, referral_id)
    audit.record("referral_read", record_type="referral", record_id=referral.id, now=now)
    _record_youths_shown([referral], principal, now=now)
    db.session.commit()
    return shown_to(referral, principal)


def _record_youths_shown(referrals: list[Referral], principal: Principal, *, now: datetime) -> None:
    # Officers see the young person's record id and details: "who saw this child" must
    # find these reads too. A partner's view names no young person.
    if not principal.is_partner:
        youth_ids = [r.youth_id for r in referrals if r.youth_id is not None]
        record_youths(
            "youths_shown", youth_ids, via="referral", via_ids=[r.id for r in referrals], now=now
        )


def _record_youths_linked(referral: Referral, *, now: datetime) -> None:
    """Queue the youth-level event of a referral now naming its young person."""
    if referral.youth_id is not None:
        record_youths(
            "youths_linked", [referral.youth_id], via="referral", via_ids=[referral.id], now=now
        )


_ORDER: dict[str, tuple[Any, ...]] = {
    "-submitted_at": (Referral.submitted_at.desc(), Referral.id.desc()),
    "submitted_at": (Referral.submitted_at.asc(), Referral.id.asc()),
    "acknowledge_by": (Referral.acknowledge_by.asc(), Referral.id.asc()),
    "-acknowledge_by": (Referral.acknowledge_by.desc(), Referral.id.desc()),
}


def list_referrals(
    *, principal: Principal, filters: dict[str, Any], page: int, limit: int, now: datetime
) -> Page:
    """List the referrals the caller may see, filtered, in a stable order; audited."""
    if principal.is_partner and "youth_id" in filters:
        # Filtering by a record id would let a partner probe who is in the cohort.
        raise ValidationFailed.field("youth_id", "Not available to partner systems.")
    sort = filters.pop("sort", "-submitted_at")
    stmt = visible_referrals(sa.select(Referral), principal).order_by(*_ORDER[sort])
    for key in ("to_agency", "from_agency", "status", "youth_id", "borough", "urgency"):
        if key in filters:
            stmt = stmt.where(getattr(Referral, key) == filters[key])
    if "external_reference" in filters:
        stmt = stmt.where(Referral.external_reference == filters["external_reference"])
    if "overdue" in filters:
        overdue = sa.and_(
            Referral.status == ReferralStatus.SUBMITTED,
            Referral.acknowledge_by < local_today(now, clock_settings()),
        )
        stmt = stmt.where(overdue if filters["overdue"] else sa.not_(overdue))
    result = paginate(db.session, stmt, page=page, limit=limit)
    audit.record(
        "referrals_listed",
        record_type="referral",
        record_ids=[r.id for r in result.items],
        now=now,
        details={"filters": {k: str(v) for k, v in filters.items()}, "sort": sort},
    )
    _record_youths_shown(result.items, principal, now=now)
    db.session.commit()
    result.items = [shown_to(r, principal) for r in result.items]
    return result
