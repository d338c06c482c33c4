"""`flask sywc demo-data`: the demo partnership, loaded into an empty database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from sywc import create_app
from sywc.demo.commands import build_demo
from sywc.extensions import db
from sywc.incidents.models import Incident, Involvement
from sywc.pvs.models import PvsIndividual, PvsMeeting
from sywc.referrals.models import Referral, ReferralTransition
from sywc.users.models import User
from sywc.visits.models import Visit
from sywc.youths.models import RagAssessment, Youth, YouthStatusChange
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


def test_a_demo_loaded_early_in_the_day_dates_nothing_after_now_or_before_its_record(app):
    # 07:30 UTC: before the 09:00, 10:00 and 11:00 the demo dates its records at.
    now = datetime(2026, 3, 10, 7, 30, tzinfo=UTC)
    with app.app_context():
        build_demo(n_youths=120, seed=5, now=now)
        stamps = {
            "youths": sa.func.max(Youth.updated_at),
            "youths.last_activity_at": sa.func.max(Youth.last_activity_at),
            "rag_assessments": sa.func.max(RagAssessment.created_at),
            "visits": sa.func.max(Visit.created_at),
            "youth_status_changes": sa.func.max(YouthStatusChange.changed_at),
            "referrals": sa.func.max(Referral.submitted_at),
            "referral_transitions": sa.func.max(ReferralTransition.at),
            "incidents": sa.func.max(Incident.created_at),
            "pvs_meetings": sa.func.max(PvsMeeting.created_at),
        }
        latest = {name: db.session.scalar(sa.select(column)) for name, column in stamps.items()}
        assert all(latest.values()), latest
        assert {name: at for name, at in latest.items() if at > now} == {}
        # A referral, an incident or a meeting names only records that already existed.
        named = [
            sa.select(Referral.id, Referral.submitted_at, Youth.created_at).join(
                Youth, Youth.id == Referral.youth_id
            ),
            sa.select(Incident.id, Incident.created_at, Youth.created_at)
            .join(Involvement, Involvement.incident_id == Incident.id)
            .join(Youth, Youth.id == Involvement.youth_id),
            sa.select(PvsMeeting.id, PvsMeeting.created_at, Youth.created_at)
            .join(PvsIndividual, PvsIndividual.meeting_id == PvsMeeting.id)
            .join(Youth, Youth.id == PvsIndividual.youth_id),
        ]
        for query in named:
            rows = db.session.execute(query).all()
            assert len(rows) > 5, query
            assert [row for row in rows if row[1] < row[2]] == []
