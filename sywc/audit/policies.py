"""Which audit events a caller sees: those about their boroughs' records and people.

Every user works in one or more boroughs and sees only those, auditors included. An
event about a record of a borough (a young person, a referral, an incident, an alert, a
PVS meeting or action) is seen by the auditors of the borough the record belongs to,
whoever acted: an officer working in two boroughs who reads a young person of one is
not shown to the other's auditors. A list page naming several records is seen where
any of them belongs, and shows only the ids of those.

An event about no such record (a sign-in, an account's administration, figures asked
for, a look at the trail) is seen where the account it is about, or the one that acted,
works: a user by the boroughs they work in, a partner system by those it refers for.
An event naming no account at all (the scheduler's bookkeeping, a sign-in refused for
an unknown name) belongs to the deployment rather than any borough, and every auditor
sees it.

The borough is the record's or account's as it is now, looked up with each list: the
trail is append-only and hashed, so it cannot be stamped with a borough later, and each
record's borough is a column its own table indexes. A record moved to another borough
takes its trail with it; an auditor given a borough sees its past.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from sywc.alerts.models import Alert
from sywc.audit.models import AuditEvent, AuditEventRecord
from sywc.auth.models import PartnerClient
from sywc.incidents.models import Incident
from sywc.pvs.models import PvsAction, PvsMeeting
from sywc.referrals.models import Referral
from sywc.users.models import UserBorough
from sywc.youths.models import Youth

# The record types that belong to a borough, by the columns holding their id and borough.
BOROUGH_RECORDS: dict[str, tuple[InstrumentedAttribute[int], InstrumentedAttribute[str]]] = {
    "youth": (Youth.id, Youth.borough),
    "referral": (Referral.id, Referral.borough),
    "incident": (Incident.id, Incident.borough),
    "alert": (Alert.id, Alert.borough),
    "pvs_meeting": (PvsMeeting.id, PvsMeeting.borough),
    "pvs_action": (PvsAction.id, PvsAction.borough),
}
# The record types that are accounts: a user, and a partner system (named `partner` when
# it signs out, as its principal's kind).
USER = "user"
PARTNER_TYPES = ("partner_client", "partner")
_ABOUT_SOMEONE = (*BOROUGH_RECORDS, USER, *PARTNER_TYPES)
# Who acted when no account did.
_NO_ACCOUNT = ("system", "anonymous")


def _users_in(boroughs: Collection[str]) -> sa.Select[Any]:
    return sa.select(UserBorough.user_id).where(UserBorough.borough.in_(sorted(boroughs)))


def partners_in(session: Session, boroughs: Collection[str]) -> list[int]:
    """The partner systems referring for one of `boroughs` (kept as a list in each
    client's row; the clients are a handful, so they are read whole)."""
    rows = session.execute(sa.select(PartnerClient.id, PartnerClient.boroughs))
    return [id_ for id_, theirs in rows if not set(theirs or ()).isdisjoint(boroughs)]


def _record_in(
    record_type: sa.ColumnElement[Any] | InstrumentedAttribute[Any],
    record_id: sa.ColumnElement[Any] | InstrumentedAttribute[Any],
    boroughs: Collection[str],
    partners: list[int],
) -> sa.ColumnElement[bool]:
    """Whether the record a (type, id) pair names belongs to one of `boroughs`: a record
    of a borough by its own borough, an account by where it works."""
    codes = sorted(boroughs)
    conditions = [
        sa.and_(
            record_type == name,
            record_id.in_(sa.select(sa.cast(id_, sa.String)).where(borough.in_(codes))),
        )
        for name, (id_, borough) in BOROUGH_RECORDS.items()
    ]
    users = _users_in(boroughs).with_only_columns(sa.cast(UserBorough.user_id, sa.String))
    conditions.append(sa.and_(record_type == USER, record_id.in_(users)))
    if partners:
        conditions.append(
            sa.and_(record_type.in_(PARTNER_TYPES), record_id.in_([str(p) for p in partners]))
        )
    return sa.or_(*conditions)


def visible(boroughs: Collection[str], partners: list[int]) -> sa.ColumnElement[bool]:
    """The condition on `AuditEvent` a caller working in `boroughs` sees events by;
    `partners` are the partner systems of those boroughs (`partners_in`)."""
    links = AuditEventRecord
    about_theirs = sa.or_(
        _record_in(AuditEvent.record_type, AuditEvent.record_id, boroughs, partners),
        # A list page: its records are named by its links, not its own columns.
        sa.exists().where(
            links.event_id == AuditEvent.id,
            _record_in(links.record_type, links.record_id, boroughs, partners),
        ),
    )
    actor = [sa.and_(AuditEvent.actor_type == USER, AuditEvent.actor_id.in_(_users_in(boroughs)))]
    if partners:
        actor.append(sa.and_(AuditEvent.actor_type == "partner", AuditEvent.actor_id.in_(partners)))
    # An event of a record type naming no record (a list page that found nothing) is
    # about its actor alone.
    names_none = sa.and_(
        AuditEvent.record_id.is_(None), ~sa.exists().where(links.event_id == AuditEvent.id)
    )
    about_no_record_of_a_borough = sa.or_(
        AuditEvent.record_type.is_(None),
        AuditEvent.record_type.not_in(list(BOROUGH_RECORDS)),
        names_none,
    )
    about_no_account = sa.or_(
        AuditEvent.record_type.is_(None),
        AuditEvent.record_type.not_in(_ABOUT_SOMEONE),
        names_none,
    )
    return sa.or_(
        about_theirs,
        sa.and_(about_no_record_of_a_borough, sa.or_(*actor)),
        sa.and_(about_no_account, AuditEvent.actor_type.in_(_NO_ACCOUNT)),
    )


def events_naming(
    record_type: str, record_id: str, boroughs: Collection[str], partners: list[int]
) -> sa.CompoundSelect[Any]:
    """The ids of the events naming one record, in their own columns or, where the record
    is one of the caller's, as one of a list page's records.

    A page naming a record of another borough beside one of theirs is shown to them
    trimmed to theirs; found by the other record, it would tell them who listed it and
    when. Two lookups on the indexes of each table, however long the trail (an OR of the
    two conditions on the events would read it from its newest event to its first).
    """
    links = AuditEventRecord
    return sa.union(
        sa.select(AuditEvent.id).where(
            AuditEvent.record_type == record_type, AuditEvent.record_id == record_id
        ),
        sa.select(links.event_id).where(
            links.record_type == record_type,
            links.record_id == record_id,
            _record_in(links.record_type, links.record_id, boroughs, partners),
        ),
    )


def shown_record_ids(
    session: Session, events: Iterable[AuditEvent], boroughs: Collection[str], partners: list[int]
) -> dict[int, list[str]]:
    """The ids each list-page event shows the caller, by event: those of its records that
    belong to one of `boroughs` (one statement for the page)."""
    named = [e for e in events if e.record_type and e.record_ids]
    if not named:
        return {}
    rows = session.execute(
        sa.select(AuditEventRecord.event_id, AuditEventRecord.record_id).where(
            AuditEventRecord.event_id.in_([e.id for e in named]),
            _record_in(
                AuditEventRecord.record_type, AuditEventRecord.record_id, boroughs, partners
            ),
        )
    )
    theirs: dict[int, set[str]] = {}
    for event_id, record_id in rows:
        theirs.setdefault(event_id, set()).add(record_id)
    return {e.id: [i for i in e.record_ids or () if i in theirs.get(e.id, set())] for e in named}
