"""`flask sywc demo-data`: the demo partnership, loaded into an empty database."""

from __future__ import annotations

import json

import sqlalchemy as sa

from sywc.extensions import db
from sywc.youths.models import Youth
from tests.conftest import BACKEND

# The tables the planner has statistics for, by database.
ANALYZED = {
    "postgresql": "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema()",
    "sqlite": "SELECT DISTINCT tbl FROM sqlite_stat1",
}


def test_demo_data_loads_the_partnership_and_gathers_its_statistics(app, runner):
    result = runner.invoke(args=["sywc", "demo-data", "--youths", "25"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.output.splitlines()[0])["created"]
    assert created["youths"] == 25
    assert created["visits"] > 25
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Youth)) == 25
        analyzed = set(db.session.scalars(sa.text(ANALYZED[BACKEND])))
    assert {"youths", "visits", "rag_assessments", "referrals"} <= analyzed
    again = runner.invoke(args=["sywc", "demo-data", "--youths", "25"])
    assert again.exit_code == 1
    assert "already has users" in again.output
