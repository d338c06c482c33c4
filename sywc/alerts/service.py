"""Use cases of the alerts API: list what the caller must act on, acknowledge an alert."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from sywc import clock
from sywc.alerts.enums import UNRESOLVED, AlertEventKind, AlertStatus
from sywc.alerts.models import Alert, AlertEvent
from sywc.alerts.policies import check_may_acknowledge, get_visible_alert, visible_alerts
from sywc.audit import service as audit
from sywc.errors import Conflict
from sywc.extensions import db
from sywc.http import Page, paginate
from sywc.incidents.people import record_youths
from sywc.security import Principal

# Each ordering ends on the id so that pages never overlap or skip.
SORTS: dict[str, tuple[Any, ...]] = {
    "priority": (Alert.escalation_level.desc(), Alert.due_on, Alert.id),
    "due_on": (Alert.due_on, Alert.id),
    "-due_on": (Alert.due_on.desc(), Alert.id.desc()),
    "opened_at": (Alert.opened_at, Alert.id),
    "-opened_at": (Alert.opened_at.desc(), Alert.id.desc()),
}


def days_overdue(alert: Alert, *, today: date) -> int:
    """Days past the due date: until today while unresolved, until resolution after."""
    until = clock.business_date(alert.resolved_at) if alert.resolved_at else today
    return max((until - alert.due_on).days, 0)


def list_alerts(*, principal: Principal, filters: dict[str, Any], page: int, limit: int) -> Page:
    """List the alerts the caller may see, filtered and ordered; audited as one read."""
    stmt = visible_alerts(sa.select(Alert), principal)
    stmt = stmt.where(Alert.status.in_(filters.get("status") or list(UNRESOLVED)))
    for key in ("type", "youth_id", "agency", "borough", "escalation_level"):
        if key in filters:
            stmt = stmt.where(getattr(Alert, key) == filters[key])
    stmt = stmt.order_by(*SORTS[filters.get("sort", "priority")])
    result = paginate(db.session, stmt, page=page, limit=limit)
    # Who saw which child's alerts is answered from the youth ids, the alerts ride along.
    audit.record(
        "alerts_listed",
        record_type="youth",
        record_ids=sorted({a.youth_id for a in result.items if a.youth_id is not None}),
        details={"alert_ids": [a.id for a in result.items]},
    )
    db.session.commit()
    return result


def acknowledge_alert(*, principal: Principal, alert_id: int, now: datetime) -> Alert:
    """Record that the caller has seen an open alert and is acting on it."""
    alert = get_visible_alert(principal, alert_id, for_update=True)
    check_may_acknowledge(principal, alert)
    if alert.status == AlertStatus.RESOLVED:
        raise Conflict("This alert is resolved; there is nothing to acknowledge.")
    if alert.status == AlertStatus.ACKNOWLEDGED:
        raise Conflict("This alert has already been acknowledged.")
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = now
    alert.acknowledged_by_id = principal.id
    db.session.add(
        AlertEvent(
            alert_id=alert.id, event=AlertEventKind.ACKNOWLEDGED, at=now, actor_id=principal.id
        )
    )
    audit.record(
        "alert_acknowledged",
        record_type="alert",
        record_id=alert.id,
        now=now,
        details={"type": alert.type, "youth_id": alert.youth_id},
    )
    # The answer names the young person, as a list of alerts does.
    if alert.youth_id is not None:
        record_youths("youths_shown", [alert.youth_id], via="alert", via_ids=[alert.id], now=now)
    db.session.commit()
    return alert
