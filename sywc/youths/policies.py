"""Who may see which young people: officers of the record's borough, nobody else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.interfaces import ORMOption

from sywc.errors import NotFound, PermissionDenied
from sywc.extensions import db
from sywc.security import Principal
from sywc.youths.models import Youth

# The same rule as a prebuilt clause, for statements built once: bind `borough_params`.
VISIBLE_TO_CALLER = Youth.borough.in_(sa.bindparam("boroughs", expanding=True))


def borough_params(principal: Principal) -> dict[str, Any]:
    """Return the parameters of `VISIBLE_TO_CALLER` for this caller."""
    return {"boroughs": sorted(principal.boroughs)}


def visible_youths(stmt: sa.Select[Any], principal: Principal) -> sa.Select[Any]:
    """Restrict a query over youths to the caller's boroughs (applied before paging)."""
    return stmt.where(Youth.borough.in_(sorted(principal.boroughs)))


# Built once: a write loads its record by these on every request.
_VISIBLE_YOUTH = sa.select(Youth).where(Youth.id == sa.bindparam("youth_id"), VISIBLE_TO_CALLER)
_VISIBLE_YOUTH_FOR_UPDATE = _VISIBLE_YOUTH.with_for_update(of=Youth).execution_options(
    populate_existing=True
)


def get_visible_youth(
    principal: Principal,
    youth_id: int,
    *,
    for_update: bool = False,
    options: Sequence[ORMOption] = (),
) -> Youth:
    """Load a young person the caller may see; anyone else's is simply not found.

    `for_update` locks the row until commit, so two changes to one record's schedule
    (two visits, a visit and a rating) apply one after the other on fresh values.
    """
    stmt = _VISIBLE_YOUTH_FOR_UPDATE if for_update else _VISIBLE_YOUTH
    if options:
        stmt = stmt.options(*options)
    youth = db.session.scalar(stmt, {"youth_id": youth_id, **borough_params(principal)})
    if youth is None:
        raise NotFound("No such young person.")
    return youth


def ensure_can_hand_over_lead(principal: Principal, youth: Youth, agency: str) -> None:
    """Let the lead agency's own officers, or a senior officer, move the lead elsewhere.

    The lead agency sees every referral about the young person, so an agency that could
    name itself lead would read other agencies' referrals; taking the lead on is for an
    accepted referral (`make_lead`) or a senior officer.
    """
    moved = agency != youth.lead_agency
    if moved and principal.agency != youth.lead_agency and not principal.is_senior:
        raise PermissionDenied(
            "Only the lead agency or a senior officer may move the lead to another agency."
        )
