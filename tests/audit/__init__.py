"""Helpers shared by the audit trail's tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sywc.extensions import db
from tests.conftest import BACKEND


def verify_trail(client: Any, auditor: Any) -> dict[str, Any]:
    """Ask for the trail's verification as the auditor; return the answer."""
    response = client.get("/api/v1/audit-events/verify", headers=auditor.headers)
    assert response.status_code == 200
    return response.get_json()


def tamper_trail(app: Any, sql: str) -> None:
    """Change the trail behind the service's back (past PostgreSQL's append-only triggers)."""
    with app.app_context(), db.engine.begin() as conn:
        if BACKEND == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(sql))
