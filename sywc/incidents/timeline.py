"""A young person's timeline: the incidents and PVS meetings they appear in, with their role."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sywc.audit import service as audit
from sywc.extensions import db
from sywc.http import Page, paginate
from sywc.incidents.models import Incident, Involvement
from sywc.pvs.models import PvsIndividual, PvsMeeting
from sywc.security import Principal
from sywc.youths.policies import get_visible_youth


def _entries(youth_id: int, boroughs: list[str]) -> sa.Select[Any]:
    incidents = (
        sa.select(
            sa.literal_column("'incident'").label("kind"),
            Incident.id.label("id"),
            Incident.id.label("incident_id"),
            Incident.occurred_at.label("at"),
            Incident.type.label("incident_type"),
            Incident.ward.label("ward"),
            Involvement.role.label("role"),
        )
        .join(Involvement, Involvement.incident_id == Incident.id)
        .where(Involvement.youth_id == youth_id, Incident.borough.in_(boroughs))
    )
    meetings = (
        sa.select(
            sa.literal_column("'pvs_meeting'"),
            PvsMeeting.id,
            PvsMeeting.incident_id,
            PvsMeeting.held_at,
            Incident.type,
            Incident.ward,
            PvsIndividual.role,
        )
        .join(PvsIndividual, PvsIndividual.meeting_id == PvsMeeting.id)
        .join(Incident, Incident.id == PvsMeeting.incident_id)
        .where(PvsIndividual.youth_id == youth_id, PvsMeeting.borough.in_(boroughs))
    )
    union = sa.union_all(incidents, meetings).subquery("timeline")
    return sa.select(union).order_by(union.c.at.desc(), union.c.kind, union.c.id.desc())


def youth_timeline(
    *, principal: Principal, youth_id: int, page: int, limit: int, now: datetime
) -> Page:
    """List the incidents and meetings a young person appears in, newest first; audited."""
    youth = get_visible_youth(principal, youth_id)
    result = paginate(
        db.session,
        _entries(youth.id, sorted(principal.boroughs)),
        page=page,
        limit=limit,
        scalars=False,
    )
    audit.record(
        "youth_timeline_viewed",
        record_type="youth",
        record_id=youth.id,
        now=now,
        details={
            "incident_ids": [e.id for e in result.items if e.kind == "incident"],
            "pvs_meeting_ids": [e.id for e in result.items if e.kind == "pvs_meeting"],
        },
    )
    db.session.commit()
    return result
