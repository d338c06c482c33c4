"""Use cases of the agencies handling a referral: move it through the workflow, match it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from sywc.alerts.resolve import resolve_alerts
from sywc.audit import service as audit
from sywc.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from sywc.extensions import db
from sywc.http import Versions, check_version
from sywc.incidents.people import record_youths
from sywc.referrals import workflow
from sywc.referrals.enums import Action, Party, ReferralStatus
from sywc.referrals.models import Referral, ReferralTransition
from sywc.referrals.policies import get_visible_referral, parties
from sywc.security import Principal
from sywc.youths.models import Youth
from sywc.youths.policies import get_visible_youth

OVERDUE_ALERT = "referral_overdue"


def transition_referral(
    *,
    principal: Principal,
    referral_id: int,
    action: str,
    reason: str | None,
    make_lead: bool,
    expected_version: int | Versions | None,
    now: datetime,
) -> Referral:
    """Apply one workflow action; anything the table does not allow changes nothing."""
    referral = get_visible_referral(principal, referral_id, for_update=True)
    if expected_version is not None:
        check_version(referral.version, expected_version)
    step = Action(action)
    if make_lead and step is not Action.ACCEPT:
        raise ValidationFailed.field("make_lead", "Only an accept can make the lead agency.")
    previous = referral.status
    referral.status = workflow.decide(previous, step, parties(principal, referral), reason)
    setattr(referral, workflow.TIMESTAMP_OF[step], now)
    referral.updated_at = now
    _record_step(referral, principal, step, previous, reason=reason, now=now)
    if previous == ReferralStatus.SUBMITTED:
        # Acknowledged by the receiver or withdrawn by the sender, it no longer waits for
        # an acknowledgement: the overdue alert goes in the same transaction.
        resolve_alerts(
            subject_type="referral",
            subject_id=referral.id,
            types=[OVERDUE_ALERT],
            now=now,
            resolution=str(referral.status),
            actor_id=principal.user_id,
        )
    lead_changed = _make_lead(referral, now=now) if make_lead else False
    audit.record(
        "referral_transitioned",
        record_type="referral",
        record_id=referral.id,
        now=now,
        details={
            "action": step,
            "from_status": previous,
            "to_status": referral.status,
            "make_lead": make_lead,
            "lead_changed": lead_changed,
        },
    )
    if referral.youth_id is not None and not lead_changed:
        # The answer names the young person; a change of lead is already an event of theirs.
        record_youths(
            "youths_shown", [referral.youth_id], via="referral", via_ids=[referral.id], now=now
        )
    db.session.commit()
    return referral


def _record_step(
    referral: Referral,
    principal: Principal,
    step: Action,
    previous: str,
    *,
    reason: str | None,
    now: datetime,
) -> None:
    referral.transitions.append(
        ReferralTransition(
            action=step,
            from_status=previous,
            to_status=referral.status,
            reason=(reason or "").strip() or None,
            actor_user_id=principal.id,
            actor_agency=principal.agency,
            at=now,
        )
    )


def _make_lead(referral: Referral, *, now: datetime) -> bool:
    """Make the receiving agency the young person's lead agency; tell whether it changed."""
    if referral.youth_id is None:
        raise ValidationFailed.field(
            "make_lead", "Match the referral to a young person's record first."
        )
    youth = db.session.scalar(
        sa.select(Youth).where(Youth.id == referral.youth_id).with_for_update()
    )
    if youth is None or youth.lead_agency == referral.to_agency:
        return False
    previous = youth.lead_agency
    youth.lead_agency = referral.to_agency
    # The lead officer belonged to the previous lead agency; the new one assigns its own.
    cleared = youth.lead_officer_id is not None
    youth.lead_officer_id = None
    youth.last_activity_at = now
    audit.record(
        "youth_lead_agency_changed",
        record_type="youth",
        record_id=youth.id,
        now=now,
        details={
            "from_agency": previous,
            "to_agency": referral.to_agency,
            "referral_id": referral.id,
            "lead_officer_cleared": cleared,
        },
    )
    return True


def match_referral(
    *,
    principal: Principal,
    referral_id: int,
    youth_id: int,
    expected_version: int | Versions | None,
    now: datetime,
) -> Referral:
    """Link a referral that waits unmatched to a cohort record (receiving agency only)."""
    referral = get_visible_referral(principal, referral_id, for_update=True)
    if expected_version is not None:
        check_version(referral.version, expected_version)
    if Party.RECEIVER not in parties(principal, referral):
        raise PermissionDenied("Only the receiving agency matches a referral.")
    if referral.youth_id is not None:
        raise Conflict("The referral is already linked to a young person.")
    if referral.status not in workflow.MATCHABLE:
        raise Conflict(f"A referral that is {referral.status} can no longer be matched.")
    try:
        youth = get_visible_youth(principal, youth_id)
    except NotFound:
        raise ValidationFailed.field("youth_id", "No such young person.") from None
    if youth.borough != referral.borough:
        raise ValidationFailed.field("youth_id", "The young person is in another borough.")
    referral.youth_id = youth.id
    referral.updated_at = now
    _record_step(referral, principal, Action.MATCH, referral.status, reason=None, now=now)
    audit.record(
        "referral_matched",
        record_type="referral",
        record_id=referral.id,
        now=now,
        details={"youth_id": youth.id},
    )
    record_youths("youths_linked", [youth.id], via="referral", via_ids=[referral.id], now=now)
    db.session.commit()
    return referral
