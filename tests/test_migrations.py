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
