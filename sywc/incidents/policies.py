"""Who may see which incidents: officers of the incident's borough, nobody else."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sywc.errors import NotFound
from sywc.extensions import db
from sywc.incidents.models import Incident
from sywc.security import Principal


def visible_incidents(stmt: sa.Select[Any], principal: Principal) -> sa.Select[Any]:
    """Restrict a query over incidents to the caller's boroughs (applied before paging)."""
    return stmt.where(Incident.borough.in_(sorted(principal.boroughs)))


def get_visible_incident(
    principal: Principal, incident_id: int, *, for_update: bool = False
) -> Incident:
    """Load an incident the caller may see; anyone else's is simply not found."""
    stmt = visible_incidents(sa.select(Incident).where(Incident.id == incident_id), principal)
    if for_update:
        stmt = stmt.with_for_update(of=Incident).execution_options(populate_existing=True)
    incident = db.session.scalar(stmt)
    if incident is None:
        raise NotFound("No such incident.")
    return incident
