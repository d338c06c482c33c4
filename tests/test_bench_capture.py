"""The benchmark's floor for a read runs the read's data queries, not its bookkeeping."""

from __future__ import annotations

import pytest

from sywc.extensions import db
from tests import factories
from tests.benchmarks.capture import floor_statements
from tests.benchmarks.replay import reset_sequences
from tests.benchmarks.sqlcapture import captured, sequence_state


@pytest.mark.postgres_only
def test_a_list_pages_floor_leaves_out_the_session_check_and_audit_append(app, client, officer):
    with app.app_context():
        for _ in range(3):
            factories.youth()
        db.session.commit()

    with captured(app) as capture:
        response = client.get("/api/v1/youths?limit=50", headers=officer.headers)
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == 3

    sent = [s.sql for s in capture.statements]
    # The page's event and its three links are one statement, and it reads like a query.
    appends = [sql for sql in sent if "INSERT INTO audit_event_records" in sql]
    assert len(appends) == 1
    assert appends[0].lstrip().upper().startswith("WITH")
    assert any("FROM auth_sessions" in sql for sql in sent)

    floor = [s["sql"] for s in floor_statements(capture.statements)]
    assert floor
    assert all("audit_event" not in sql and "auth_sessions" not in sql for sql in floor)
    assert any("FROM youths" in sql for sql in floor)


@pytest.mark.postgres_only
def test_a_replay_gives_back_a_sequence_set_past_its_ids_as_it_found_it(app):
    # `flask sywc demo-data` leaves each sequence with setval(..., false): no value has
    # been handed out since, and pg_sequences shows no last value for it.
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            conn = raw.driver_connection
            conn.execute("SELECT setval('visits_id_seq', 5000, false)")
            conn.commit()
            state = sequence_state(conn)
            assert ("public.visits_id_seq", 5000, False) in state

            conn.execute("SELECT nextval('visits_id_seq'), nextval('visits_id_seq')")
            reset_sequences(conn, state)
            assert conn.execute("SELECT nextval('visits_id_seq')").fetchone() == (5000,)

            reset_sequences(conn, sequence_state(conn))
            assert conn.execute("SELECT nextval('visits_id_seq')").fetchone() == (5001,)
            conn.commit()
        finally:
            raw.close()
