"""The one lock that lets a single scheduler process run the jobs at a time.

PostgreSQL: a session-level advisory lock on a dedicated connection, held for the run;
if the process dies the server drops the connection and the lock with it. SQLite (one
host by nature): an exclusive `flock` on a file beside the database file, released by
the kernel when the process exits, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from sywc.extensions import db

# Any constant works; every scheduler process of one database competes for it.
SCHEDULER_LOCK = 0x5957_4353_4348  # "SYWCSCH"


@contextmanager
def scheduler_lock() -> Iterator[bool]:
    """Try to take the scheduler lock for the block; yield whether this process holds it."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine) as held:
            yield held
    else:
        with _file_lock(lock_file(engine)) as held:
            yield held


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[bool]:
    connection = engine.connect()
    held = False
    try:
        held = bool(connection.scalar(sa.select(sa.func.pg_try_advisory_lock(SCHEDULER_LOCK))))
        connection.commit()
        yield held
    finally:
        try:
            if held:
                connection.execute(sa.select(sa.func.pg_advisory_unlock(SCHEDULER_LOCK)))
                connection.commit()
        except SQLAlchemyError:
            # Discarding the connection ends its server session, which frees the lock.
            connection.invalidate()
        connection.close()


def lock_file(engine: Engine) -> Path:
    """Return the lock file of this SQLite database (beside it, or in the instance folder)."""
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        return path.with_name(f"{path.name}.scheduler-lock")
    return Path(current_app.instance_path) / "scheduler.lock"


@contextmanager
def _file_lock(path: Path) -> Iterator[bool]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
