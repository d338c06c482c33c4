"""Fixtures shared by every test: a migrated database per test, users, tokens, SQL counts.

The suite runs twice, once per database (`SYWC_TEST_DB=sqlite|postgresql`). Each run
builds its schema with the Alembic migrations (never `create_all`), once per worker,
then gives every test a fresh copy (SQLite) or freshly emptied tables (PostgreSQL).
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings

from config.reference import BOROUGH_CODES
from sywc import clock, create_app
from sywc.audit.models import AuditEvent
from sywc.extensions import db
from sywc.http import PAGE_TOTAL
from sywc.users.service import create_user

# Property tests check what is computed, never how fast: a loaded machine (two workers
# and a database on two cores) must not fail them on hypothesis's per-example deadline.
settings.register_profile("sywc", deadline=None)
settings.load_profile("sywc")

BACKEND = os.environ.get("SYWC_TEST_DB", "sqlite")
PG_SERVER = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "correct-horse-battery-staple-9"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="runs only against PostgreSQL")
    for item in items:
        if "postgres_only" in item.keywords and BACKEND != "postgresql":
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str:
    return f"sywc test database: {BACKEND}"


def _pg_url(name: str) -> str:
    return sa.make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)


def _pg_admin() -> psycopg.Connection:
    url = sa.make_url(PG_SERVER)
    return psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database or "postgres",
        autocommit=True,
    )


def _migrate(url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, env="test")
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate an empty database once for this worker; yield its URL."""
    if BACKEND == "postgresql":
        name = f"sywc_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            _migrate(_pg_url(name))
            yield _pg_url(name)
        finally:
            with _pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        _migrate(f"sqlite:///{path}")
        yield str(path)


def _empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        # Replica mode skips the append-only trigger: only the test harness resets the trail.
        conn.execute(sa.text("SET session_replication_role = replica"))
        conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> str:
    """A database at the migrated schema with no rows, for this test alone."""
    if BACKEND == "postgresql":
        _empty_postgres(template_database)
        return template_database
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(template_database, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings a test overrides before the app is built: `@pytest.mark.app_config({...})`."""
    marker = request.node.get_closest_marker("app_config")
    return dict(marker.args[0]) if marker else {}


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    application = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            **app_config,
        },
        env="test",
    )
    yield application
    with application.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def scheduler_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The scheduler's log records: the service's loggers do not propagate to the root."""
    logger = logging.getLogger("sywc.scheduler")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="sywc.scheduler")
    yield caplog
    logger.removeHandler(caplog.handler)


@dataclass
class Account:
    id: int
    username: str
    role: str
    agency: str | None
    boroughs: list[str]
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_user(app: Flask, client: FlaskClient) -> Callable[..., Account]:
    """Create a user through the service and sign them in through the API."""
    counter = iter(range(1, 10_000))

    def _make(
        role: str = "officer",
        agency: str | None = "MPS",
        boroughs: list[str] | None = None,
        username: str | None = None,
        name: str | None = None,
    ) -> Account:
        if role not in ("officer", "senior_officer"):
            agency = None
        username = username or f"{role.replace('_', '')}{next(counter)}{uuid.uuid4().hex[:4]}"
        with app.app_context():
            user = create_user(
                username=username,
                password=PASSWORD,
                name=name or username,
                role=role,
                agency=agency,
                boroughs=boroughs or ["WCC"],
                now=clock.utcnow(),
            )
            user_id = user.id
        response = client.post(
            "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.get_json()
        return Account(
            user_id,
            username,
            role,
            agency,
            boroughs or ["WCC"],
            PASSWORD,
            response.get_json()["access_token"],
        )

    return _make


@pytest.fixture
def officer(make_user: Callable[..., Account]) -> Account:
    return make_user("officer", "MPS")


@pytest.fixture
def senior(make_user: Callable[..., Account]) -> Account:
    return make_user("senior_officer", "MPS")


@pytest.fixture
def admin(make_user: Callable[..., Account]) -> Account:
    """The deployment's admin: works in every borough, so administers every account."""
    return make_user("admin", boroughs=list(BOROUGH_CODES))


@pytest.fixture
def auditor(make_user: Callable[..., Account]) -> Account:
    return make_user("auditor")


@pytest.fixture
def board_member(make_user: Callable[..., Account]) -> Account:
    return make_user("board_member")


def is_total_count(statement: str) -> bool:
    """Tell whether `statement` is a page's total counted alone (a page past the end)."""
    return statement.startswith("SELECT count(*)") and f" AS {PAGE_TOTAL}" in statement


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def beyond_totals(self) -> int:
        """The statements other than a page's total counted alone (a page past the end)."""
        return sum(1 for s in self.statements if not is_total_count(s))


@pytest.fixture
def count_statements(app: Flask) -> Callable[[], Any]:
    """Count the SQL statements run inside a `with count_statements() as c:` block."""

    @contextmanager
    def _count() -> Iterator[StatementCounter]:
        counter = StatementCounter()

        def _listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            counter.statements.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", _listener)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", _listener)

    return _count


def audit_actions(app: Flask, **filters: Any) -> list[Any]:
    """Return the audit events matching `filters`, oldest first (for assertions)."""
    with app.app_context():
        stmt = sa.select(AuditEvent).order_by(AuditEvent.id)
        for key, value in filters.items():
            stmt = stmt.where(getattr(AuditEvent, key) == value)
        return list(db.session.scalars(stmt))


def youth_trail(client: FlaskClient, auditor: Account, youth_id: int) -> list[dict[str, Any]]:
    """Return what an auditor's "who saw or changed this child" query finds, newest first."""
    response = client.get(
        f"/api/v1/audit-events?record_type=youth&record_id={youth_id}&limit=100",
        headers=auditor.headers,
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def earlier_today(share: float) -> str:
    """Return, in ISO form, the moment `share` (0 to 1) of the way from the start of
    today's business day to now: before now and never yesterday, whatever the hour the
    suite runs at. A visit to a record entered today cannot be dated yesterday, so "two
    hours ago" fails a test run just after midnight; a larger share is nearer now."""
    now = clock.utcnow()
    start = clock.day_start(clock.business_date(now))
    return (start + (now - start) * share).isoformat()


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """Assert an RFC 9457 problem response (and, when given, the field at fault)."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    if field is not None:
        assert field in body.get("errors", {}), body
    return body


def post_chunked(
    client: FlaskClient,
    path: str,
    raw: bytes,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> Any:
    """POST `raw` as gunicorn hands on a chunked body: no Content-Length, and the stream
    ended by the server (`wsgi.input_terminated`)."""
    return client.post(
        path,
        input_stream=io.BytesIO(raw),
        content_type=content_type,
        headers={**(headers or {}), "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def race(app: Flask, requests: list[tuple[str, str, Any, dict[str, str]]]) -> list[Any]:
    """Send each (method, path, json, headers) from its own thread and client at once."""
    barrier = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)

    def run(index: int, method: str, path: str, body: Any, headers: dict[str, str]) -> None:
        client = app.test_client()
        barrier.wait()
        results[index] = client.open(path, method=method, json=body, headers=headers)

    threads = [threading.Thread(target=run, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results
