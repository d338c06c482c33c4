"""Verify the audit chain: a whole walk, or a bounded walk on from the last checkpoint.

A walk goes through the events in id order and checks that no id is missing, that each
event names its predecessor's hash, that its content hashes to its own hash, and that
its record links are exactly the records it names. Every walk is recorded as an
`audit_verified` event, itself in the chain, with the last event it found good and that
event's hash: a checkpoint.

The whole trail outgrows a request: at some 24,000 events a second, gunicorn's timeout
would stop a walk near 700,000 events. So the scheduler walks the whole trail every
`AUDIT_VERIFY_MINUTES` (a day), as `flask sywc audit-verify` does when asked, and a
request walks the whole trail only while it holds at most `AUDIT_VERIFY_LIVE_LIMIT`
events. Past that, a request starts at the latest checkpoint, after checking that the
checkpoint's event still has the hash that was found good and content matching it, and
walks at most that many events on; the next request carries on from where it stopped.
Its answer names the checkpoint it started from and the latest whole walk, and is not
ok while that walk's break stands: a change to an event behind the checkpoint is found
by the next whole walk. A whole walk asked to stop (its scheduler is stopping) ends
between two chunks and is recorded incomplete: a checkpoint as far as it went, not yet a
whole walk. The scheduler's next walk carries it on from there (checking first that the
event it stopped at is unchanged) while the walk began within one interval, so a trail
longer than the gaps between restarts is still walked whole; past that, and by hand
unless asked to resume, a whole walk starts from the first event. A resumed walk keeps
the time its first part began (`began_at`): every event it found good was found so
after then.

A walk holds the trail to what earlier walks found, too. Each recorded walk names an
event older than its own record: one naming its own or a newer event was forged (a
request would have started after it), and is a break. An event whose hash is not
the one an earlier walk found good for it was rewritten, even if every hash after it was
worked out again. And a trail that ends before the furthest event an earlier walk found
good, by its records in the chain or by the scheduler's job runs outside it, has lost its
tail: a chain alone cannot tell that its newest events were cut off.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sywc import clock
from sywc.alerts.models import JobRun
from sywc.audit.models import AuditEvent, AuditEventRecord
from sywc.audit.service import GENESIS_HASH, Actor, event_hash, linked_ids, record
from sywc.extensions import db
from sywc.stopping import Stopping

VERIFIED = "audit_verified"
# The scheduler's job that walks the whole trail (`sywc.scheduler`).
VERIFY_JOB = "audit_verify"
WHOLE = "whole"
SINCE_CHECKPOINT = "since_checkpoint"
# Events per chunk: a whole walk commits, and may stop, between two.
CHUNK = 2000

_EVENTS = AuditEvent.__table__
_LINKS = AuditEventRecord.__table__.c


@dataclass(frozen=True)
class Walk:
    """What one walk found.

    `through_id` is the last event it found good (None if none), `complete` whether it
    went on until the newest event or a break rather than stopping at its limit, and
    `began_at` when it began (a resumed whole walk: when its first part began).
    """

    ok: bool
    checked: int
    scope: str
    from_id: int
    through_id: int | None
    through_hash: str | None
    complete: bool
    first_broken_id: int | None = None
    reason: str | None = None
    began_at: str | None = None

    def details(self) -> dict[str, Any]:
        """The walk as its `audit_verified` event records it: every field."""
        return asdict(self)


@dataclass(frozen=True)
class RecordedWalk:
    """A walk as its `audit_verified` event holds it: a checkpoint when it was ok."""

    verified_at: datetime
    ok: bool
    through_id: int | None
    through_hash: str | None
    first_broken_id: int | None
    reason: str | None
    scope: str | None = None
    complete: bool = True
    began_at: datetime | None = None

    @classmethod
    def of(cls, verified_at: datetime, details: Mapping[str, Any]) -> RecordedWalk:
        began = details.get("began_at")
        return cls(
            verified_at=verified_at,
            ok=bool(details.get("ok")),
            through_id=details.get("through_id"),
            through_hash=details.get("through_hash"),
            first_broken_id=details.get("first_broken_id"),
            reason=details.get("reason"),
            scope=details.get("scope"),
            complete=bool(details.get("complete", True)),
            # Walks recorded before `began_at` was kept have none.
            began_at=datetime.fromisoformat(began) if isinstance(began, str) else None,
        )

    def as_checkpoint(self) -> dict[str, Any]:
        return {"verified_at": self.verified_at, "through_id": self.through_id}

    def as_dict(self) -> dict[str, Any]:
        """The walk as an answer shows it: all but the hash."""
        return {key: value for key, value in asdict(self).items() if key != "through_hash"}

    def resumable(self, *, since: datetime) -> bool:
        """Tell whether a whole walk may carry this one on: a whole walk stopped short
        with every event it checked good, whose first part began at `since` or later."""
        return (
            self.scope == WHOLE
            and not self.complete
            and self.ok
            and bool(self.through_id and self.through_hash)
            and self.began_at is not None
            and self.began_at >= since
        )


@dataclass(frozen=True)
class Verification:
    """A request's answer: its walk, where the walk started, and the latest whole walk."""

    walk: Walk
    checkpoint: RecordedWalk | None
    last_whole_walk: RecordedWalk | None

    @property
    def ok(self) -> bool:
        return self.walk.ok and (self.last_whole_walk is None or self.last_whole_walk.ok)

    def as_dict(self) -> dict[str, Any]:
        walk, whole = self.walk, self.last_whole_walk
        # A break the latest whole walk found stands until a whole walk finds none.
        broken = walk if not walk.ok or whole is None or whole.ok else whole
        return {
            "ok": self.ok,
            "checked": walk.checked,
            "first_broken_id": broken.first_broken_id,
            "reason": broken.reason,
            "scope": walk.scope,
            "from_id": walk.from_id,
            "through_id": walk.through_id,
            "complete": walk.complete,
            "checkpoint": self.checkpoint.as_checkpoint() if self.checkpoint else None,
            "last_whole_walk": whole.as_dict() if whole else None,
        }


def _chunks(
    session: Session, *, after: int = 0, limit: int | None = None, batch: int = CHUNK
) -> Iterator[Sequence[sa.Row[Any]]]:
    """Yield the events after `after` in order, at most `limit` of them, `batch` at a
    time, as rows: the walk needs the values only, and building an ORM object for each
    event had taken a third of it."""
    left = limit
    while left is None or left > 0:
        size = batch if left is None else min(batch, left)
        chunk = session.execute(
            sa.select(*_EVENTS.columns)
            .where(_EVENTS.c.id > after)
            .order_by(_EVENTS.c.id)
            .limit(size)
        ).all()
        if not chunk:
            return
        yield chunk
        after = chunk[-1].id
        if left is not None:
            left -= len(chunk)


def _links_between(session: Session, first: int, last: int) -> dict[int, set[tuple[str, str]]]:
    """Return the links of the events numbered `first` to `last`, by event."""
    links: dict[int, set[tuple[str, str]]] = {}
    rows = session.execute(
        sa.select(_LINKS.event_id, _LINKS.record_type, _LINKS.record_id).where(
            _LINKS.event_id.between(first, last)
        )
    )
    for event_id, record_type, record_id in rows:
        links.setdefault(event_id, set()).add((record_type, record_id))
    return links


def _stray_link(session: Session, after: int) -> int | None:
    """Return the event id of a link naming no event, if any. Links beyond the walked
    events may belong to events appended since; each is committed with its event, so
    one naming an event that exists now is not stray."""
    event = sa.exists().where(AuditEvent.id == _LINKS.event_id)
    return session.scalar(
        sa.select(sa.func.min(_LINKS.event_id)).where(
            sa.or_(_LINKS.event_id < 1, sa.and_(_LINKS.event_id > after, ~event))
        )
    )


def walk(
    session: Session | None = None,
    *,
    start: RecordedWalk | None = None,
    limit: int | None = None,
    commit_each_chunk: bool = False,
    stopping: Stopping | None = None,
    resuming: bool = False,
    began_at: datetime | None = None,
) -> Walk:
    """Walk the trail from its first event, or on from the checkpoint `start`, checking
    at most `limit` events (None: every one); report the first broken link, if any.

    `resuming` says that `start` is a whole walk stopped short that this one carries
    on, so the walk is whole too; `began_at` is when the walk (its first part) began.

    `commit_each_chunk` ends the session's transaction after each chunk, so that a walk
    of hours holds no transaction open (nor, on SQLite, the write lock) in between.
    Once `stopping()` says so, the walk ends after its chunk, incomplete unless that
    chunk held the newest event.
    """
    target = session or db.session()
    # What earlier walks found good is read before any event: each was recorded after the
    # events it vouches for were committed, so the chunks read after it hold them all,
    # while a walk finishing during this one may vouch for events these reads missed.
    found_good = _found_good(target)
    walked_through = _walked_through(target)
    after, prev = 0, GENESIS_HASH
    if start is not None and start.through_id and start.through_hash:
        after, prev = start.through_id, start.through_hash
    scope = WHOLE if not after or resuming else SINCE_CHECKPOINT
    began = (began_at or clock.utcnow()).isoformat()
    expected_id, checked = after + 1, 0
    # The last event found good: the checkpoint's, once its hash is found unchanged.
    good: tuple[int | None, str | None] = (None, None)

    def broken(event_id: int, reason: str) -> Walk:
        return Walk(False, checked, scope, after + 1, *good, True, event_id, reason, began)

    forged = _forged_walk(target)
    if forged is not None:
        return broken(forged, "a recorded walk names an event not older than itself")
    if after:
        anchor = target.execute(sa.select(*_EVENTS.columns).where(_EVENTS.c.id == after)).first()
        if anchor is None:
            return broken(after, "event missing from the sequence")
        if anchor.hash != prev:
            return broken(after, "event's hash is not the one the checkpoint found good")
        if event_hash(anchor._asdict()) != anchor.hash:
            return broken(after, "event content does not match its hash")
        good = (after, prev)
    stopped = False
    for chunk in _chunks(target, after=after, limit=limit, batch=CHUNK):
        links = _links_between(target, chunk[0].id, chunk[-1].id)
        for row in chunk:
            if row.id != expected_id:
                return broken(expected_id, "event missing from the sequence")
            if row.prev_hash != prev:
                return broken(row.id, "previous hash does not match")
            values = row._asdict()
            if event_hash(values) != row.hash:
                return broken(row.id, "event content does not match its hash")
            if found_good.get(row.id, {row.hash}) != {row.hash}:
                return broken(row.id, "event's hash is not the one an earlier walk found good")
            named = {(row.record_type, record_id) for record_id in linked_ids(values)}
            if links.pop(row.id, set()) != named:
                return broken(row.id, "record links do not match the records named")
            prev, expected_id, checked = row.hash, row.id + 1, checked + 1
            good = (row.id, row.hash)
        if commit_each_chunk:
            target.commit()
        if stopping is not None and stopping():
            stopped = True
            break
    cut_short = stopped or (limit is not None and checked >= limit)
    complete = not cut_short or not _any_after(target, expected_id - 1)
    if complete:
        stray = _stray_link(target, after=expected_id - 1)
        if stray is not None:
            return broken(stray, "a record link names no event")
        if max(found_good, default=0) >= expected_id or walked_through >= expected_id:
            return broken(expected_id, "the trail ends before an event an earlier walk found good")
    return Walk(True, checked, scope, after + 1, *good, complete, began_at=began)


def _any_after(session: Session, event_id: int) -> bool:
    return session.scalar(sa.select(sa.exists().where(_EVENTS.c.id > event_id))) is True


_DETAILS = AuditEvent.details
_THROUGH_ID = _DETAILS["through_id"].as_integer()
# A walk is recorded after the events it walked: a record naming its own event, or a
# newer one, was not written by a walk.
_NAMES_AN_OLDER_EVENT = sa.or_(_THROUGH_ID.is_(None), AuditEvent.id > _THROUGH_ID)


def _recorded(session: Session, *conditions: sa.ColumnElement[bool]) -> RecordedWalk | None:
    """The newest recorded walk meeting `conditions`."""
    row = session.execute(
        sa.select(AuditEvent.occurred_at, AuditEvent.details)
        .where(AuditEvent.action == VERIFIED, _NAMES_AN_OLDER_EVENT, *conditions)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    return RecordedWalk.of(row.occurred_at, row.details) if row else None


def _forged_walk(session: Session) -> int | None:
    """The first recorded walk naming its own or a newer event, which no walk wrote."""
    return session.scalar(
        sa.select(sa.func.min(AuditEvent.id)).where(
            AuditEvent.action == VERIFIED, AuditEvent.id <= _THROUGH_ID
        )
    )


def _found_good(session: Session) -> dict[int, set[str]]:
    """The hashes earlier walks found good, by event: one a walk, a hash each.

    Recorded walks, one an event, are far fewer than events (a day's scheduled walk and
    the auditors' requests), so they are held whole.
    """
    rows = session.execute(
        sa.select(_THROUGH_ID, _DETAILS["through_hash"].as_string()).where(
            AuditEvent.action == VERIFIED, _THROUGH_ID > 0, _NAMES_AN_OLDER_EVENT
        )
    )
    found: dict[int, set[str]] = {}
    for through_id, through_hash in rows:
        found.setdefault(through_id, set()).add(through_hash)
    return found


def _walked_through(session: Session) -> int:
    """The furthest event the scheduler's walks found good, by their job runs: kept
    outside the chain, they still tell how far it went when its newest events are gone."""
    counts = session.scalars(
        sa.select(JobRun.counts).where(JobRun.job == VERIFY_JOB, JobRun.counts.is_not(None))
    )
    return max((int(c.get("through_id") or 0) for c in counts if isinstance(c, dict)), default=0)


def latest_checkpoint(session: Session) -> RecordedWalk | None:
    """The newest walk that found every event it checked good: where a bounded walk starts."""
    return _recorded(
        session,
        _DETAILS["ok"].as_boolean().is_(True),
        _DETAILS["through_id"].as_integer() > 0,
    )


def _last_whole_scope_walk(session: Session) -> RecordedWalk | None:
    """The newest walk that started as, or carried on, a whole walk, complete or not."""
    return _recorded(session, _DETAILS["scope"].as_string() == WHOLE)


def last_whole_walk(session: Session) -> RecordedWalk | None:
    """The newest walk that went from the first event to the newest or to a break."""
    return _recorded(
        session,
        _DETAILS["scope"].as_string() == WHOLE,
        _DETAILS["complete"].as_boolean().is_(True),
    )


def whole_walk_interval(config: Mapping[str, Any]) -> timedelta:
    """How often the scheduler walks the whole trail, and so how long ago a stopped whole
    walk may have begun and still be carried on (`AUDIT_VERIFY_MINUTES`)."""
    return timedelta(minutes=int(config["AUDIT_VERIFY_MINUTES"]))


def _newest_id(session: Session) -> int:
    return session.scalar(sa.select(sa.func.max(_EVENTS.c.id))) or 0


def verify_and_record(
    *,
    limit: int | None,
    actor: Actor | None = None,
    now: datetime | None = None,
    stopping: Stopping | None = None,
    resume_within: timedelta | None = None,
) -> Verification:
    """Verify the chain and record the walk as an `audit_verified` event (commits).

    With a `limit`, a trail of more events than that is walked on from the latest
    checkpoint, at most `limit` events; without one (the scheduler, the command), the
    whole trail is walked, a transaction per chunk, until `stopping()` says stop. Given
    `resume_within`, a whole walk stopped short whose first part began no longer ago
    than that is carried on rather than walked again from the first event.
    """
    session = db.session()
    began_at = now or clock.utcnow()
    bounded = limit is not None and _newest_id(session) > limit
    start = latest_checkpoint(session) if bounded else None
    resuming = False
    if limit is None and resume_within is not None:
        stopped = _last_whole_scope_walk(session)
        if stopped is not None and stopped.resumable(since=began_at - resume_within):
            start, resuming = stopped, True
            began_at = stopped.began_at or began_at
    result = walk(
        session,
        start=start,
        limit=limit if bounded else None,
        commit_each_chunk=limit is None,
        stopping=stopping,
        resuming=resuming,
        began_at=began_at,
    )
    at = now or clock.utcnow()
    whole = (
        RecordedWalk.of(at, result.details())
        if result.scope == WHOLE and result.complete
        else last_whole_walk(session)
    )
    record(VERIFIED, details=result.details(), actor=actor, now=at)
    session.commit()
    return Verification(walk=result, checkpoint=start, last_whole_walk=whole)
