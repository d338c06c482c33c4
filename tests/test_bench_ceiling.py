"""The benchmark's ceiling route reads like the floor but is checked and audited like the API."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from sywc.audit.verification import walk as walk_the_chain
from sywc.extensions import db
from tests import factories
from tests.benchmarks.ceiling import append_chain_events
from tests.benchmarks.ceiling_app import (
    UNCHAINED_EVENTS,
    add_ceiling_route,
    create_unchained_events,
)
from tests.conftest import Account, assert_problem, audit_actions


def _spec(captured_id: int) -> dict[str, Any]:
    sql = "SELECT id, first_name FROM youths WHERE id = %(youth_id)s"
    statement = {"sql": sql, "params": {"youth_id": captured_id}}
    return {"reads": {"youth_record": {"youth_id": captured_id, "statements": [statement]}}}


def _ceiling_over_one_youth(app: Flask) -> int:
    """Add the ceiling route, its spec captured on one new young person; return their id."""
    with app.app_context():
        youth_id = factories.youth().id
        db.session.commit()
    add_ceiling_route(app, _spec(youth_id))
    return youth_id


@pytest.mark.postgres_only
def test_the_ceiling_route_reads_the_record_asked_for_and_audits_it_unless_told_not_to(
    app: Flask, client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    with app.app_context():
        captured, asked = factories.youth(), factories.youth()
        db.session.commit()
        captured_id, asked_id, asked_name = captured.id, asked.id, asked.first_name
    add_ceiling_route(app, _spec(captured_id))
    officer = make_user("officer", "MPS")
    path = f"/bench/ceiling/youths/{asked_id}"

    response = client.get(path, headers=officer.headers)
    assert response.status_code == 200
    assert response.get_json() == {"results": [[{"id": asked_id, "first_name": asked_name}]]}
    viewed = audit_actions(app, action="youth_viewed")
    assert [(e.record_type, e.record_id, e.actor_id) for e in viewed] == [
        ("youth", str(asked_id), officer.id)
    ]

    response = client.get(f"{path}?audit=0", headers=officer.headers)
    assert response.status_code == 200
    assert len(audit_actions(app, action="youth_viewed")) == 1


@pytest.mark.postgres_only
def test_the_ceiling_route_asks_for_a_token_and_the_cohort_read_permission(
    app: Flask, client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    youth_id = _ceiling_over_one_youth(app)
    board_member = make_user("board_member")
    path = f"/bench/ceiling/youths/{youth_id}"

    assert_problem(client.get(path), 401)
    assert_problem(client.get(path, headers=board_member.headers), 403)
    assert audit_actions(app, action="youth_viewed") == []


@pytest.fixture
def unchained_events(app: Flask) -> Iterator[None]:
    """The unchained copy of the trail's table, for one test (the database outlives it)."""
    with app.app_context(), db.engine.begin() as connection:
        create_unchained_events(connection)
        create_unchained_events(connection)  # a second call finds it and leaves it be
    yield
    with app.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql(f"DROP TABLE {UNCHAINED_EVENTS}")


@pytest.mark.postgres_only
@pytest.mark.usefixtures("unchained_events")
def test_the_unchained_mode_writes_the_same_event_to_the_copy_and_not_to_the_chain(
    app: Flask, client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    youth_id = _ceiling_over_one_youth(app)
    officer = make_user("officer", "MPS")

    response = client.get(
        f"/bench/ceiling/youths/{youth_id}?audit=unchained", headers=officer.headers
    )

    assert response.status_code == 200
    assert audit_actions(app, action="youth_viewed") == []
    with app.app_context():
        copied = db.session.execute(
            sa.text(
                f"SELECT id, action, record_type, record_id, actor_type, actor_id, role, "
                f"agency, request_id FROM {UNCHAINED_EVENTS}"
            )
        ).all()
        chain = walk_the_chain()
    assert [tuple(row) for row in copied] == [
        (
            1,
            "youth_viewed",
            "youth",
            str(youth_id),
            "user",
            officer.id,
            "officer",
            "MPS",
            response.headers["X-Request-ID"],
        )
    ]
    assert chain.ok, chain


def test_an_unknown_audit_mode_is_refused_before_anything_is_read_or_written(
    app: Flask, client: FlaskClient, make_user: Callable[..., Account]
) -> None:
    youth_id = _ceiling_over_one_youth(app)
    officer = make_user("officer", "MPS")

    response = client.get(f"/bench/ceiling/youths/{youth_id}?audit=1", headers=officer.headers)

    assert_problem(response, 422, field="audit")
    assert audit_actions(app, action="youth_viewed") == []


def test_a_spec_without_the_records_statements_is_refused(app: Flask) -> None:
    with pytest.raises(ValueError, match="record"):
        add_ceiling_route(app, {"reads": {}})


@pytest.mark.postgres_only
def test_the_chain_measure_appends_events_that_the_verification_accepts(app: Flask) -> None:
    finished: queue.Queue[int] = queue.Queue()
    append_chain_events(app.config["SQLALCHEMY_DATABASE_URI"], 0.2, threading.Barrier(1), finished)
    appended = finished.get_nowait()

    assert appended > 0
    events = audit_actions(app, action="bench_chain_append")
    assert len(events) == appended
    assert {(e.actor_type, e.actor_label) for e in events} == {("system", "benchmark")}
    with app.app_context():
        result = walk_the_chain()
    assert result.ok, result
    assert result.checked == len(audit_actions(app))
