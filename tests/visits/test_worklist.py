"""GET /visits/due: order, filters, days overdue, last attempt, audit, statement count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sywc import clock
from sywc.extensions import db
from tests import factories
from tests.conftest import assert_problem, audit_actions


@pytest.fixture
def worklist(app, make_user):
    """Records due at known dates, with two lead officers and both boroughs."""
    both = make_user("officer", "MPS", boroughs=["WCC", "RBKC"])
    igxu = make_user("officer", "IGXU")
    today = clock.today()
    rows = {
        "due_in_7": {"next_visit_due": today + timedelta(days=7), "rag": "green"},
        "due_in_8": {"next_visit_due": today + timedelta(days=8)},
        "overdue_2": {"next_visit_due": today - timedelta(days=2), "rag": "red"},
        "due_today": {"next_visit_due": today, "ward": "harrow_road"},
        "overdue_10": {
            "next_visit_due": today - timedelta(days=10),
            "rag": "red",
            "lead_agency": "IGXU",
            "lead_officer_id": igxu.id,
        },
        "closed": {"status": "closed", "next_visit_due": None},
        "rbkc": {
            "borough": "RBKC",
            "ward": "golborne",
            "next_visit_due": today - timedelta(days=1),
        },
    }
    ids = {}
    with app.app_context():
        for label, values in rows.items():
            values = {"lead_officer_id": both.id, **values}
            ids[label] = factories.youth(**values).id
        for hours, outcome in ((30, "not_home"), (5, "refused"), (2, "seen")):
            factories.visit(
                youth_id=ids["overdue_2"],
                author_id=both.id,
                outcome=outcome,
                visited_at=clock.utcnow() - timedelta(hours=hours),
                notes=f"{outcome} note",
            )
        db.session.commit()
    return both, igxu, ids


def _rows(client, account, query=""):
    response = client.get(f"/api/v1/visits/due{query}", headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_overdue_first_then_by_due_date_default_a_week_ahead(client, worklist):
    account, _, ids = worklist
    rows = _rows(client, account)
    assert [r["id"] for r in rows] == [
        ids["overdue_10"],
        ids["overdue_2"],
        ids["rbkc"],
        ids["due_today"],
        ids["due_in_7"],
    ]
    assert [r["days_overdue"] for r in rows] == [10, 2, 1, 0, 0]
    assert [r["overdue"] for r in rows] == [True, True, True, False, False]


def test_last_attempt_is_the_latest_visit_that_did_not_see_them(client, worklist):
    account, _, ids = worklist
    rows = {r["id"]: r for r in _rows(client, account)}
    attempt = rows[ids["overdue_2"]]["last_attempt"]
    assert (attempt["outcome"], attempt["notes"]) == ("refused", "refused note")
    assert rows[ids["due_today"]]["last_attempt"] is None


FILTERS = [
    ("?borough=RBKC", ["rbkc"]),
    ("?agency=IGXU", ["overdue_10"]),
    ("?rag=red", ["overdue_10", "overdue_2"]),
    ("?ward=harrow_road", ["due_today"]),
    ("?due_before={today}", ["overdue_10", "overdue_2", "rbkc", "due_today"]),
    ("?due_before={in_8}&rag=amber", ["rbkc", "due_today", "due_in_8"]),
]


def test_filters(client, worklist):
    account, _, ids = worklist
    today = clock.today()
    for query, expected in FILTERS:
        query = query.format(today=today, in_8=today + timedelta(days=8))
        assert [r["id"] for r in _rows(client, account, query)] == [ids[x] for x in expected], query


def test_filter_by_lead_officer(client, worklist):
    account, igxu, ids = worklist
    assert [r["id"] for r in _rows(client, account, f"?officer_id={igxu.id}")] == [
        ids["overdue_10"]
    ]


def test_only_the_callers_boroughs(client, worklist, make_user):
    _, _, ids = worklist
    rbkc_only = make_user("officer", "CSC", boroughs=["RBKC"])
    assert [r["id"] for r in _rows(client, rbkc_only)] == [ids["rbkc"]]


def test_worklist_page_is_one_audit_event(app, client, worklist):
    account, _, _ = worklist
    rows = _rows(client, account, "?limit=2")
    [event] = audit_actions(app, action="worklist_viewed")
    assert event.record_ids == [str(r["id"]) for r in rows]
    assert event.actor_id == account.id


def test_bad_worklist_query_is_422(client, worklist):
    account, _, _ = worklist
    assert_problem(client.get("/api/v1/visits/due?due=x", headers=account.headers), 422, "due")
    assert_problem(
        client.get("/api/v1/visits/due?due_before=soon", headers=account.headers),
        422,
        "due_before",
    )


def test_a_page_of_5_and_of_200_issue_the_same_number_of_statements(
    app, client, make_user, count_statements
):
    account = make_user("officer", "MPS")
    with app.app_context():
        for n in range(12):
            record = factories.youth(
                lead_officer_id=account.id, next_visit_due=clock.today() - timedelta(days=n)
            )
            factories.visit(youth_id=record.id, author_id=account.id, outcome="not_home")
        db.session.commit()
    with count_statements() as small:
        assert len(_rows(client, account, "?limit=5")) == 5
    with count_statements() as large:
        assert len(_rows(client, account, "?limit=200")) == 12
    assert small.beyond_totals == large.beyond_totals
