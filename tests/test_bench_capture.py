"""The benchmark's floor for a read runs the read's data queries, not its bookkeeping."""

from __future__ import annotations

import pytest

from sywc.extensions import db
from tests import factories
from tests.benchmarks.capture import floor_statements
from tests.benchmarks.sqlcapture import captured


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
