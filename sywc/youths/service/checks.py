"""Invariants of a cohort record that need the database or the clock (not the schema)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from config.reference import ward_codes
from sywc.errors import PermissionDenied, ValidationFailed
from sywc.extensions import db
from sywc.permissions import AGENCY_ROLES
from sywc.security import Principal
from sywc.users.models import User, UserBorough
from sywc.youths.schedule import age_on

MIN_AGE, MAX_AGE = 10, 25


def check_borough_access(principal: Principal, borough: str) -> None:
    """Refuse to create a record in a borough the caller does not work in."""
    if borough not in principal.boroughs:
        raise PermissionDenied("You do not work in that borough.")


def check_age(date_of_birth: date, *, on: date, occasion: str = "at entry") -> None:
    """Keep the cohort to young people aged 10 to 25 on the day they entered it, or the
    day a closed record is brought back into it (`occasion` names which, for the message)."""
    if date_of_birth > on:
        raise ValidationFailed.field("date_of_birth", "Must not be in the future.")
    age = age_on(date_of_birth, on)
    if not MIN_AGE <= age <= MAX_AGE:
        raise ValidationFailed.field(
            "date_of_birth", f"Age {occasion} must be {MIN_AGE} to {MAX_AGE}, not {age}."
        )


def check_ward(ward: str, *, borough: str) -> None:
    """A young person's ward must be one of their borough's (statistics cut by ward)."""
    if ward not in ward_codes(borough):
        raise ValidationFailed.field("ward", f"Not a ward of {borough}.")


# Built once: every visit and every change of lead officer runs it.
_WORKING_OFFICERS = sa.select(User.id, User.agency).where(
    User.id.in_(sa.bindparam("user_ids", expanding=True)),
    User.active.is_(True),
    User.role.in_(sorted(str(role) for role in AGENCY_ROLES)),
    sa.exists().where(
        UserBorough.user_id == User.id, UserBorough.borough == sa.bindparam("borough")
    ),
)


def _working_officers(user_ids: Iterable[int], borough: str) -> dict[int, str | None]:
    """Return {id: agency} of the given users who are active officers in `borough`.

    A Core query on the session's connection: it loads no entities, so the ORM's
    execution path would add only its cost.
    """
    rows = db.session.connection().execute(
        _WORKING_OFFICERS, {"user_ids": sorted(set(user_ids)), "borough": borough}
    )
    return {row.id: row.agency for row in rows}


def check_lead_officer(officer_id: int | None, *, agency: str, borough: str) -> None:
    """The lead officer is an active officer of the lead agency working in the borough."""
    if officer_id is None:
        raise ValidationFailed.field("lead_officer_id", "Name the lead officer.")
    found = _working_officers([officer_id], borough)
    if officer_id not in found:
        raise ValidationFailed.field(
            "lead_officer_id", f"Not an active officer or senior officer working in {borough}."
        )
    if found[officer_id] != agency:
        raise ValidationFailed.field("lead_officer_id", f"Not an officer of {agency}.")


def _vouches_for_self(principal: Principal, officer_id: int, borough: str) -> bool:
    """Tell whether the caller is `officer_id`, an officer working in `borough`.

    Their session was checked on this request against an active account, and a change of
    role, agency or boroughs ends it, so the token's claims are what the database holds.
    """
    return (
        not principal.is_partner
        and principal.id == officer_id
        and principal.role in AGENCY_ROLES
        and borough in principal.boroughs
    )


def check_visiting_officers(
    officer_ids: list[int], *, borough: str, recorded_by: Principal
) -> None:
    """Every officer named on a visit is an active officer working in the borough.

    The officer recording the visit answers for themself; only the others named are
    looked up (none, when officers record their own visits, as they mostly do).
    """
    others = [i for i in officer_ids if not _vouches_for_self(recorded_by, i, borough)]
    found = _working_officers(others, borough) if others else {}
    missing = [i for i in others if i not in found]
    if missing:
        raise ValidationFailed.field(
            "officer_ids",
            f"Not active officers or senior officers working in {borough}: {missing}.",
        )
