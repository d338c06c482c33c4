"""Statistics requests: who may ask, bad input, formats, audit and SQL statement counts."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date

import pytest
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from sywc.audit.verification import walk as walk_the_chain
from sywc.extensions import db
from sywc.permissions import ROLE_PERMISSIONS, Permission, Role
from sywc.security import declared_permission
from sywc.stats.suppression import SUPPRESSED
from tests import factories as f
from tests.conftest import assert_problem, audit_actions
from tests.stats.conftest import QUARTER, fetch

REPORTS = ("cohort", "visits", "referrals", "incidents", "pvs", "overlap", "disproportionality")


def get(client, name, account, headers=None, **params):
    return client.get(
        f"/api/v1/stats/{name}",
        query_string=params,
        headers={**account.headers, **(headers or {})},
    )


@pytest.mark.parametrize("role", ["officer", "auditor", "admin"])
def test_roles_without_statistics_are_refused(client, make_user, role):
    account = make_user(role, "MPS")

    for name in REPORTS:
        assert_problem(get(client, name, account), 403)


def test_every_report_answers_both_kinds_of_reader(client, board, senior):
    for name in REPORTS:
        for who in (board, senior):
            body = fetch(client, name, who, **QUARTER)
            assert body["report"] == name
            assert body["tables"]
            assert body["notes"]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"from": "2026-03-01", "to": "2026-02-01"}, 422, "from"),
        ({"from": "2020-01-01", "to": "2025-01-01"}, 422, "from"),
        ({"from": "not-a-date"}, 422, "from"),
        ({"ward": "atlantis"}, 422, "ward"),
        ({"borough": "WCC", "ward": "colville"}, 422, "ward"),
        ({"borough": "XYZ"}, 422, "borough"),
        ({"rag": "red"}, 422, "rag"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(client, senior, params, status, field):
    assert_problem(get(client, "cohort", senior, **params), status, field)


def test_five_years_exactly_is_accepted(client, senior):
    assert (
        get(client, "cohort", senior, **{"from": "2021-01-01", "to": "2025-12-31"}).status_code
        == 200
    )


def test_a_borough_outside_the_callers_is_forbidden(client, make_user, frozen):
    westminster = make_user("senior_officer", "MPS", boroughs=["WCC"])

    assert_problem(get(client, "cohort", westminster, borough="RBKC"), 403)
    assert_problem(get(client, "cohort", westminster, ward="colville"), 422, "ward")
    assert fetch(client, "cohort", westminster)["boroughs"] == ["WCC"]


def test_board_members_get_wards_only_as_by_ward_tables(client, board):
    assert_problem(get(client, "cohort", board, ward="church_street"), 403)


def test_an_unsupported_accept_is_406(client, senior):
    response = get(client, "cohort", senior, headers={"Accept": "text/html"})

    assert_problem(response, 406)


def test_json_is_the_default_and_csv_is_negotiated(client, senior):
    assert get(client, "cohort", senior, headers={"Accept": "*/*"}).mimetype == "application/json"
    picked = get(client, "cohort", senior, headers={"Accept": "application/json;q=0.5, text/csv"})
    assert picked.headers["Content-Type"] == "text/csv; charset=utf-8"


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def json_figures(body):
    """Flatten a JSON report the way the CSV lays it out."""
    out = []
    for found in body["tables"]:
        dims = found["dimensions"]
        rows = [(r["key"], r["value"], r["suppressed"]) for r in found["rows"]]
        if found["total"] is not None or found["total_suppressed"]:
            rows.append(({}, found["total"], found["total_suppressed"]))
        for key, value, withheld in rows:
            cats = [key.get(d, "all") for d in dims] + [""] * (2 - len(dims))
            shown = SUPPRESSED if withheld else "" if value is None else str(value)
            out.append((found["name"], *cats, shown))
    return out


@pytest.mark.parametrize("who", ["board", "senior"])
def test_csv_holds_the_same_figures_as_json(app, client, request, who):
    account = request.getfixturevalue(who)
    with app.app_context():
        for i in range(7):
            f.youth(rag="red" if i < 2 else "amber", entered_on=date(2026, 1, 5))
        db.session.commit()

    for name in REPORTS:
        body = fetch(client, name, account, **QUARTER)
        response = get(client, name, account, headers={"Accept": "text/csv"}, **QUARTER)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response.headers["Content-Disposition"]
        rows = csv_rows(response)
        assert list(rows[0]) == [
            "table", "measure", "dimension", "category", "dimension_2", "category_2", "value",
        ]  # fmt: skip
        got = [(r["table"], r["category"], r["category_2"], r["value"]) for r in rows]
        assert got == json_figures(body), name
    if who == "board":
        cohort = csv_rows(get(client, "cohort", account, headers={"Accept": "text/csv"}))
        assert any(r["value"] == SUPPRESSED for r in cohort)


def test_each_request_is_audited_without_figures(app, client, senior):
    fetch(client, "cohort", senior, borough="WCC", **QUARTER)
    get(client, "visits", senior, headers={"Accept": "text/csv"}, **QUARTER)

    viewed = audit_actions(app, action="stats_viewed")
    exported = audit_actions(app, action="stats_exported")
    assert [(e.record_type, e.record_id) for e in viewed] == [("statistics", "cohort")]
    assert viewed[0].details == {
        "table": "cohort", "from": "2026-01-01", "to": "2026-03-31", "boroughs": ["WCC"],
        "ward": None, "suppressed": False, "format": "json",
    }  # fmt: skip
    assert viewed[0].actor_id == senior.id
    assert [e.record_id for e in exported] == ["visits"]
    assert exported[0].details["format"] == "csv"
    assert exported[0].details["boroughs"] == ["RBKC", "WCC"]


def test_a_refused_request_writes_no_audit_event(app, client, senior):
    get(client, "cohort", senior, **{"from": "2026-03-01", "to": "2026-02-01"})

    assert audit_actions(app, action="stats_viewed") == []


def populate(app, senior, n):
    with app.app_context():
        for i in range(n):
            youth = f.youth(rag=("red", "amber", "green")[i % 3], entered_on=date(2026, 1, 5),
                            rag_assessed_on=date(2026, 1, 5), assessed_by_id=senior.id,
                            other_cohorts=("YOT",) if i % 2 else ())  # fmt: skip
            f.visit(youth_id=youth.id, author_id=senior.id, visited_at=f.at(date(2026, 1, 9)))
            f.referral(youth_id=youth.id, submitted_at=f.at(date(2026, 2, 2)),
                       acknowledge_by=date(2026, 2, 5), status="acknowledged",
                       acknowledged_at=f.at(date(2026, 2, 3)))  # fmt: skip
            incident = f.incident(created_by_id=senior.id, occurred_at=f.at(date(2026, 2, 9)),
                                  youths=[(youth.id, "victim")])  # fmt: skip
            meeting = f.meeting(incident_id=incident.id, chair_id=senior.id,
                                held_at=f.at(date(2026, 2, 11)))  # fmt: skip
            f.action(meeting_id=meeting.id, owner_id=senior.id, created_by_id=senior.id,
                     due_on=date(2026, 2, 20))  # fmt: skip
        db.session.commit()


def statements(client, count_statements, account):
    counts = {}
    for name in REPORTS:
        with count_statements() as counter:
            fetch(client, name, account, **QUARTER)
        counts[name] = counter.count
    return counts


def test_statement_counts_do_not_grow_with_the_data(app, client, count_statements, board, senior):
    populate(app, senior, 2)
    few = {who.role: statements(client, count_statements, who) for who in (board, senior)}
    populate(app, senior, 25)
    many = {who.role: statements(client, count_statements, who) for who in (board, senior)}

    assert few == many
    assert max(few["board_member"].values()) <= 16


def _call(client, rule: Rule, method: str, account):
    values = {
        arg: 1 if isinstance(converter, NumberConverter) else "x"
        for arg, converter in rule._converters.items()
    }
    path = rule.build(values, append_unknown=False)[1]
    kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    return client.open(path, method=method, headers=account.headers, **kwargs)


def test_board_members_are_refused_every_route_but_statistics_and_their_session(app, client, board):
    allowed = ROLE_PERMISSIONS[Role.BOARD_MEMBER]
    assert allowed == {
        Permission.SESSION, Permission.SESSION_REFRESH, Permission.REFERENCE_READ,
        Permission.STATS_READ,
    }  # fmt: skip
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        with app.test_request_context():
            permission = declared_permission(rule.endpoint)
        if permission == "public":
            continue
        if permission in allowed:
            # What a board member may reach is statistics, reference data or their session.
            assert (
                rule.rule.startswith("/api/v1/stats/")
                or rule.rule.startswith("/api/v1/auth/")
                or permission is Permission.REFERENCE_READ
            ), rule.rule
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = _call(client, rule, method, board)
            assert response.status_code == 403, (method, rule.rule, response.status_code)
            checked += 1
    assert checked > 0


@pytest.mark.postgres_only
def test_concurrent_readers_extend_the_audit_chain_without_conflict(app, board):
    """Each report reads one snapshot; its audit event must still follow the newest event."""
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def read(name: str) -> None:
        client = app.test_client()
        barrier.wait()
        for _ in range(3):
            statuses.append(get(client, name, board).status_code)

    threads = [threading.Thread(target=read, args=(name,)) for name in REPORTS[:6]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 18
    with app.app_context():
        assert walk_the_chain().ok
