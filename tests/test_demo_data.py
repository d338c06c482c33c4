"""`flask sywc demo-data`: the demo partnership, loaded into an empty database."""

from __future__ import annotations

import json

import sqlalchemy as sa

from sywc import create_app
from sywc.extensions import db
from sywc.users.models import User
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


def test_demo_data_is_refused_in_production_unless_asked_for(monkeypatch, database_url):
    # Demo accounts share a published password: on a real deployment's new database they
    # would be the first admin's door, for anyone who has read the README.
    monkeypatch.setenv("JWT_SECRET_KEY", "0123456789abcdefghijklmnopqrstuvwxyzABCD")
    monkeypatch.setenv("DATABASE_URL", database_url)
    production = create_app({"ARGON2_MEMORY_COST": 1024, "ARGON2_TIME_COST": 1}, env="production")
    runner = production.test_cli_runner()
    refused = runner.invoke(args=["sywc", "demo-data", "--youths", "5"])
    assert refused.exit_code == 1, refused.output
    assert "--into-production" in refused.output
    with production.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Youth)) == 0
    loaded = runner.invoke(args=["sywc", "demo-data", "--youths", "5", "--into-production"])
    assert loaded.exit_code == 0, loaded.output
    with production.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Youth)) == 5
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def test_make_runs_load_is_skipped_quietly_once_the_database_has_users(app, runner):
    # `make run` loads the demo whenever the database has no users yet, so a first run
    # stopped before its load committed still gets one next time.
    first = runner.invoke(args=["sywc", "demo-data", "--youths", "5", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "Demo logins" in first.output
    again = runner.invoke(args=["sywc", "demo-data", "--youths", "5", "--if-empty"])
    assert (again.exit_code, again.output) == (0, "")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Youth)) == 5
