"""The schema comes only from migrations: they build it from nothing and match the models."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from sywc import create_app
from sywc.extensions import db
from sywc.ops.service import migration_heads
from tests.conftest import BACKEND, _pg_admin, _pg_url

# The rows the schedule migrations' tests start from: a senior officer, and a red record
# rated on 5 January (due the 12th) that each test closes and reopens its own way.
SENIOR = {
    "id": 1, "username": "senior", "name": "Senior", "role": "senior_officer", "agency": "MPS",
    "password_hash": "x", "active": True, "failed_logins": 0,
    "created_at": "2026-01-01 10:00:00", "updated_at": "2026-01-01 10:00:00", "version": 1,
}  # fmt: skip
RED_RECORD = {
    "borough": "WCC", "first_name": "Jo", "last_name": "Smith", "name_key": "smith jo",
    "date_of_birth": "2010-01-01", "gender": "male", "ward": "church_street",
    "address": "1 Road", "lead_agency": "MPS", "cohort_reason": "at_risk",
    "status": "active", "entered_on": "2026-01-05", "review_by": "2026-07-01",
    "rag": "red", "rag_assessed_on": "2026-01-05", "next_visit_due": "2026-01-12",
    "created_at": "2026-01-05 10:00:00", "updated_at": "2026-01-05 10:00:00",
    "last_activity_at": "2026-01-05 10:00:00", "version": 1,
}  # fmt: skip


@pytest.fixture
def empty_database(tmp_path):
    if BACKEND == "postgresql":
        name = f"sywc_migrate_{uuid.uuid4().hex[:10]}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield _pg_url(name)
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_the_models_and_downgrades(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database}, env="test")
    with app.app_context():
        upgrade()
        version = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.rollback()
    assert {version} == set(migration_heads())
    assert _differences(app) == []
    with app.app_context():
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    with app.app_context():
        upgrade()
    assert _differences(app) == []
    assert app.test_client().get("/readyz").get_json()["migrations"] == "current"


def test_readyz_reports_a_database_behind_the_code(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database}, env="test")
    with app.app_context():
        upgrade(revision="0001")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["migrations"] == "behind"


def test_0012_rekeys_names_whose_letters_have_no_decomposition(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database}, env="test")
    with app.app_context():
        upgrade(revision="0011")
        youth = {
            "id": 1, "borough": "WCC", "first_name": "Michał",
            "last_name": "Søndergaard", "name_key": "søndergaard michał",
            "date_of_birth": "2010-01-01", "gender": "male", "ward": "church_street",
            "address": "1 Road", "lead_agency": "MPS", "cohort_reason": "at_risk",
            "status": "active", "entered_on": "2026-01-01", "review_by": "2026-07-01",
            "rag": "amber", "rag_assessed_on": "2026-01-01",
            "created_at": "2026-01-01 10:00:00", "updated_at": "2026-01-01 10:00:00",
            "last_activity_at": "2026-01-01 10:00:00", "version": 1,
        }  # fmt: skip
        plain = {**youth, "id": 2, "first_name": "Jo", "last_name": "Smith",
                 "name_key": "smith jo"}  # fmt: skip
        for row in (youth, plain):
            _insert(row)
        db.session.commit()
        upgrade(revision="0012")
        keys = dict(db.session.execute(sa.text("SELECT id, name_key FROM youths")).all())
        assert keys == {1: "sondergaard michal", 2: "smith jo"}
        db.session.rollback()
        downgrade(revision="0011")
        key = db.session.scalar(sa.text("SELECT name_key FROM youths WHERE id = 1"))
        assert key == "søndergaard michał"
        db.session.rollback()


def test_0013_moves_a_visit_due_while_closed_to_the_reopening_day(
    empty_database,
):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database}, env="test")
    with app.app_context():
        upgrade(revision="0012")
        rows = {
            # Red, reopened at 23:30 UTC on 1 June, which is 2 June in London.
            1: ({}, ["2026-01-08 10:00:00", "2026-06-01 23:30:00"]),
            # Green, due in September, after its reopening: the date stands.
            2: ({"rag": "green", "next_visit_due": "2026-09-01"}, ["2026-01-08 10:00:00",
                                                                  "2026-06-01 10:00:00"]),
            # Reopened in February, seen on 20 May, reopened again on 1 June.
            3: ({"next_visit_due": "2026-05-27", "last_seen_on": "2026-05-20"},
                ["2026-01-08 10:00:00", "2026-02-01 10:00:00", "2026-05-25 10:00:00",
                 "2026-06-01 10:00:00"]),
            # Closed again since: no schedule.
            4: ({"status": "closed", "next_visit_due": None, "closed_on": "2026-06-03"},
                ["2026-01-08 10:00:00", "2026-06-01 10:00:00", "2026-06-03 10:00:00"]),
            # Never closed.
            5: ({}, []),
            # Due 12 January, closed on the 20th: missed while open, it stays missed.
            6: ({}, ["2026-01-20 10:00:00", "2026-06-01 10:00:00"]),
        }  # fmt: skip
        _seed_reopenings(rows)
        upgrade(revision="0013")
        assert _schedules() == [
            (1, "2026-06-02", "2026-06-02"),
            (2, "2026-06-01", "2026-09-01"),
            (3, "2026-06-01", "2026-06-01"),
            (4, None, None),
            (5, None, "2026-01-12"),
            (6, None, "2026-01-12"),
        ]
        db.session.rollback()
        downgrade(revision="0012")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("youths")}
        assert "visits_due_from" not in columns


def test_0014_moves_a_visit_not_yet_missed_when_closed_to_the_reopening_day(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "VISIT_GRACE_DAYS": 3}, env="test")
    with app.app_context():
        upgrade(revision="0013")
        rows = {
            # Due 12 January, closed that day and reopened on 1 June: not yet missed.
            1: ({}, ["2026-01-12 10:00:00", "2026-06-01 10:00:00"]),
            # Closed on the 15th, the last day of the 3 days' grace: not yet missed.
            2: ({}, ["2026-01-15 10:00:00", "2026-06-01 10:00:00"]),
            # Closed on the 16th, missed by then: it stays missed.
            3: ({}, ["2026-01-16 10:00:00", "2026-06-01 10:00:00"]),
            # Due after the closing day: 0013 gave it its reopening day already.
            4: ({"visits_due_from": "2026-06-01", "next_visit_due": "2026-06-01"},
                ["2026-01-08 10:00:00", "2026-06-01 10:00:00"]),
            # Closed again since: no schedule.
            5: ({"status": "closed", "next_visit_due": None, "closed_on": "2026-06-03"},
                ["2026-01-12 10:00:00", "2026-06-01 10:00:00", "2026-06-03 10:00:00"]),
            # Never closed.
            6: ({}, []),
        }  # fmt: skip
        _seed_reopenings(rows)
        upgrade(revision="0014")
        assert _schedules() == [
            (1, "2026-06-01", "2026-06-01"),
            (2, "2026-06-01", "2026-06-01"),
            (3, None, "2026-01-12"),
            (4, "2026-06-01", "2026-06-01"),
            (5, None, None),
            (6, None, "2026-01-12"),
        ]
        db.session.rollback()
        downgrade(revision="0013")


def test_0015_decides_each_reopening_again_with_what_was_entered_late(empty_database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database}, env="test")
    with app.app_context():
        upgrade(revision="0014")
        missed = ["2026-01-14 10:00:00", "2026-06-01 10:00:00"]
        seen_late = {"last_seen_on": "2026-01-09", "next_visit_due": "2026-01-16"}
        rows = {
            # Due 12 January, closed on the 14th: missed. Seen on the 9th, entered after
            # it came back: due the 16th, not yet missed, so due on reopening.
            1: (seen_late, missed),
            # Nothing entered late: it stays missed.
            2: ({}, missed),
            # Rated red on 10 January, entered after it came back: due the 17th.
            3: ({"rag_assessed_on": "2026-01-10", "next_visit_due": "2026-01-17"}, missed),
            # Seen on the 9th; reopened on 2 March and closed again that day, before the
            # visit then due was missed: due on the last reopening.
            4: (seen_late, ["2026-01-14 10:00:00", "2026-03-02 10:00:00",
                            "2026-03-02 11:00:00", "2026-06-01 10:00:00"]),
            # Closed at 23:30 UTC on 20 May, which is 21 May in London, the day it was due.
            5: ({"last_seen_on": "2026-05-14", "next_visit_due": "2026-06-01",
                 "visits_due_from": "2026-06-01"},
                ["2026-05-20 23:30:00", "2026-06-01 10:00:00"]),
            # Closed now: it keeps its closing day.
            6: ({"status": "closed", "next_visit_due": None, "closed_on": "2026-06-03"},
                ["2026-01-14 10:00:00", "2026-06-01 10:00:00", "2026-06-03 10:00:00"]),
            # Never closed.
            7: ({}, []),
            # Closed on the day it was due (not yet missed), reopened on 1 June and closed
            # again that day: its next reopening is to decide from the 1 June date.
            8: ({"status": "closed", "next_visit_due": None, "closed_on": "2026-06-01"},
                ["2026-01-12 10:00:00", "2026-06-01 10:00:00", "2026-06-01 11:00:00"]),
            # Not yet missed at its first closure, missed by its second (active again).
            9: ({}, ["2026-01-12 10:00:00", "2026-03-02 10:00:00", "2026-04-01 10:00:00",
                     "2026-06-01 10:00:00"]),
            # Missed when closed on the 14th; seen on 1 February, while it was closed: the
            # visit after it falls due while closed, so on the day it came back.
            10: ({"last_seen_on": "2026-02-01", "next_visit_due": "2026-02-08"}, missed),
        }  # fmt: skip
        _seed_reopenings(rows)
        late = ((1, "2026-01-09"), (4, "2026-01-09"), (5, "2026-05-14"), (10, "2026-02-01"))
        for youth_id, on in late:
            visit = {
                "youth_id": youth_id, "visited_at": f"{on} 12:00:00", "outcome": "seen",
                "restricted": False, "author_id": 1, "author_agency": "MPS",
                "created_at": "2026-06-02 09:00:00",
            }  # fmt: skip
            _insert(visit, table="visits")
        for youth_id in rows:
            for on in ("2026-01-05", "2026-01-10") if youth_id == 3 else ("2026-01-05",):
                rating = {
                    "youth_id": youth_id, "rating": "red", "rationale": "Reviewed",
                    "assessed_on": on, "assessed_by_id": 1, "created_at": f"{on} 10:00:00",
                }  # fmt: skip
                _insert(rating, table="rag_assessments")
        db.session.commit()
        upgrade(revision="0015")
        closed = dict(db.session.execute(sa.text("SELECT id, last_closed_on FROM youths")).all())
        assert {n: None if d is None else str(d) for n, d in closed.items()} == {
            1: "2026-01-14", 2: "2026-01-14", 3: "2026-01-14", 4: "2026-03-02",
            5: "2026-05-21", 6: "2026-06-03", 7: None, 8: "2026-06-01", 9: "2026-04-01",
            10: "2026-01-14",
        }  # fmt: skip
        assert _schedules() == [
            (1, "2026-06-01", "2026-06-01"),
            (2, None, "2026-01-12"),
            (3, "2026-06-01", "2026-06-01"),
            (4, "2026-06-01", "2026-06-01"),
            (5, "2026-06-01", "2026-06-01"),
            (6, None, None),
            (7, None, "2026-01-12"),
            (8, "2026-06-01", None),
            (9, "2026-03-02", "2026-03-02"),
            (10, "2026-06-01", "2026-06-01"),
        ]
        db.session.rollback()
        downgrade(revision="0014")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("youths")}
        assert "last_closed_on" not in columns


def _seed_reopenings(rows: dict) -> None:
    """Insert the senior officer and one red record per row, overridden by the row and
    closed and reopened at its times in turn."""
    _insert(SENIOR, table="users")
    for youth_id, (overrides, changes) in rows.items():
        _insert({**RED_RECORD, **overrides, "id": youth_id})
        for n, changed_at in enumerate(changes):
            change = {
                "youth_id": youth_id, "action": ("close", "reopen")[n % 2],
                "reason": "Reviewed", "changed_by_id": 1, "changed_at": changed_at,
            }  # fmt: skip
            _insert(change, table="youth_status_changes")
    db.session.commit()


def _schedules() -> list[tuple]:
    """Return each record's (id, visits_due_from, next_visit_due), dates as text."""
    query = "SELECT id, visits_due_from, next_visit_due FROM youths ORDER BY id"
    return [
        (n, *(None if d is None else str(d) for d in days))
        for n, *days in db.session.execute(sa.text(query))
    ]


def _insert(row: dict, table: str = "youths") -> None:
    columns = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    db.session.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)
