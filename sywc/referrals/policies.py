"""Who may see a referral, how they stand towards it, and what a partner is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from sywc.errors import NotFound
from sywc.extensions import db
from sywc.referrals.enums import Action, Party
from sywc.referrals.models import Referral, ReferralTransition
from sywc.security import Principal
from sywc.youths.models import Youth

# The steps a referring partner is told the reason for: the receiver's decision is what
# it needs to act on; acknowledgement and closing notes stay inside the partnership.
PARTNER_REASON_ACTIONS = frozenset({Action.ACCEPT, Action.DECLINE})


def visible_referrals(stmt: sa.Select[Any], principal: Principal) -> sa.Select[Any]:
    """Restrict a query over referrals to those the caller may see (applied before paging).

    Officers see their boroughs' referrals sent by, sent to, or about a young person led
    by their agency; a partner system sees only the referrals it sent.
    """
    in_boroughs = Referral.borough.in_(sorted(principal.boroughs))
    if principal.is_partner:
        return stmt.where(in_boroughs, Referral.from_partner_id == principal.id)
    if not principal.agency:
        return stmt.where(sa.false())
    led_by_agency = (
        sa.select(Youth.id)
        .where(Youth.id == Referral.youth_id, Youth.lead_agency == principal.agency)
        .exists()
    )
    return stmt.where(
        in_boroughs,
        sa.or_(
            Referral.from_agency == principal.agency,
            Referral.to_agency == principal.agency,
            led_by_agency,
        ),
    )


def get_visible_referral(
    principal: Principal, referral_id: int, *, for_update: bool = False
) -> Referral:
    """Load a referral the caller may see; any other is simply not found."""
    stmt = visible_referrals(sa.select(Referral).where(Referral.id == referral_id), principal)
    if for_update:
        stmt = stmt.with_for_update(of=Referral)
    referral = db.session.scalar(stmt)
    if referral is None:
        raise NotFound("No such referral.")
    return referral


def parties(principal: Principal, referral: Referral) -> frozenset[Party]:
    """Return how an officer stands towards a referral they can see (empty: lead agency only)."""
    if principal.is_partner or not principal.agency:
        return frozenset()
    found = set()
    if referral.from_agency == principal.agency:
        found.add(Party.SENDER)
    if referral.to_agency == principal.agency:
        found.add(Party.RECEIVER)
    return frozenset(found)


@dataclass(frozen=True)
class PartnerStep:
    """One step of the history as a partner sees it: no actors, no internal notes."""

    action: str
    from_status: str | None
    to_status: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class PartnerReferralView:
    """What a referring partner may see of its referral: its status and the decisions.

    Nothing here may depend on whether the young person was matched to the cohort (no
    youth id, no version, no update time, no matching step): a partner must not learn
    who is in the cohort.
    """

    id: int
    borough: str
    to_agency: str
    reason_codes: list[str]
    urgency: str
    lawful_basis: str
    consent: bool | None
    external_reference: str | None
    status: str
    submitted_at: datetime
    acknowledge_by: date
    acknowledged_at: datetime | None
    decided_at: datetime | None
    closed_at: datetime | None
    history: list[PartnerStep]


def _partner_step(step: ReferralTransition) -> PartnerStep:
    reason = step.reason if step.action in PARTNER_REASON_ACTIONS else None
    return PartnerStep(step.action, step.from_status, step.to_status, step.at, reason)


def shown_to(referral: Referral, principal: Principal) -> Referral | PartnerReferralView:
    """Return the referral as this caller may see it."""
    if not principal.is_partner:
        return referral
    return PartnerReferralView(
        id=referral.id,
        borough=referral.borough,
        to_agency=referral.to_agency,
        reason_codes=list(referral.reason_codes),
        urgency=referral.urgency,
        lawful_basis=referral.lawful_basis,
        consent=referral.consent,
        external_reference=referral.external_reference,
        status=referral.status,
        submitted_at=referral.submitted_at,
        acknowledge_by=referral.acknowledge_by,
        acknowledged_at=referral.acknowledged_at,
        decided_at=referral.decided_at,
        closed_at=referral.closed_at,
        history=[_partner_step(t) for t in referral.transitions if t.action != Action.MATCH],
    )
