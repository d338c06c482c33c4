"""Waiting, in a test, until one PostgreSQL backend waits for another's lock, or is done."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from sywc.extensions import db


def backend_pid(session: Any) -> int:
    return session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def wait_until(app: Any, settled: threading.Event, blocked: Callable[[Any], bool]) -> None:
    """Return once `settled` is set or `blocked(connection)` holds, asked on a connection
    of its own (`blocked` asks PostgreSQL which backends wait for which)."""
    with app.app_context(), db.engine.connect() as conn:
        while not settled.wait(0.01):
            if blocked(conn):
                return
            conn.rollback()


def waits_for(pid: int) -> Callable[[Any], bool]:
    """Whether some backend of this database waits for a lock that backend `pid` holds."""
    stmt = sa.text(
        "SELECT EXISTS (SELECT FROM pg_stat_activity"
        " WHERE datname = current_database() AND :pid = ANY(pg_blocking_pids(pid)))"
    )
    return lambda conn: bool(conn.execute(stmt, {"pid": pid}).scalar_one())


def is_waiting(pid: int) -> Callable[[Any], bool]:
    """Whether backend `pid` waits for a lock another backend holds."""
    stmt = sa.text("SELECT cardinality(pg_blocking_pids(:pid)) > 0")
    return lambda conn: bool(conn.execute(stmt, {"pid": pid}).scalar_one())
