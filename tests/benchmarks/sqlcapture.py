"""Capture the SQL a request (or the scan) sends, inside a transaction that is rolled back.

The application runs in-process with `db.session` bound to one connection whose outer
transaction is never committed: the service's commits release savepoints instead. Every
statement the DBAPI cursor receives is recorded with its parameters, exactly as sent,
and the database is left as it was, so the statements can be replayed against the same
state (sequence values included) as often as needed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
import sqlalchemy as sa
from flask import Flask
from psycopg import sql

from sywc.extensions import db

_SAVEPOINT = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


# A sequence's name (quoted), its last value and whether that value was handed out.
SequenceState = tuple[str, int, bool]


@dataclass
class Statement:
    sql: str
    params: Any
    many: bool
    # False when the statement ran on another connection than the session's (the
    # scheduler's lock connection): it was not rolled back with the rest.
    in_transaction: bool = True


@dataclass
class Capture:
    statements: list[Statement] = field(default_factory=list)
    sequences: list[SequenceState] = field(default_factory=list)
    # The isolation level the code asked for (statistics read one snapshot), replayed too.
    isolation: str | None = None

    @property
    def escaped(self) -> list[str]:
        """Statements that changed data outside the rolled-back transaction."""
        return [
            s.sql
            for s in self.statements
            if not s.in_transaction
            and s.sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        ]


def sequence_state(conn: psycopg.Connection) -> list[SequenceState]:
    """Return every sequence's state, so a replay can hand out the same ids.

    Read from each sequence itself: `pg_sequences.last_value` is null until the first
    `nextval` after a `setval(..., false)`, which is how `flask sywc demo-data` leaves the
    sequences past the ids it assigned, and setting such a sequence back to 1 would make
    every later insert collide.
    """
    names = [
        row[0]
        for row in conn.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) "
            "FROM pg_sequences ORDER BY 1"
        )
    ]
    if not names:
        return []
    query = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {}, last_value, is_called FROM {}").format(sql.Literal(name), sql.SQL(name))
        for name in names
    )
    return [(name, value, called) for name, value, called in conn.execute(query)]


@contextlib.contextmanager
def captured(app: Flask) -> Iterator[Capture]:
    """Run the block with `db.session` inside a transaction rolled back at the end."""
    capture = Capture()
    with app.app_context():
        engine = db.engine
        connection = engine.connect()
        raw = connection.connection.dbapi_connection
        capture.sequences = sequence_state(raw)
        outer = connection.begin()
        session = db.session.session_factory(
            bind=connection, join_transaction_mode="create_savepoint"
        )
        # Flask-SQLAlchemy picks the engine by bind key; pin this session to the connection.
        session.get_bind = lambda *args, **kwargs: connection
        session.connection = _keeping_isolation(session.connection, capture)
        db.session.registry.set(session)

        def listener(
            conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
        ) -> None:
            if _SAVEPOINT.match(statement):
                return
            mine = conn.connection.dbapi_connection is raw
            capture.statements.append(Statement(statement, params, many, mine))

        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            yield capture
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
            session.close()
            outer.rollback()
            connection.close()
            db.session.registry.clear()


def _keeping_isolation(connection: Any, capture: Capture) -> Any:
    """Note an isolation level asked of the session instead of applying it.

    The outer transaction has begun, so the level can no longer change; the statements
    are the same, and the replay runs them at the level the code asked for.
    """

    def wrapper(*args: Any, execution_options: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        options = dict(execution_options or {})
        if "isolation_level" in options:
            capture.isolation = options.pop("isolation_level")
        return connection(*args, execution_options=options or None, **kwargs)

    return wrapper
