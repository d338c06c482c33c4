"""The young people named in an incident or at a meeting: checks, replacement and audit.

Shared by incidents and PVS meetings so that both apply the same rules: each person is a
visible cohort member of the record's borough, named once, with an explicit role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa

from sywc.audit import service as audit
from sywc.errors import ValidationFailed
from sywc.extensions import db
from sywc.security import Principal
from sywc.youths.models import Youth
from sywc.youths.policies import visible_youths

NOT_IN_BOROUGH = "No such young person in this record's borough."


class Person(Protocol):
    youth_id: int
    role: str


def check_people(
    *, principal: Principal, borough: str, items: Sequence[dict[str, Any]], field: str
) -> None:
    """Refuse a list naming someone twice, or someone not visible in `borough`."""
    ids = [item["youth_id"] for item in items]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(
            f"The same young person is named more than once in {field}.",
            errors={field: ["Name each young person once, with one role."]},
        )
    if not ids:
        return
    stmt = sa.select(Youth.id).where(Youth.id.in_(ids), Youth.borough == borough)
    found = set(db.session.scalars(visible_youths(stmt, principal)))
    # Unknown and invisible look the same, so the check reveals nothing about other boroughs.
    missing = {
        f"{field}.{n}.youth_id": [NOT_IN_BOROUGH] for n, y in enumerate(ids) if y not in found
    }
    if missing:
        raise ValidationFailed(f"Some young people in {field} are not known here.", errors=missing)


def replace_people(
    current: list[Any], items: Iterable[dict[str, Any]], make: Callable[[int, str], Any]
) -> dict[str, list[Any]]:
    """Make `current` hold exactly `items`, keeping rows of people still named; return the diff."""
    wanted = {item["youth_id"]: item["role"] for item in items}
    existing = {person.youth_id for person in current}
    diff: dict[str, list[Any]] = {"added": [], "removed": [], "role_changed": []}
    for person in list(current):
        if person.youth_id not in wanted:
            current.remove(person)
            diff["removed"].append(person.youth_id)
        elif person.role != wanted[person.youth_id]:
            diff["role_changed"].append(
                {"youth_id": person.youth_id, "from": person.role, "to": wanted[person.youth_id]}
            )
            person.role = wanted[person.youth_id]
    for youth_id, role in wanted.items():
        if youth_id not in existing:
            current.append(make(youth_id, role))
            diff["added"].append({"youth_id": youth_id, "role": role})
    return diff


def roles_of(people: Iterable[Person]) -> list[dict[str, Any]]:
    """List who and in what role, for audit details (ids and codes only)."""
    return [{"youth_id": p.youth_id, "role": p.role} for p in people]


def record_youths(
    action: str, youth_ids: Iterable[int], *, via: str, via_ids: Iterable[int], now: datetime
) -> None:
    """Queue one youth-level audit event, so 'who saw or linked this child' stays answerable."""
    ids = sorted(set(youth_ids))
    if ids:
        audit.record(
            action,
            record_type="youth",
            record_ids=ids,
            details={"via": via, "via_ids": sorted(set(via_ids))},
            now=now,
        )
