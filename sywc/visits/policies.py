"""Who may read a visit's notes: a restricted note is for its author's agency alone."""

from __future__ import annotations

from typing import Any

from sywc.security import Principal
from sywc.visits.models import Visit


def may_read_notes(visit: Visit, principal: Principal) -> bool:
    """Tell whether the caller may read the visit's notes."""
    # A restricted note may hold what a young person told one agency in confidence
    # (a disclosure to a social worker, say): other agencies see that it exists, not what.
    return not visit.restricted or (
        principal.agency is not None and principal.agency == visit.author_agency
    )


def present_visit(visit: Visit, principal: Principal) -> dict[str, Any]:
    """Return the visit as this caller may see it (never mutates the stored row).

    Every endpoint that returns visits goes through here, so a restricted note cannot
    reach another agency by any route.
    """
    readable = may_read_notes(visit, principal)
    return {
        "id": visit.id,
        "youth_id": visit.youth_id,
        "visited_at": visit.visited_at,
        "outcome": visit.outcome,
        "officer_ids": visit.officer_ids,
        "notes": visit.notes if readable else None,
        "restricted": visit.restricted,
        "notes_withheld": not readable,
        "author_id": visit.author_id,
        "author_agency": visit.author_agency,
        "created_at": visit.created_at,
    }
