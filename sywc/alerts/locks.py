"""The locks that let a single scheduler process run each job at a time.

The jobs share the `scheduler` lock; the audit walk, which can take hours on a large
trail, has a lock of its own (`audit_walk`) and a thread of its own, so it never holds
up the alert scan.

PostgreSQL: a session-level advisory lock on a dedicated connection, held for the run;
if the process dies the server drops the connection and the lock with it. SQLite (one
host by nature): an exclusive `flock` on a file beside the database file, released by
the kernel when the process exits, so a crash never leaves a stale lock behind.

The scheduler only tries a lock: another process holding it runs the job meanwhile. A
run by hand may wait, trying again every POLL_SECONDS, for the run under way to end.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from sywc.extensions import db

log = logging.getLogger(__name__)

# Any constants work (distinct from the audit chain's); every scheduler process of one
# database competes for each.
SCHEDULER_LOCK = 0x5957_4353_4348  # "SYWCSCH"
LOCK_KEYS = {"scheduler": SCHEDULER_LOCK, "audit_walk": 0x5957_4357_4C4B}  # "SYWCWLK"
POLL_SECONDS = 1.0


@contextmanager
def scheduler_lock(name: str = "scheduler", *, wait: float = 0) -> Iterator[bool]:
    """Try to take the lock `name` for the block, for up to `wait` seconds; yield whether
    this process holds it."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, LOCK_KEYS[name], name=name, wait=wait) as held:
            yield held
    else:
        with _file_lock(lock_file(engine, name), name=name, wait=wait) as held:
            yield held


def _retried(attempt: Callable[[], bool], *, name: str, wait: float) -> bool:
    """Call `attempt` until it takes the lock or `wait` seconds have passed; return
    whether it took it."""
    deadline = time.monotonic() + wait
    if attempt():
        return True
    if wait > 0:
        log.info("waiting for the lock", extra={"lock": name, "wait_seconds": wait})
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(POLL_SECONDS, left))
        if attempt():
            return True
    return False


@contextmanager
def _advisory_lock(engine: Engine, key: int, *, name: str, wait: float) -> Iterator[bool]:
    connection = engine.connect()
    held = False

    def attempt() -> bool:
        taken = bool(connection.scalar(sa.select(sa.func.pg_try_advisory_lock(key))))
        connection.commit()
        return taken

    try:
        held = _retried(attempt, name=name, wait=wait)
        yield held
    finally:
        try:
            if held:
                connection.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                connection.commit()
        except SQLAlchemyError:
            # Discarding the connection ends its server session, which frees the lock.
            connection.invalidate()
        connection.close()


def lock_file(engine: Engine, name: str = "scheduler") -> Path:
    """Return the file of lock `name` of this SQLite database (beside it, or in the
    instance folder)."""
    if name not in LOCK_KEYS:
        raise KeyError(name)
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        return path.with_name(f"{path.name}.{name}-lock")
    return Path(current_app.instance_path) / f"{name}.lock"


@contextmanager
def _file_lock(path: Path, *, name: str, wait: float) -> Iterator[bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:

        def attempt() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        if not _retried(attempt, name=name, wait=wait):
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
