"""Rollups: a report's counts kept current by the scheduler, so the board never waits.

Counting the cohort at the end of a period, or judging every visit due in it, reads the
whole history of every child in scope: seconds at London scale. The counts for a period
and scope change only when the data does, so the scheduler computes them every
STATS_REFRESH_MINUTES for the periods the board reads (the last completed quarter and
the one before) and for any period asked for in the last STATS_ROLLUP_KEEP_DAYS, and a request
takes them from here while they are fresh: computed today and at most
STATS_ROLLUP_MAX_AGE_MINUTES ago. A request that finds none fresh counts on the spot and
stores what it counted. Every report says how fresh its figures are (`as_of`).

Only counts are stored, never published figures: suppression depends on who asks and is
applied on every request, to stored and freshly computed counts alike.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from config.reference import BOROUGH_CODES
from sywc.database import upsert_insert
from sywc.driver import DriverStatement
from sywc.extensions import db
from sywc.stats.models import StatsRollup
from sywc.stats.period import Period, resolve_period
from sywc.stats.scope import Scope
from sywc.stopping import Stopping

log = logging.getLogger(__name__)

# What a tally is: JSON-able counts, made by one of the reports' `count` functions.
Tally = dict[str, Any]
Tallier = Callable[[Any], Tally]

# The shape of every stored tally. Raise it with any change to what a `count` function
# returns, or to how it counts: a tally stored before the change (fresh for a while
# after a deploy) is then counted again rather than read as the new shape or served
# under the old rule. 3: a visit due on a reopening is carried on only if not yet made.
TALLY_FORMAT = 3


# The columns that name a rollup, in RollupKey's order (its unique constraint).
KEY_COLUMNS = (
    StatsRollup.kind,
    StatsRollup.period_start,
    StatsRollup.period_end,
    StatsRollup.boroughs,
    StatsRollup.ward,
)


@dataclass(frozen=True)
class RollupKey:
    """Which counts: what was counted, over which days, boroughs and ward."""

    kind: str
    start: date
    end: date
    boroughs: str
    ward: str

    @classmethod
    def of(cls, kind: str, scope: Scope, period: Period) -> RollupKey:
        boroughs = ",".join(scope.counted_boroughs)
        return cls(kind, period.start, period.end, boroughs, scope.ward or "")

    def scope(self) -> Scope:
        """Return a scope that counts exactly these boroughs and ward (unsuppressed)."""
        boroughs = tuple(self.boroughs.split(","))
        return Scope(boroughs, self.ward or None, False, {"+".join(boroughs): boroughs})

    def period(self) -> Period:
        return Period(self.start, self.end, self.start, self.end, snapped=False)

    def values(self) -> tuple[Any, ...]:
        """Return the key's values in the order of `KEY_COLUMNS`."""
        return (self.kind, self.start, self.end, self.boroughs, self.ward)

    def where(self) -> list[Any]:
        return [column == value for column, value in zip(KEY_COLUMNS, self.values(), strict=True)]

    def params(self) -> dict[str, Any]:
        """Return the values of `_BY_KEY`'s parameters for this key."""
        return dict(zip(_KEY_PARAMS, self.values(), strict=True))


# Built once, and sent on the driver's cursor (`sywc.driver`), as every statistics
# request reads its rollups by them.
_KEY_PARAMS = tuple(f"key_{column.key}" for column in KEY_COLUMNS)
_BY_KEY = [
    column == sa.bindparam(name) for column, name in zip(KEY_COLUMNS, _KEY_PARAMS, strict=True)
]
_FRESH = DriverStatement(
    sa.select(StatsRollup.id, StatsRollup.computed_at, StatsRollup.requested_at).where(
        *_BY_KEY,
        StatsRollup.computed_on == sa.bindparam("today"),
        StatsRollup.computed_at >= sa.bindparam("fresh_since"),
    )
)
_COUNTS = DriverStatement(
    sa.select(StatsRollup.data, StatsRollup.computed_at).where(
        StatsRollup.id == sa.bindparam("rollup_id")
    )
)


@dataclass(frozen=True)
class Stored:
    """A fresh stored rollup, without its counts: enough to know what they are."""

    id: int
    computed_at: datetime
    requested_at: datetime


@dataclass
class Rollups:
    """One request's use of rollups: what it read (and how old), what it must store.

    A request counting on the spot first takes a consistent snapshot (see
    `consistent_snapshot`); one served entirely from stored counts needs none.
    """

    now: datetime
    today: date
    max_age: timedelta
    computed: dict[RollupKey, Tally] = field(default_factory=dict)
    used: dict[RollupKey, Stored] = field(default_factory=dict)
    snapshot_taken: bool = False

    @classmethod
    def for_request(cls, config: Mapping[str, Any], *, now: datetime, today: date) -> Rollups:
        minutes = int(config["STATS_ROLLUP_MAX_AGE_MINUTES"])
        return cls(now=now, today=today, max_age=timedelta(minutes=minutes))

    def stored(self, key: RollupKey) -> Stored | None:
        """Return the fresh stored rollup of `key` (its counts are read by `tally`)."""
        if key in self.used:
            return self.used[key]
        if self.max_age <= timedelta(0):
            return None
        row = _FRESH.first(
            db.session.connection(),
            {**key.params(), "today": self.today, "fresh_since": self.now - self.max_age},
        )
        if row is None:
            return None
        rollup_id, computed_at, requested_at = row
        stored = self.used[key] = Stored(rollup_id, computed_at, requested_at)
        return stored

    def tally(self, key: RollupKey, count: Tallier, ctx: Any) -> Tally:
        """Return the fresh stored counts for `key`, or count them now (and store later)."""
        stored = self.stored(key)
        if stored is not None:
            row = _COUNTS.first(db.session.connection(), {"rollup_id": stored.id})
            if row is not None and row[0].get("format") == TALLY_FORMAT:
                data, computed_at = row
                # Recounted since `stored` was read: the counts are as of the recount.
                self.used[key] = Stored(stored.id, computed_at, stored.requested_at)
                return dict(data)
            # Forgotten meanwhile by the scheduler, or counted by an earlier release.
            del self.used[key]
        if not self.snapshot_taken:
            consistent_snapshot()
            self.snapshot_taken = True
        tally = self.computed[key] = count(ctx)
        return tally

    @property
    def as_of(self) -> datetime:
        """Return when the oldest figures of the report were counted."""
        return min((s.computed_at for s in self.used.values()), default=self.now)

    def save(self) -> None:
        """Store what was counted, and note that stored rollups were wanted; never commits."""
        for key, tally in self.computed.items():
            store(key, tally, computed_at=self.now, computed_on=self.today)
        stale = self.now - timedelta(hours=1)
        for key, stored in self.used.items():
            # At most once an hour: the mark only tells the scheduler what to keep current.
            if stored.requested_at >= stale:
                continue
            db.session.execute(
                sa.update(StatsRollup)
                .where(*key.where(), StatsRollup.requested_at < stale)
                .values(requested_at=self.now)
                .execution_options(synchronize_session=False)
            )


def store(key: RollupKey, tally: Tally, *, computed_at: datetime, computed_on: date) -> None:
    """Insert or replace the rollup of `key`; never commits."""
    values = {
        "kind": key.kind,
        "period_start": key.start,
        "period_end": key.end,
        "boroughs": key.boroughs,
        "ward": key.ward,
        "computed_on": computed_on,
        "computed_at": computed_at,
        "requested_at": computed_at,
        "data": {**tally, "format": TALLY_FORMAT},
    }
    insert = upsert_insert(db.session.get_bind().dialect.name)
    stmt = insert(StatsRollup).values(values)
    replaced = {
        "computed_on": stmt.excluded.computed_on,
        "computed_at": stmt.excluded.computed_at,
        "data": stmt.excluded.data,
    }
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=[column.key for column in KEY_COLUMNS],
            set_=replaced,
        )
    )


def standard_keys(today: date) -> list[RollupKey]:
    """Return the rollups the board reads by default: every borough, the last completed
    quarter and the one before it, for each kind of count."""
    from sywc.stats.reports import COUNTERS

    # A board request counts every borough (see `Scope.counted_boroughs`), by whole borough.
    everyone = ",".join(sorted(BOROUGH_CODES))
    latest = resolve_period(None, None, board=True, today=today)
    before = resolve_period(None, latest.start - timedelta(days=1), board=True, today=today)
    periods = {(latest.start, latest.end): None, (before.start, before.end): None}
    return [
        RollupKey(kind, start, end, everyone, "") for kind in COUNTERS for start, end in periods
    ]


def refresh(
    *,
    now: datetime,
    today: date,
    keep: timedelta,
    config: Mapping[str, Any],
    stopping: Stopping | None = None,
) -> dict[str, Any]:
    """Recount every rollup wanted since `now - keep`, and the standard ones; forget the rest.

    Each rollup is counted on one snapshot of the data and committed on its own, so a
    long refresh never holds back requests, and a failure keeps the rollups already
    recounted (the run is recorded as failed and the next one starts over). Once
    `stopping()` says so, the refresh ends between two rollups: `left` counts the rest.
    """
    from sywc.stats.reports import COUNTERS
    from sywc.stats.reports.base import Context

    dropped = db.session.execute(
        sa.delete(StatsRollup)
        .where(StatsRollup.requested_at < now - keep)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    wanted = [
        RollupKey(*row)
        for row in db.session.execute(sa.select(*KEY_COLUMNS).order_by(StatsRollup.id))
    ]
    db.session.rollback()
    keys = [k for k in dict.fromkeys([*standard_keys(today), *wanted]) if k.kind in COUNTERS]
    started = time.perf_counter()
    refreshed = 0
    for key in keys:
        if refreshed and stopping is not None and stopping():
            break
        consistent_snapshot()
        tally = COUNTERS[key.kind](Context(key.scope(), key.period(), today, config))
        db.session.rollback()
        store(key, tally, computed_at=now, computed_on=today)
        db.session.commit()
        refreshed += 1
    seconds, left = round(time.perf_counter() - started, 3), len(keys) - refreshed
    log.info(
        "statistics rollups refreshed",
        extra={"refreshed": refreshed, "left": left, "seconds": seconds},
    )
    return {"refreshed": refreshed, "dropped": dropped, "left": left, "seconds": seconds}


def consistent_snapshot() -> None:
    """Start a transaction that sees one snapshot of the data, with room to sort in memory.

    A report is several aggregate queries whose tables must add up to the same totals;
    under PostgreSQL's default isolation each statement could see a different moment.
    (SQLite transactions already hold the database for their whole length.) The schedule
    windows sort a period's whole visit history: more memory keeps the sorts off disk.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        # Nothing read so far needs keeping (the sign-in check at most).
        db.session.rollback()
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        db.session.execute(sa.text("SET LOCAL work_mem = '64MB'"))
