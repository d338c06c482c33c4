"""Statements sent straight to the driver behave as SQLAlchemy's own would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from sywc.auth.models import PartnerClient
from sywc.driver import DriverStatement
from sywc.extensions import db

_CLIENTS = PartnerClient.__table__
INSERT_CLIENT = DriverStatement(
    _CLIENTS.insert()
    .values(
        client_id=sa.bindparam("client_id"),
        name=sa.bindparam("name"),
        secret_hash="not-a-secret",
        scopes=sa.bindparam("scopes"),
        allowed_agencies=[],
        boroughs=["WCC"],
        active=True,
        created_at=sa.bindparam("at"),
        updated_at=sa.bindparam("at"),
        version=1,
    )
    .returning(_CLIENTS.c.id, _CLIENTS.c.scopes, _CLIENTS.c.created_at)
)
FIND_CLIENT = DriverStatement(
    sa.select(_CLIENTS.c.name, _CLIENTS.c.boroughs, _CLIENTS.c.created_at).where(
        _CLIENTS.c.client_id == sa.bindparam("client_id"), _CLIENTS.c.version == 1
    )
)
AT = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)


def _insert(client_id: str) -> tuple:
    return tuple(
        INSERT_CLIENT.one(
            db.session.connection(),
            {"client_id": client_id, "name": "Partner", "scopes": ["referrals:write"], "at": AT},
        )
    )


def test_values_are_converted_both_ways_as_sqlalchemy_would(app):
    with app.app_context():
        client_id, scopes, created_at = _insert("partner-a")
        assert scopes == ["referrals:write"]
        assert created_at == AT
        assert created_at.tzinfo is UTC
        assert FIND_CLIENT.first(db.session.connection(), {"client_id": "partner-a"}) == (
            "Partner",
            ["WCC"],
            AT,
        )
        assert FIND_CLIENT.first(db.session.connection(), {"client_id": "nobody"}) is None
        stored = db.session.get(PartnerClient, client_id)
        assert (stored.scopes, stored.boroughs, stored.created_at) == (
            ["referrals:write"],
            ["WCC"],
            AT,
        )


def test_it_runs_in_the_session_transaction(app):
    with app.app_context():
        _insert("partner-b")
        db.session.rollback()
        assert FIND_CLIENT.first(db.session.connection(), {"client_id": "partner-b"}) is None
        _insert("partner-c")
        db.session.commit()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(_CLIENTS)) == 1


def test_statement_listeners_see_it(app):
    seen: list[tuple[str, object]] = []

    def listener(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    with app.app_context():
        connection = db.session.connection()  # (SQLite's BEGIN is a statement of its own)
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            FIND_CLIENT.first(connection, {"client_id": "partner-d"})
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert len(seen) == 1
    assert seen[0][0].lstrip().startswith("SELECT partner_clients.name")
    assert "partner-d" in str(seen[0][1])


def test_a_driver_error_is_raised_as_sqlalchemy_s(app):
    with app.app_context():
        _insert("partner-e")
        with pytest.raises(sa.exc.IntegrityError):
            _insert("partner-e")
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(_CLIENTS)) == 0
