"""Readiness: the database answers and the schema is at head."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from sywc.engine import MIGRATIONS_DIR
from sywc.extensions import db

# Further checks (the scheduler's last run) register here, so ops depends on no domain.
EXTRA_CHECKS: list[Any] = []


@cache
def migration_heads() -> frozenset[str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def readiness() -> dict[str, Any]:
    """Report whether this instance can serve requests."""
    report: dict[str, Any] = {"status": "ok", "database": "ok", "migrations": "current"}
    try:
        current = set(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable", "migrations": "unknown"}
    if current != set(migration_heads()):
        report.update(status="unavailable", migrations="behind")
    for check in EXTRA_CHECKS:
        check(report)
    db.session.rollback()
    return report
