"""A reopened record: due the day it came back, never missed for the time it was closed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from sywc.alerts.models import Alert
from sywc.alerts.scan import scan
from sywc.extensions import db
from sywc.youths.models import Youth
from sywc.youths.service.tracking import realign_schedules, schedule_rules
from tests.conftest import PASSWORD, audit_actions
from tests.stats.conftest import QUARTER, fetch, table, values
from tests.youths.helpers import create_youth


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def moment(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The clock, at 9:00 on Monday 5 January 2026 until a test moves it."""
    now = [at(date(2026, 1, 5), 9)]
    monkeypatch.setattr("sywc.clock.utcnow", lambda: now[0])
    return now


@pytest.fixture
def people(moment, make_user):
    return make_user("officer"), make_user("senior_officer")


def move(client, moment, people, when: datetime) -> None:
    """Set the clock to `when` and sign everyone in again (a session idles out in days)."""
    moment[0] = when
    for account in people:
        login = {"username": account.username, "password": PASSWORD}
        response = client.post("/api/v1/auth/login", json=login)
        assert response.status_code == 200, response.get_json()
        account.token = response.get_json()["access_token"]


def post(client, account, path: str, reason: str = "Reviewed by the panel.") -> dict:
    response = client.post(path, json={"reason": reason}, headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def closed_for_eight_weeks(
    client, moment, people, *, rag: str = "red", seen_back=False, closed=date(2026, 1, 8)
) -> dict:
    """Rated on 5 January, closed on 8 January (or `closed`), reopened on 2 March at 10:00."""
    officer, senior = people
    move(client, moment, people, at(date(2026, 1, 5), 9))
    created = create_youth(client, officer, rag=rag, confirm_duplicate=True)
    path = f"/api/v1/youths/{created['id']}"
    move(client, moment, people, at(closed, 10))
    post(client, senior, f"{path}/close")
    move(client, moment, people, at(date(2026, 3, 2), 10))
    reopened = post(client, senior, f"{path}/reopen", "New concerns raised by the school.")
    if seen_back:
        move(client, moment, people, at(date(2026, 3, 2), 15))
        visit = {
            "visited_at": moment[0].isoformat(),
            "officer_ids": [officer.id],
            "outcome": "seen",
        }
        response = client.post(f"{path}/visits", json=visit, headers=officer.headers)
        assert response.status_code == 201, response.get_json()
    return {**created, **reopened}


def missed_visit_alerts(app, youth_id: int) -> list[tuple[date, int]]:
    with app.app_context():
        return [
            (a.due_on, a.escalation_level)
            for a in db.session.scalars(
                sa.select(Alert).where(Alert.type == "missed_visit", Alert.subject_id == youth_id)
            )
        ]


def test_a_visit_that_fell_due_while_closed_is_due_on_reopening_not_missed_before(
    app, client, moment, people
):
    record = closed_for_eight_weeks(client, moment, people)

    # Its January rating had it due on 12 January, while it was closed.
    assert record["next_visit_due"] == "2026-03-02"
    assert record["visits_due_from"] == "2026-03-02"
    assert (record["overdue"], record["days_overdue"]) == (False, 0)
    [event] = audit_actions(app, action="youth_reopened")
    assert event.details["next_visit_due"] == "2026-03-02"
    # The scan the day it came back raises nothing; the next day the visit is missed by
    # one day, at the first level, not eight weeks overdue and escalated.
    with app.app_context():
        scan(now=at(date(2026, 3, 2), 23))
    assert missed_visit_alerts(app, record["id"]) == []
    with app.app_context():
        scan(now=at(date(2026, 3, 3), 6))
    assert missed_visit_alerts(app, record["id"]) == [(date(2026, 3, 2), 1)]
    # The SQL rule the scan realigns every record with agrees with the stored date.
    with app.app_context():
        assert realign_schedules(session=db.session, rules=schedule_rules()) == []
        assert db.session.get(Youth, record["id"]).next_visit_due == date(2026, 3, 2)


def test_a_visit_due_after_the_reopening_keeps_its_date(app, client, moment, people):
    # Green on 5 January: due 6 April, after it came back.
    record = closed_for_eight_weeks(client, moment, people, rag="green")

    assert record["next_visit_due"] == "2026-04-06"
    assert record["visits_due_from"] == "2026-03-02"
    with app.app_context():
        assert realign_schedules(session=db.session, rules=schedule_rules()) == []


def test_a_visit_on_the_day_it_came_back_is_on_time_and_sets_the_next(app, client, moment, people):
    record = closed_for_eight_weeks(client, moment, people, seen_back=True)

    with app.app_context():
        assert db.session.get(Youth, record["id"]).next_visit_due == date(2026, 3, 9)
        scan(now=at(date(2026, 3, 3), 6))
    assert missed_visit_alerts(app, record["id"]) == []


NOT_YET_MISSED = [
    pytest.param(date(2026, 1, 12), id="closed-on-the-due-day"),
    pytest.param(
        date(2026, 1, 13),
        marks=pytest.mark.app_config({"VISIT_GRACE_DAYS": 3}),
        id="closed-within-the-grace",
    ),
]


@pytest.mark.parametrize("closed", [date(2026, 1, 8), *NOT_YET_MISSED])
def test_the_visits_report_counts_the_visit_due_on_reopening_not_one_due_while_closed(
    client, moment, people, closed
):
    _, senior = people
    closed_for_eight_weeks(client, moment, people, closed=closed)
    closed_for_eight_weeks(client, moment, people, closed=closed, seen_back=True)
    move(client, moment, people, at(date(2026, 4, 10), 12))

    body = fetch(client, "visits", senior, **QUARTER)

    # Not seen: due 2 March, missed. Seen on 2 March: on time, then due 9 March, missed.
    # Neither counts the visit due on 12 January as missed: both were closed before it
    # was (on the 8th, or on the day or within the grace), so it is due on 2 March.
    grid = values(body, "due_visits_by_rag_and_outcome")
    assert (grid["red", "on_time"], grid["red", "missed"]) == (1, 2)
    assert table(body, "due_visits_by_rag_and_outcome")["total"] == 3
    # 39 days from 2 March to 10 April, 32 from 9 March.
    assert values(body, "median_days_overdue_by_rag")["red"] == 35.5


def test_closing_and_reopening_the_same_day_does_not_clear_a_visit_missed_while_open(
    app, client, moment, people
):
    officer, senior = people
    created = create_youth(client, officer, rag="red", confirm_duplicate=True)  # 5 January
    path = f"/api/v1/youths/{created['id']}"
    # Due 12 January, never visited: missed, and escalated by the 26th.
    with app.app_context():
        scan(now=at(date(2026, 1, 26), 6))
    assert missed_visit_alerts(app, created["id"]) == [(date(2026, 1, 12), 2)]
    # Closed at 10:00 and reopened at 11:00 the same day: closed for no day at all.
    move(client, moment, people, at(date(2026, 1, 26), 10))
    post(client, senior, f"{path}/close")
    move(client, moment, people, at(date(2026, 1, 26), 11))
    record = post(client, senior, f"{path}/reopen")

    # Nothing fell due while it was closed, so the visit missed on 12 January still is
    # (and the board's figures still count it missed from the 12th).
    assert (record["next_visit_due"], record["overdue"]) == ("2026-01-12", True)
    assert record["visits_due_from"] is None
    with app.app_context():
        assert realign_schedules(session=db.session, rules=schedule_rules()) == []
        scan(now=at(date(2026, 1, 27), 6))
    # The alert closing resolved is raised again, as escalated as it was.
    assert missed_visit_alerts(app, created["id"]) == [(date(2026, 1, 12), 2)] * 2


# Red on 5 January is due on the 12th: closed on that day with no grace, or on the 13th
# within a grace of 3 days (missed only from the 16th), the visit was not yet missed.


@pytest.mark.parametrize("closed", NOT_YET_MISSED)
def test_a_visit_not_yet_missed_when_closed_is_due_on_reopening(
    app, client, moment, people, closed
):
    officer, senior = people
    created = create_youth(client, officer, rag="red", confirm_duplicate=True)
    path = f"/api/v1/youths/{created['id']}"
    move(client, moment, people, at(closed, 10))
    with app.app_context():
        scan(now=at(closed, 9))
    assert missed_visit_alerts(app, created["id"]) == []  # nothing missed while open
    assert post(client, senior, f"{path}/close")["status"] == "closed"
    move(client, moment, people, at(date(2026, 3, 2), 10))
    record = post(client, senior, f"{path}/reopen", "New concerns raised by the school.")

    # It could only have been missed while the record was closed: due the day it came
    # back, not seven weeks overdue.
    assert (record["next_visit_due"], record["visits_due_from"]) == ("2026-03-02", "2026-03-02")
    assert (record["overdue"], record["days_overdue"]) == (False, 0)
    with app.app_context():
        assert db.session.get(Youth, created["id"]).visits_due_from == date(2026, 3, 2)
        assert realign_schedules(session=db.session, rules=schedule_rules()) == []
        scan(now=at(date(2026, 3, 2), 23))
    assert missed_visit_alerts(app, created["id"]) == []


@pytest.mark.app_config({"VISIT_GRACE_DAYS": 3})
def test_a_visit_missed_by_the_day_it_was_closed_stays_missed(app, client, moment, people):
    # Due 12 January, missed from the 16th once the 3 days' grace are over.
    record = closed_for_eight_weeks(client, moment, people, closed=date(2026, 1, 16))

    assert (record["next_visit_due"], record["visits_due_from"]) == ("2026-01-12", None)
    assert (record["overdue"], record["days_overdue"]) == (True, 49)


def closed_again_until_april(client, moment, people, path: str, closing: datetime) -> dict:
    """Close the record again at `closing` and reopen it on 1 April, when the visit in hand
    at the closing is due; on 10 April, check that visit is missed by 9 days in the second
    quarter, and return the first quarter's visit figures."""
    _, senior = people
    move(client, moment, people, closing)
    post(client, senior, f"{path}/close")
    move(client, moment, people, at(date(2026, 4, 1), 10))
    again = post(client, senior, f"{path}/reopen", "New concerns raised by the school.")
    assert again["next_visit_due"] == "2026-04-01"
    move(client, moment, people, at(date(2026, 4, 10), 12))
    second = fetch(client, "visits", senior, **{"from": "2026-04-01", "to": "2026-06-30"})
    assert values(second, "due_visits_by_rag_and_outcome")["red", "missed"] == 1
    assert values(second, "median_days_overdue_by_rag")["red"] == 9
    return fetch(client, "visits", senior, **QUARTER)


@pytest.mark.parametrize(
    "closed",
    [
        pytest.param(date(2026, 1, 8), id="fell-due-while-closed"),
        pytest.param(date(2026, 1, 12), id="closed-on-the-due-day"),
    ],
)
def test_a_visit_made_the_day_it_came_back_counts_on_time_though_closed_again_that_day(
    client, moment, people, closed
):
    record = closed_for_eight_weeks(client, moment, people, closed=closed, seen_back=True)
    path = f"/api/v1/youths/{record['id']}"
    # Due on 2 March, the day it came back, seen at 15:00 (next due 9 March), and closed
    # again at 16:00, before the 9 March visit fell due: that one is due on 1 April.
    first = closed_again_until_april(client, moment, people, path, at(date(2026, 3, 2), 16))

    # The board counts the 2 March visit on time, as the stored schedule had it, though
    # the closure that followed began within the grace after the reopening.
    grid = values(first, "due_visits_by_rag_and_outcome")
    assert (grid["red", "on_time"], grid["red", "missed"]) == (1, 0), grid
    assert table(first, "due_visits_by_rag_and_outcome")["total"] == 1


@pytest.mark.app_config(
    {"VISIT_CADENCE_DAYS": {"red": 2, "amber": 9, "green": 23}, "VISIT_GRACE_DAYS": 3}
)
def test_a_visit_made_on_the_day_the_record_closed_again_within_the_grace_counts_on_time(
    client, moment, people
):
    officer, _ = people
    # Red every 2 days with 3 days' grace: due 7 January, not yet missed when closed on
    # the 8th, so due on 2 March, when it came back and was seen (next due 4 March).
    record = closed_for_eight_weeks(client, moment, people, seen_back=True)
    path = f"/api/v1/youths/{record['id']}"
    # Seen on 5 March, within the grace of the 4 March visit, and closed an hour later:
    # the closure began within the grace after the reopening, but after the visit.
    move(client, moment, people, at(date(2026, 3, 5), 9))
    visit = {"visited_at": moment[0].isoformat(), "officer_ids": [officer.id], "outcome": "seen"}
    response = client.post(f"{path}/visits", json=visit, headers=officer.headers)
    assert response.status_code == 201, response.get_json()
    # The visit in hand on 5 March, due on the 7th, is the one due on 1 April.
    first = closed_again_until_april(client, moment, people, path, at(date(2026, 3, 5), 10))

    grid = values(first, "due_visits_by_rag_and_outcome")
    assert (grid["red", "on_time"], grid["red", "missed"]) == (2, 0), grid
    assert table(first, "due_visits_by_rag_and_outcome")["total"] == 2


def test_a_visit_due_on_a_reopening_and_closed_again_that_day_is_due_on_the_next(
    app, client, moment, people
):
    _, senior = people
    record = closed_for_eight_weeks(client, moment, people)
    path = f"/api/v1/youths/{record['id']}"
    # Due on 2 March, the day it came back, and closed again an hour later.
    move(client, moment, people, at(date(2026, 3, 2), 11))
    post(client, senior, f"{path}/close")
    move(client, moment, people, at(date(2026, 4, 1), 10))
    again = post(client, senior, f"{path}/reopen", "New concerns raised by the school.")

    assert (again["next_visit_due"], again["visits_due_from"]) == ("2026-04-01", "2026-04-01")
    assert again["overdue"] is False
    with app.app_context():
        assert realign_schedules(session=db.session, rules=schedule_rules()) == []
    # The board counts it due on 1 April, missed by 9 days on the 10th, and nothing in
    # the first quarter, when it was closed or not yet missed.
    move(client, moment, people, at(date(2026, 4, 10), 12))
    first = fetch(client, "visits", senior, **QUARTER)
    assert table(first, "due_visits_by_rag_and_outcome")["total"] == 0
    second = fetch(client, "visits", senior, **{"from": "2026-04-01", "to": "2026-06-30"})
    assert values(second, "due_visits_by_rag_and_outcome")["red", "missed"] == 1
    assert values(second, "median_days_overdue_by_rag")["red"] == 9


# Red on 5 January, due on the 12th and never visited: closed on the 14th, the visit was
# missed while the record was open, so on 2 March it came back overdue from the 12th.
MISSED_WHEN_CLOSED = date(2026, 1, 14)


def enter_seen_visit(client, officer, youth_id: int, visited_at: datetime) -> dict:
    """Record, now, a visit at which the young person was seen at `visited_at`."""
    visit = {"visited_at": visited_at.isoformat(), "officer_ids": [officer.id], "outcome": "seen"}
    path = f"/api/v1/youths/{youth_id}/visits"
    response = client.post(path, json=visit, headers=officer.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def enter_red_rating(client, officer, youth_id: int, assessed_on: str, rationale: str) -> dict:
    """Record, now, a red rating given on `assessed_on`."""
    rating = {"rating": "red", "rationale": rationale, "assessed_on": assessed_on}
    path = f"/api/v1/youths/{youth_id}/rag-assessments"
    response = client.post(path, json=rating, headers=officer.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def missed_visit_states(app, youth_id: int) -> list[tuple[date, str, str | None]]:
    """Return each missed-visit alert's (due date, status, resolution), oldest first."""
    with app.app_context():
        return [
            (a.due_on, a.status, a.resolution)
            for a in db.session.scalars(
                sa.select(Alert)
                .where(Alert.type == "missed_visit", Alert.subject_id == youth_id)
                .order_by(Alert.id)
            )
        ]


def stored_schedule(app, youth_id: int) -> tuple[date | None, date | None]:
    """Return the record's stored (visits_due_from, next_visit_due)."""
    with app.app_context():
        youth = db.session.get(Youth, youth_id)
        return youth.visits_due_from, youth.next_visit_due


def realigned(app) -> list[int]:
    """Return the records the scan's SQL rule would store another due date for."""
    with app.app_context():
        return realign_schedules(session=db.session, rules=schedule_rules())


def reopened_overdue(app, client, moment, people) -> dict:
    """The red record missed when closed, back on 2 March and alerted at 11:00."""
    record = closed_for_eight_weeks(client, moment, people, closed=MISSED_WHEN_CLOSED)
    assert (record["next_visit_due"], record["visits_due_from"]) == ("2026-01-12", None)
    with app.app_context():
        scan(now=at(date(2026, 3, 2), 11))
    assert missed_visit_states(app, record["id"]) == [(date(2026, 1, 12), "open", None)]
    return record


def test_a_visit_entered_late_from_before_the_closure_makes_the_visit_due_on_reopening(
    app, client, moment, people
):
    officer, senior = people
    record = reopened_overdue(app, client, moment, people)
    # At noon an officer enters a visit made on 9 January: seen then, the record was due
    # again on the 16th, so the visit in hand when it closed on the 14th was not missed.
    move(client, moment, people, at(date(2026, 3, 2), 12))
    body = enter_seen_visit(client, officer, record["id"], at(date(2026, 1, 9), 10))

    assert (body["schedule"]["next_visit_due"], body["schedule"]["overdue"]) == (
        "2026-03-02",
        False,
    )
    assert body["schedule"]["version"] == record["version"] + 1  # written once
    assert stored_schedule(app, record["id"]) == (date(2026, 3, 2), date(2026, 3, 2))
    assert missed_visit_states(app, record["id"]) == [
        (date(2026, 1, 12), "resolved", "visit_recorded")
    ]
    [event] = audit_actions(app, action="visit_recorded")
    assert event.details["alerts_resolved"] == 1
    assert realigned(app) == []
    with app.app_context():
        scan(now=at(date(2026, 3, 2), 23))
    assert len(missed_visit_states(app, record["id"])) == 1
    # The board's figures agree: the visit due on 12 January was made on the 9th, and the
    # one in hand when the record closed is due on 2 March, missed by 39 days on 10 April.
    move(client, moment, people, at(date(2026, 4, 10), 12))
    report = fetch(client, "visits", senior, **QUARTER)
    grid = values(report, "due_visits_by_rag_and_outcome")
    assert (grid["red", "on_time"], grid["red", "missed"]) == (1, 1)
    due = stored_schedule(app, record["id"])[1]
    assert values(report, "median_days_overdue_by_rag")["red"] == (date(2026, 4, 10) - due).days


def test_a_visit_entered_late_that_leaves_the_visit_missed_at_closing_changes_nothing(
    app, client, moment, people
):
    officer, senior = people
    record = reopened_overdue(app, client, moment, people)
    # Seen on 5 January, the day of the rating: still due on the 12th, missed by the 14th.
    move(client, moment, people, at(date(2026, 3, 2), 12))
    body = enter_seen_visit(client, officer, record["id"], at(date(2026, 1, 5), 14))

    assert (body["schedule"]["next_visit_due"], body["schedule"]["overdue"]) == (
        "2026-01-12",
        True,
    )
    assert stored_schedule(app, record["id"]) == (None, date(2026, 1, 12))
    assert missed_visit_states(app, record["id"]) == [(date(2026, 1, 12), "open", None)]
    [event] = audit_actions(app, action="visit_recorded")
    assert event.details["alerts_resolved"] == 0
    assert realigned(app) == []
    # The board counts it missed from the 12th too: 88 days by 10 April.
    move(client, moment, people, at(date(2026, 4, 10), 12))
    report = fetch(client, "visits", senior, **QUARTER)
    assert values(report, "due_visits_by_rag_and_outcome")["red", "missed"] == 1
    assert table(report, "due_visits_by_rag_and_outcome")["total"] == 1
    assert values(report, "median_days_overdue_by_rag")["red"] == 88


def test_a_visit_entered_late_re_decides_each_closure_of_a_chain(app, client, moment, people):
    officer, senior = people
    record = reopened_overdue(app, client, moment, people)
    path = f"/api/v1/youths/{record['id']}"
    # Closed again an hour after it came back, and reopened on 1 April: the visit missed
    # on 12 January was still the one in hand, so it stayed missed.
    move(client, moment, people, at(date(2026, 3, 2), 11))
    post(client, senior, f"{path}/close")
    move(client, moment, people, at(date(2026, 4, 1), 10))
    again = post(client, senior, f"{path}/reopen", "New concerns raised by the school.")
    assert (again["next_visit_due"], again["visits_due_from"]) == ("2026-01-12", None)
    move(client, moment, people, at(date(2026, 4, 1), 12))
    body = enter_seen_visit(client, officer, record["id"], at(date(2026, 1, 9), 10))

    # Seen on 9 January, it was not yet missed on the 14th: due on 2 March, the day it
    # came back and was closed again before that visit was missed, so due on 1 April.
    assert (body["schedule"]["next_visit_due"], body["schedule"]["overdue"]) == (
        "2026-04-01",
        False,
    )
    assert stored_schedule(app, record["id"]) == (date(2026, 4, 1), date(2026, 4, 1))
    assert realigned(app) == []
    move(client, moment, people, at(date(2026, 4, 10), 12))
    second = fetch(client, "visits", senior, **{"from": "2026-04-01", "to": "2026-06-30"})
    assert values(second, "due_visits_by_rag_and_outcome")["red", "missed"] == 1
    assert values(second, "median_days_overdue_by_rag")["red"] == 9
    first = fetch(client, "visits", senior, **QUARTER)
    assert values(first, "due_visits_by_rag_and_outcome")["red", "missed"] == 0


def test_a_rating_entered_late_from_before_the_closure_makes_the_visit_due_on_reopening(
    app, client, moment, people
):
    officer, senior = people
    record = reopened_overdue(app, client, moment, people)
    # At noon an officer enters the rating a colleague gave on 10 January: red from then,
    # due on the 17th, so the visit in hand when the record closed was not yet missed.
    move(client, moment, people, at(date(2026, 3, 2), 12))
    rationale = "Reviewed at the January panel; entered late."
    body = enter_red_rating(client, officer, record["id"], "2026-01-10", rationale)

    assert body["current"] is True
    assert (body["schedule"]["next_visit_due"], body["schedule"]["overdue"]) == (
        "2026-03-02",
        False,
    )
    assert stored_schedule(app, record["id"]) == (date(2026, 3, 2), date(2026, 3, 2))
    assert missed_visit_states(app, record["id"]) == [
        (date(2026, 1, 12), "resolved", "rag_assessed")
    ]
    [event] = audit_actions(app, action="rag_assessed")
    assert event.details["alerts_resolved"] == 1
    assert realigned(app) == []
    move(client, moment, people, at(date(2026, 4, 10), 12))
    report = fetch(client, "visits", senior, **QUARTER)
    assert values(report, "due_visits_by_rag_and_outcome")["red", "missed"] == 1
    assert table(report, "due_visits_by_rag_and_outcome")["total"] == 1
    assert values(report, "median_days_overdue_by_rag")["red"] == 39


def test_a_seen_visit_dated_while_closed_does_not_fall_due_while_closed(
    app, client, moment, people
):
    officer, senior = people
    # Red, due 12 January, missed when closed on the 14th, back on 2 March overdue.
    record = reopened_overdue(app, client, moment, people)
    # At noon an officer enters a visit made on 1 February, while the record was closed.
    move(client, moment, people, at(date(2026, 3, 2), 12))
    body = enter_seen_visit(client, officer, record["id"], at(date(2026, 2, 1), 10))

    # The board: 12 January missed by 20 days (seen 1 February); the visit after it,
    # which would fall due on 8 February while the record was closed, due on 2 March
    # and missed by 39 days on 10 April.
    move(client, moment, people, at(date(2026, 4, 10), 12))
    report = fetch(client, "visits", senior, **QUARTER)
    assert values(report, "median_days_overdue_by_rag")["red"] == (20 + 39) / 2
    # The store must agree: nothing falls due while the record is closed.
    assert stored_schedule(app, record["id"])[1] == date(2026, 3, 2), body["schedule"]


def test_a_rating_dated_while_closed_does_not_fall_due_while_closed(app, client, moment, people):
    officer, senior = people
    record = reopened_overdue(app, client, moment, people)
    # At noon an officer enters a red rating a colleague gave on 1 February.
    move(client, moment, people, at(date(2026, 3, 2), 12))
    body = enter_red_rating(
        client, officer, record["id"], "2026-02-01", "Panel review, entered late."
    )

    # The board: 12 January missed (88 days by 10 April), and the visit due a week after
    # the 1 February rating, while closed, due on 2 March (39 days).
    move(client, moment, people, at(date(2026, 4, 10), 12))
    report = fetch(client, "visits", senior, **QUARTER)
    assert values(report, "median_days_overdue_by_rag")["red"] == (88 + 39) / 2
    assert stored_schedule(app, record["id"])[1] == date(2026, 3, 2), body["schedule"]
