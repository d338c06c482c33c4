"""Resolving alerts at write time, in the same transaction as the change that removes the cause.

The scan resolves them too; doing it here as well means an officer who records the
missing visit sees the alert go at once, not at the next scan.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from sywc.alerts.models import Alert
from sywc.database import affected
from sywc.extensions import db


def resolve_alerts(
    *, subject_type: str, subject_id: int, types: Iterable[str], now: datetime, resolution: str
) -> int:
    """Resolve the unresolved alerts of these types for one subject; never commits."""
    return affected(
        db.session.execute(
            sa.update(Alert)
            .where(
                Alert.subject_type == subject_type,
                Alert.subject_id == subject_id,
                Alert.type.in_(list(types)),
                Alert.status != "resolved",
            )
            .values(status="resolved", resolved_at=now, resolution=resolution)
            .execution_options(synchronize_session=False)
        )
    )
