"""GET /youths: filters, search, sorting, paging, audit and a constant number of statements."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sywc import clock
from sywc.extensions import db
from sywc.http import PAGE_TOTAL
from sywc.youths.models import YouthFlag
from tests import factories
from tests.conftest import audit_actions


@pytest.fixture
def cohort(app, make_user):
    """Seven records of two boroughs with known schedules; return their ids by label."""
    both = make_user("officer", "MPS", boroughs=["WCC", "RBKC"])
    today = clock.today()
    rows = {
        "red_overdue": {"rag": "red", "next_visit_due": today - timedelta(days=3)},
        "amber_today": {"rag": "amber", "next_visit_due": today, "ward": "harrow_road"},
        "green_later": {"rag": "green", "next_visit_due": today + timedelta(days=40)},
        "amber_soon": {
            "rag": "amber",
            "next_visit_due": today + timedelta(days=5),
            "lead_agency": "IGXU",
            "cohort_reason": "victim",
            "first_name": "Amira",
            "last_name": "Fictionby",
            "name_key": "fictionby amira",
        },
        "closed": {"rag": "red", "status": "closed", "next_visit_due": None},
        "rbkc_overdue": {
            "rag": "red",
            "borough": "RBKC",
            "ward": "golborne",
            "next_visit_due": today - timedelta(days=1),
        },
        "red_overdue_twin": {"rag": "red", "next_visit_due": today - timedelta(days=3)},
    }
    ids = {}
    with app.app_context():
        for label, values in rows.items():
            ids[label] = factories.youth(lead_officer_id=both.id, **values).id
        db.session.add(YouthFlag(youth_id=ids["red_overdue"], flag="weapon"))
        db.session.commit()
    return both, ids


def _ids(client, account, query=""):
    response = client.get(f"/api/v1/youths{query}", headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_default_order_is_soonest_due_first_closed_last_ties_by_id(client, cohort):
    account, ids = cohort
    assert _ids(client, account) == [
        ids["red_overdue"],
        ids["red_overdue_twin"],
        ids["rbkc_overdue"],
        ids["amber_today"],
        ids["amber_soon"],
        ids["green_later"],
        ids["closed"],
    ]


FILTERS = [
    ("?borough=RBKC", ["rbkc_overdue"]),
    ("?rag=amber", ["amber_today", "amber_soon"]),
    ("?ward=harrow_road", ["amber_today"]),
    ("?lead_agency=IGXU", ["amber_soon"]),
    ("?status=closed", ["closed"]),
    ("?cohort_reason=victim", ["amber_soon"]),
    ("?overdue=true", ["red_overdue", "red_overdue_twin", "rbkc_overdue"]),
    ("?overdue=false", ["amber_today", "amber_soon", "green_later", "closed"]),
    ("?overdue=true&borough=WCC", ["red_overdue", "red_overdue_twin"]),
    ("?q=fictionby", ["amber_soon"]),
    ("?q=AMI%20fiction", ["amber_soon"]),
    ("?q=zzz", []),
    ("?q=%25", []),
]


def test_filters(client, cohort):
    account, ids = cohort
    for query, expected in FILTERS:
        assert _ids(client, account, query) == [ids[label] for label in expected], query


def test_due_before_is_inclusive(client, cohort):
    account, ids = cohort
    day = (clock.today() + timedelta(days=5)).isoformat()
    assert _ids(client, account, f"?due_before={day}") == [
        ids["red_overdue"],
        ids["red_overdue_twin"],
        ids["rbkc_overdue"],
        ids["amber_today"],
        ids["amber_soon"],
    ]


def test_search_by_reference(client, cohort):
    account, ids = cohort
    reference = f"YP-{ids['green_later']:06d}"
    assert _ids(client, account, f"?q={reference}") == [ids["green_later"]]
    assert _ids(client, account, f"?q={reference.lower()}") == [ids["green_later"]]


def test_sorts_and_reversal(client, cohort):
    account, ids = cohort
    by_rag = _ids(client, account, "?sort=rag")
    reds = [ids["red_overdue"], ids["closed"], ids["rbkc_overdue"], ids["red_overdue_twin"]]
    assert by_rag[:4] == sorted(reds)
    assert by_rag[-1] == ids["green_later"]
    assert _ids(client, account, "?sort=-rag")[0] == ids["green_later"]
    by_name = _ids(client, account, "?sort=name")
    assert by_name[0] == ids["amber_soon"]  # "fictionby" before "person"
    assert by_name[1:] == sorted(by_name[1:])  # equal names: by id
    newest_due = _ids(client, account, "?sort=-next_visit_due")
    assert newest_due[0] == ids["green_later"]
    assert newest_due[-1] == ids["closed"]
    assert _ids(client, account, "?sort=-updated_at") != []


def test_paging_and_one_audit_event_per_page(app, client, cohort):
    account, _ = cohort
    first = client.get("/api/v1/youths?limit=3", headers=account.headers)
    body = first.get_json()
    assert (body["total"], body["next_page"], body["prev_page"]) == (7, 2, None)
    assert 'rel="next"' in first.headers["Link"]
    second = client.get("/api/v1/youths?limit=3&page=2", headers=account.headers).get_json()
    assert not {i["id"] for i in body["items"]} & {i["id"] for i in second["items"]}
    events = audit_actions(app, action="youths_listed")
    assert len(events) == 2
    assert events[0].record_ids == [str(i["id"]) for i in body["items"]]
    assert events[0].record_type == "youth"


def test_search_text_never_reaches_the_audit_trail(app, client, cohort):
    account, _ = cohort
    client.get("/api/v1/youths?q=Fictionby", headers=account.headers)
    [event] = audit_actions(app, action="youths_listed")
    assert event.details["filters"] == {"q": "given"}
    assert "Fictionby" not in str(event.details)


def test_list_items_carry_no_address(client, cohort):
    account, _ = cohort
    items = client.get("/api/v1/youths", headers=account.headers).get_json()["items"]
    assert all("address" not in item for item in items)
    assert items[0]["flags"] == ["weapon"]
    assert items[0]["overdue"] is True
    assert items[0]["days_overdue"] == 3


def _flagged_youths(app, account, count):
    """Add `count` young people led by `account`, each flagged as carrying a weapon."""
    with app.app_context():
        for n in range(count):
            record = factories.youth(lead_officer_id=account.id, first_name=f"P{n}")
            db.session.add(YouthFlag(youth_id=record.id, flag="weapon"))
        db.session.commit()


def test_a_page_of_5_and_of_200_issue_the_same_number_of_statements(
    app, client, make_user, count_statements
):
    account = make_user("officer", "MPS")
    _flagged_youths(app, account, 12)
    with count_statements() as small:
        assert len(_ids(client, account, "?limit=5")) == 5
    with count_statements() as large:
        assert len(_ids(client, account, "?limit=200")) == 12
    assert small.beyond_totals == large.beyond_totals


def test_the_total_counts_rows_without_reading_their_flags(
    app, client, make_user, count_statements
):
    account = make_user("officer", "MPS")
    _flagged_youths(app, account, 3)
    with count_statements() as counter:
        response = client.get("/api/v1/youths?limit=2", headers=account.headers)

    body = response.get_json()
    assert (body["total"], [i["flags"] for i in body["items"]]) == (3, [["weapon"]] * 2)
    (page,) = [s for s in counter.statements if "count(" in s.lower()]
    # The page reads each row's flags and cohorts; its total, counted in the same
    # statement, touches the rows alone.
    count = page[page.index("SELECT count(*)") : page.rindex(f"AS {PAGE_TOTAL}")]
    assert "youth_flags" in page
    assert "youth_cohorts" in page
    assert "FROM youths" in count
    assert "youth_flags" not in count
    assert "youth_cohorts" not in count
