"""Helpers shared by the audit trail's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from sywc.audit import service as audit
from sywc.extensions import db
from tests.conftest import BACKEND


def verify_trail(client: Any, auditor: Any) -> dict[str, Any]:
    """Ask for the trail's verification as the auditor; return the answer."""
    response = client.get("/api/v1/audit-events/verify", headers=auditor.headers)
    assert response.status_code == 200
    return response.get_json()


def append_probes(app: Any, n: int) -> None:
    """Append `n` events to the trail, each in its own transaction."""
    with app.app_context():
        for i in range(n):
            audit.record("verification_probe", details={"i": i}, actor=audit.SYSTEM)
            db.session.commit()


def rewrite_trail(app: Any, change: Callable[[sa.Connection], Any]) -> None:
    """Change the trail behind the service's back (past PostgreSQL's append-only
    triggers), with `change(connection)` in one transaction."""
    with app.app_context(), db.engine.begin() as conn:
        if BACKEND == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        change(conn)


def tamper_trail(app: Any, sql: str) -> None:
    """Change the trail behind the service's back with one SQL statement."""
    rewrite_trail(app, lambda conn: conn.execute(sa.text(sql)))
