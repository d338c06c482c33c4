"""Who may see which alerts.

An alert goes to the agency that must act on it (the young person's lead agency, the
referral's receiver, the PVS action owner's agency), within the caller's boroughs. A
missed visit escalated to level 2 goes further: every senior officer of the borough sees
it, whatever their agency, so a child not seen for two cadence periods reaches people
with the authority to act. Alerts carry no more than an id and a type, and officers of
the partnership may already read the young person's record, so this widens no access to
case data.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sywc.alerts.models import Alert
from sywc.errors import NotFound, PermissionDenied
from sywc.extensions import db
from sywc.security import Principal

ESCALATED_TO_SENIORS = 2


def visible_alerts(stmt: sa.Select[Any], principal: Principal) -> sa.Select[Any]:
    """Restrict a query over alerts to those the caller may see (applied before paging)."""
    if not principal.agency:
        return stmt.where(sa.false())
    in_boroughs = Alert.borough.in_(sorted(principal.boroughs))
    own_agency = Alert.agency == principal.agency
    if principal.is_senior:
        return stmt.where(
            in_boroughs, sa.or_(own_agency, Alert.escalation_level >= ESCALATED_TO_SENIORS)
        )
    return stmt.where(in_boroughs, own_agency)


def get_visible_alert(principal: Principal, alert_id: int, *, for_update: bool = False) -> Alert:
    """Load an alert the caller may see; anyone else's is simply not found."""
    stmt = visible_alerts(sa.select(Alert).where(Alert.id == alert_id), principal)
    if for_update:
        stmt = stmt.with_for_update()
    alert = db.session.scalar(stmt)
    if alert is None:
        raise NotFound("No such alert.")
    return alert


def check_may_acknowledge(principal: Principal, alert: Alert) -> None:
    """Only the agency concerned acknowledges: it is the one saying it is acting."""
    if alert.agency != principal.agency:
        raise PermissionDenied("Only the agency concerned acknowledges this alert.")
