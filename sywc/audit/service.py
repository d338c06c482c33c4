"""Write audit events in the caller's transaction, chain them, and verify the chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from sywc import clock
from sywc.audit import policies
from sywc.audit.models import AuditEvent, AuditEventRecord
from sywc.audit.schemas import WITHHELD
from sywc.database import in_statement_transactions, without_jit
from sywc.driver import DriverStatement
from sywc.extensions import db
from sywc.http import Page, paginate
from sywc.security import Principal, optional_principal

GENESIS_HASH = "0" * 64
# The one lock every audit writer takes on PostgreSQL, inside `sywc_audit_chain_head()`
# (migration 0009, which spells the number out); distinct from the scheduler's and scan's.
AUDIT_CHAIN_LOCK = 0x5957_4341_5544  # "SYWCAUD"
PENDING_KEY = "sywc_audit_pending"


@dataclass(frozen=True)
class Actor:
    """Who did something when there is no authenticated principal (login, scheduler)."""

    type: str
    id: int | None = None
    label: str | None = None
    role: str | None = None
    agency: str | None = None


SYSTEM = Actor(type="system", label="scheduler")


def record(
    action: str,
    *,
    record_type: str | None = None,
    record_id: Any = None,
    record_ids: Iterable[Any] | None = None,
    details: dict[str, Any] | None = None,
    actor: Actor | Principal | None = None,
    now: datetime | None = None,
    session: Session | None = None,
) -> None:
    """Queue an audit event; it is written when the surrounding transaction commits."""
    who = actor or optional_principal()
    ids = [str(i) for i in record_ids] if record_ids is not None else None
    pending = {
        "occurred_at": now or clock.utcnow(),
        "actor_type": _actor_type(who),
        "actor_id": getattr(who, "id", None),
        "actor_label": getattr(who, "label", None),
        "role": getattr(who, "role", None),
        "agency": getattr(who, "agency", None),
        "action": action,
        "record_type": record_type,
        "record_id": str(record_id) if record_id is not None else None,
        "record_ids": ids,
        # Stored as JSON and hashed again on verify: keep only JSON-native values.
        "details": json.loads(json.dumps(details, default=str)) if details else None,
        "request_id": g.get("request_id") if has_request_context() else None,
        "client_address": request.remote_addr if has_request_context() else None,
    }
    target = session or db.session()
    target.info.setdefault(PENDING_KEY, []).append(pending)


def _actor_type(who: Actor | Principal | None) -> str:
    if who is None:
        return "anonymous"
    return who.type if isinstance(who, Actor) else who.kind


_HASHED = (
    "id",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "role",
    "agency",
    "action",
    "record_type",
    "record_id",
    "record_ids",
    "details",
    "request_id",
    "client_address",
    "prev_hash",
)
_KEYS = sorted(_HASHED)


def _content(event_row: Mapping[str, Any]) -> dict[str, Any]:
    content = {key: event_row.get(key) for key in _HASHED}
    occurred = content["occurred_at"]
    if isinstance(occurred, datetime):
        occurred = occurred.astimezone(UTC) if occurred.tzinfo else occurred
        content["occurred_at"] = occurred.replace(tzinfo=None).isoformat(timespec="microseconds")
    return content


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


# Every audited request hashes its event, so what does not vary is worked out once: each
# key's canonical prefix, and where the id and the predecessor's hash fall among the keys.
_KEY_PREFIXES = {key: f"{_canonical(key)}:" for key in _KEYS}
_BEFORE_ID = _KEYS[: _KEYS.index("id")]
_BETWEEN = _KEYS[_KEYS.index("id") + 1 : _KEYS.index("prev_hash")]
_AFTER = _KEYS[_KEYS.index("prev_hash") + 1 :]


def _canonical_value(value: Any) -> str:
    """`_canonical(value)`, without building an encoder for the values most events hold.

    A string, an integer, None or a boolean is written as `json.dumps` writes it alone
    (ASCII-escaped strings, `repr` of integers); anything else (a list of ids, details, a
    float, a subclass) goes through `_canonical` itself.
    """
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    if kind is bool:
        return "true" if value else "false"
    return _canonical(value)


def _pieces(event_row: Mapping[str, Any]) -> dict[str, str]:
    """Each hashed field of an event as its canonical `"key":value` text, by key."""
    content = _content(event_row)
    return {key: _KEY_PREFIXES[key] + _canonical_value(content[key]) for key in _KEYS}


def event_hash(event_row: Mapping[str, Any]) -> str:
    """Hash an event's content together with its predecessor's hash.

    The text hashed is the content as canonical JSON (keys sorted, no spaces, ASCII),
    written key by key as `_canonical` would write the whole object.
    """
    pieces = _pieces(event_row)
    text = "{" + ",".join(pieces[k] for k in _KEYS) + "}"
    return hashlib.sha256(text.encode()).hexdigest()


def _hash_parts(event_row: Mapping[str, Any]) -> dict[str, str]:
    """Split an event's canonical text around its id and its predecessor's hash.

    `head + str(id) + middle + prev_hash + tail` is the text `event_hash` hashes, so the
    database can finish the hash once the chain lock has given it the id and predecessor.
    """
    pieces = _pieces(event_row)
    return {
        "hash_head": "{" + "".join(pieces[k] + "," for k in _BEFORE_ID) + '"id":',
        "hash_middle": "".join("," + pieces[k] for k in _BETWEEN) + ',"prev_hash":"',
        "hash_tail": '"' + "".join("," + pieces[k] for k in _AFTER) + "}",
    }


# Built once: the seal runs in every audited request, so it skips statement construction
# and the ORM's bulk-insert machinery and goes straight to the connection.
_EVENTS = AuditEvent.__table__
_CHAIN_HEAD = sa.select(_EVENTS.c.id, _EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
_INSERT_EVENTS = _EVENTS.insert()
# PostgreSQL: one statement appends an event. `sywc_audit_chain_head()` (migration 0009)
# takes the chain lock and then reads the head; the id, the link to the predecessor and
# the SHA-256 of the canonical text are finished in the INSERT itself.
_HEAD = (
    sa.func.sywc_audit_chain_head()
    .table_valued(sa.column("id", sa.BigInteger), sa.column("hash", sa.String))
    .render_derived(name="head")
)
_LOCKED_HEAD = sa.select(_HEAD.c.id, _HEAD.c.hash)
_NEXT_ID = _HEAD.c.id + 1
_CONTENT_COLUMNS = [c for c in _EVENTS.columns if c.key not in ("id", "prev_hash", "hash")]
_APPEND_EVENT_PG = DriverStatement(
    _INSERT_EVENTS.from_select(
        ["id", *(c.key for c in _CONTENT_COLUMNS), "prev_hash", "hash"],
        sa.select(
            _NEXT_ID,
            *(sa.bindparam(c.key, type_=c.type) for c in _CONTENT_COLUMNS),
            _HEAD.c.hash,
            sa.func.encode(
                sa.func.sha256(
                    sa.func.convert_to(
                        sa.func.concat(
                            sa.bindparam("hash_head", type_=sa.Text),
                            _NEXT_ID,
                            sa.bindparam("hash_middle", type_=sa.Text),
                            _HEAD.c.hash,
                            sa.bindparam("hash_tail", type_=sa.Text),
                        ),
                        "UTF8",
                    )
                ),
                "hex",
            ),
        ),
    ).returning(_EVENTS.c.id)
)
_INSERT_LINKS = AuditEventRecord.__table__.insert()
# PostgreSQL: the links as array parameters, however many there are.
_LINK_ROWS = (
    sa.func.unnest(
        sa.bindparam("event_ids", type_=postgresql.ARRAY(sa.BigInteger)),
        sa.bindparam("record_types", type_=postgresql.ARRAY(sa.String)),
        sa.bindparam("record_ids", type_=postgresql.ARRAY(sa.String)),
    )
    .table_valued("event_id", "record_type", "record_id")
    .render_derived(name="link")
)
_INSERT_LINKS_PG = _INSERT_LINKS.from_select(
    ["event_id", "record_type", "record_id"],
    sa.select(_LINK_ROWS.c.event_id, _LINK_ROWS.c.record_type, _LINK_ROWS.c.record_id),
)
# PostgreSQL: an event naming several records (a list page) and its links, in one
# statement: the event's INSERT is a CTE whose new id the links' INSERT reads.
_APPENDED = _APPEND_EVENT_PG.statement.cte("appended")
_ITS_IDS = (
    sa.func.unnest(sa.bindparam("linked_ids", type_=postgresql.ARRAY(sa.String)))
    .table_valued("record_id")
    .render_derived(name="link")
)
_APPEND_LINKED_EVENT_PG = DriverStatement(
    _INSERT_LINKS.from_select(
        ["event_id", "record_type", "record_id"],
        # Every link names the event's own record type: the same bound value.
        sa.select(
            _APPENDED.c.id, sa.bindparam("record_type", type_=sa.String), _ITS_IDS.c.record_id
        )
        .select_from(_APPENDED)
        .join(_ITS_IDS, sa.true()),
    ).add_cte(_APPENDED)
)


def _seal(session: Session) -> None:
    """Append the transaction's pending events to the chain, under the chain lock.

    The transaction must run at READ COMMITTED (the default): the chain's head is read
    after the lock is taken, and an older snapshot would not see the latest event. On
    PostgreSQL one event, with its links, is one statement, so it is whole even where
    each statement commits alone (`statement_transactions`); several events then get a
    transaction of their own.
    """
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql and len(pending) == 1:
        # Most requests: one statement takes the lock, reads the head and appends.
        item = pending[0]
        params = {**item, **_hash_parts(item)}
        record_ids = linked_ids(item)
        if record_ids:
            _APPEND_LINKED_EVENT_PG.run(connection, {**params, "linked_ids": record_ids})
        else:
            _APPEND_EVENT_PG.one(connection, params)
        return
    if postgresql and in_statement_transactions(connection):
        with connection.connection.driver_connection.transaction():  # type: ignore[union-attr]
            _append_and_link(connection, pending, postgresql=True)
        return
    _append_and_link(connection, pending, postgresql=postgresql)


def _append_and_link(
    connection: sa.Connection, pending: list[dict[str, Any]], *, postgresql: bool
) -> None:
    links = _append_hashed_here(connection, pending, postgresql=postgresql)
    if links:
        _link(connection, links)


def _append_hashed_here(
    connection: sa.Connection, pending: list[dict[str, Any]], *, postgresql: bool
) -> list[tuple[int, str, str]]:
    """Read the head once, hash the events in Python and insert them together; return
    their links. On PostgreSQL the head is read under the chain lock, held until COMMIT
    so writers are serialised and the chain never forks; SQLite transactions already
    hold the database's write lock."""
    last = connection.execute(_LOCKED_HEAD if postgresql else _CHAIN_HEAD).first()
    last_id, prev = (last[0], last[1]) if last else (0, GENESIS_HASH)
    rows: list[dict[str, Any]] = []
    links: list[tuple[int, str, str]] = []
    for offset, item in enumerate(pending, start=1):
        row = {**item, "id": last_id + offset, "prev_hash": prev}
        row["hash"] = prev = event_hash(row)
        rows.append(row)
        links.extend(_links_of(row["id"], row))
    # One event goes as a plain execute: a list of one would take the driver's
    # executemany path, which costs more than the insert itself.
    connection.execute(_INSERT_EVENTS, rows[0] if len(rows) == 1 else rows)
    return links


def linked_ids(item: Mapping[str, Any]) -> list[str]:
    """An event about one record is found by its own indexed columns; only events naming
    several (a list page) need a row per record."""
    if not (item["record_type"] and item["record_ids"]):
        return []
    return list(dict.fromkeys(item["record_ids"]))


def _links_of(event_id: int, item: dict[str, Any]) -> list[tuple[int, str, str]]:
    return [(event_id, item["record_type"], rid) for rid in linked_ids(item)]


def _link(connection: sa.Connection, links: list[tuple[int, str, str]]) -> None:
    """Name each record of the many-record events: one statement for them all."""
    if connection.dialect.name == "postgresql":
        event_ids, record_types, record_ids = (list(column) for column in zip(*links, strict=True))
        connection.execute(
            _INSERT_LINKS_PG,
            {"event_ids": event_ids, "record_types": record_types, "record_ids": record_ids},
        )
        return
    connection.execute(
        _INSERT_LINKS,
        [{"event_id": e, "record_type": t, "record_id": r} for e, t, r in links],
    )


def _discard(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def install_session_hooks(session_class: type[Session]) -> None:
    """Seal pending audit events at commit; drop them when the transaction rolls back."""
    if not event.contains(session_class, "before_commit", _seal):
        event.listen(session_class, "before_commit", _seal)
        event.listen(session_class, "after_rollback", _discard)


def list_events(
    *, principal: Principal, filters: dict[str, Any], page: int, limit: int
) -> tuple[Page, int]:
    """List the audit events `principal` sees (`policies.visible`), newest first, up to
    the event `until_id` or, without one, the newest now; return the page and that bound.

    Each look is itself audited, so every list adds an event at the head: the bound, which
    the page's links carry, keeps the pages after the first from moving on by one each.
    """
    session = db.session()
    # Visibility by borough is a correlated condition PostgreSQL costs far above what it
    # reads: left to JIT, a page read in milliseconds was compiled for over a second.
    without_jit(session)
    until_id = filters.pop("until_id", None)
    if until_id is None:
        until_id = session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    partners = policies.partners_in(session, principal.boroughs)
    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.id <= until_id, policies.visible(principal.boroughs, partners))
        .order_by(AuditEvent.id.desc())
    )
    for key in ("actor_id", "actor_type", "action", "record_type"):
        if key in filters:
            stmt = stmt.where(getattr(AuditEvent, key) == filters[key])
    if "record_id" in filters:
        named = policies.events_naming(
            filters["record_type"], filters["record_id"], principal.boroughs, partners
        )
        stmt = stmt.where(AuditEvent.id.in_(named))
    if "from_" in filters:
        stmt = stmt.where(AuditEvent.occurred_at >= filters["from_"])
    if "to" in filters:
        stmt = stmt.where(AuditEvent.occurred_at <= filters["to"])
    result = paginate(session, stmt, page=page, limit=limit)
    result.items = _their_records_only(session, result.items, principal.boroughs, partners)
    result.pinned = {"until_id": str(until_id)}
    shown = {**filters, "until_id": until_id}
    record("audit_listed", details={"filters": {k: str(v) for k, v in shown.items()}})
    session.commit()
    return result, until_id


_EVENT_FIELDS = [column.key for column in _EVENTS.columns]


def _their_records_only(
    session: Session, events: list[AuditEvent], boroughs: frozenset[str], partners: list[int]
) -> list[Any]:
    """The events, each list page naming only the records of `boroughs` among its own.

    A page naming another borough's records too is shown as a copy (the event itself
    is never changed: the session would write it back at commit)."""
    shown_ids = policies.shown_record_ids(session, events, boroughs, partners)
    return [
        event
        if event.id not in shown_ids or shown_ids[event.id] == event.record_ids
        else {
            **{key: getattr(event, key) for key in _EVENT_FIELDS},
            "record_ids": shown_ids[event.id],
            "details": _without_id_lists(event.details),
        }
        for event in events
    ]


def _without_id_lists(details: dict[str, Any] | None) -> dict[str, Any] | None:
    """A list page's details with its lists of ids withheld (its alerts, its incidents):
    beside a page trimmed to the caller's records, they would name the others."""
    if not details:
        return details
    return {key: WITHHELD if key.endswith("_ids") else value for key, value in details.items()}
