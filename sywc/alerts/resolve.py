"""Resolving alerts at write time, in the same transaction as the change that removes the cause.

The scan resolves them too; doing it here as well means an officer who records the
missing visit sees the alert go at once, not at the next scan.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from sywc.alerts.enums import AlertEventKind, AlertStatus
from sywc.alerts.models import Alert, AlertEvent
from sywc.database import UTCDateTime, affected
from sywc.extensions import db

# Built once: every seen visit and every new rating runs it.
_RESOLVE = (
    sa.update(Alert)
    .where(
        Alert.subject_type == sa.bindparam("of_type"),
        Alert.subject_id == sa.bindparam("of_id"),
        Alert.type.in_(sa.bindparam("alert_types", expanding=True)),
        Alert.status != AlertStatus.RESOLVED,
    )
    .values(
        status=AlertStatus.RESOLVED,
        resolved_at=sa.bindparam("resolved_now", type_=UTCDateTime()),
        resolution=sa.bindparam("resolved_by"),
    )
)


def resolve_alerts(
    *,
    subject_type: str,
    subject_id: int,
    types: Iterable[str],
    now: datetime,
    resolution: str,
    actor_id: int | None,
) -> int:
    """Resolve the unresolved alerts of these types for one subject; never commits.

    `actor_id` is the user whose change removed the cause, recorded on each `resolved`
    event (None for a partner system, which is no user).
    """
    types = list(types)
    # No alert is loaded here, so there is nothing in the session to keep in step: the
    # UPDATE goes on the session's connection, after the session's own pending changes,
    # past the ORM's bulk-update path.
    db.session.flush()
    resolved = affected(
        db.session.connection().execute(
            _RESOLVE,
            {
                "of_type": subject_type,
                "of_id": subject_id,
                "alert_types": types,
                "resolved_now": now,
                "resolved_by": resolution,
            },
        )
    )
    if resolved:
        _record_resolved(
            subject_type=subject_type,
            subject_id=subject_id,
            types=types,
            now=now,
            actor_id=actor_id,
        )
    return resolved


def _record_resolved(
    *, subject_type: str, subject_id: int, types: list[str], now: datetime, actor_id: int | None
) -> None:
    """Record the `resolved` event of the alerts just resolved, in the same statement set."""
    event = aliased(AlertEvent)
    rows = sa.select(
        Alert.id,
        sa.literal(str(AlertEventKind.RESOLVED)),
        sa.literal(now, UTCDateTime()),
        sa.literal(actor_id, sa.Integer),
    ).where(
        Alert.subject_type == subject_type,
        Alert.subject_id == subject_id,
        Alert.type.in_(types),
        Alert.status == AlertStatus.RESOLVED,
        Alert.resolved_at == now,
        ~sa.exists().where(event.alert_id == Alert.id, event.event == AlertEventKind.RESOLVED),
    )
    db.session.execute(
        sa.insert(AlertEvent).from_select(("alert_id", "event", "at", "actor_id"), rows)
    )
