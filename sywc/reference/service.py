"""The deployment's reference lists, from `config.reference` (no personal data)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from config import reference
from sywc.extensions import db
from sywc.http import Page, paginate
from sywc.permissions import AGENCY_ROLES
from sywc.security import Principal
from sywc.users.models import User, UserBorough


def boroughs() -> list[dict[str, Any]]:
    """List the deployment's boroughs with their ward counts."""
    return [
        {"code": b.code, "name": b.name, "ward_count": len(b.wards)} for b in reference.BOROUGHS
    ]


def agencies() -> list[dict[str, Any]]:
    """List the partnership's agencies."""
    return [
        {"code": a.code, "name": a.name, "receives_referrals": a.receives_referrals}
        for a in reference.AGENCIES
    ]


def wards(borough: str | None = None) -> list[dict[str, Any]]:
    """List the current wards, of one borough or of all."""
    return [
        {"code": w.code, "name": w.name, "borough": w.borough}
        for b in reference.BOROUGHS
        if borough is None or b.code == borough
        for w in b.wards
    ]


def labelled(kind: str) -> list[dict[str, str]]:
    """List a code list with its labels: reason codes, cohorts, flags or ethnicities."""
    table = {
        "reason_codes": reference.REASON_CODES,
        "cohorts": reference.COHORTS,
        "flags": reference.FLAGS,
        "ethnicities": reference.ETHNICITIES,
    }[kind]
    return [{"code": code, "label": label} for code, label in table.items()]


def list_officers(*, principal: Principal, filters: dict[str, Any], page: int, limit: int) -> Page:
    """List active officers and senior officers working in the caller's boroughs.

    Lets an officer name colleagues on a joint visit or as lead officer without the
    account administration routes; holds staff names only, nothing about a child.
    """
    boroughs = set(principal.boroughs)
    if "borough" in filters:
        boroughs &= {filters["borough"]}
    stmt = sa.select(User).where(
        User.active.is_(True),
        User.role.in_([str(role) for role in AGENCY_ROLES]),
        User.borough_links.any(UserBorough.borough.in_(sorted(boroughs))),
    )
    if "agency" in filters:
        stmt = stmt.where(User.agency == filters["agency"])
    return paginate(db.session, stmt.order_by(User.name, User.id), page=page, limit=limit)
