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


def _insert(row: dict) -> None:
    columns = ", ".join(row)
    values = ", ".join(f":{name}" for name in row)
    db.session.execute(sa.text(f"INSERT INTO youths ({columns}) VALUES ({values})"), row)
