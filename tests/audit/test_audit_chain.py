"""The audit trail: written with each action, chained by hash, tamper evident."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.alerts.models import Alert
from sywc.audit import service as audit
from sywc.audit import verification
from sywc.audit.models import AuditEvent, AuditEventRecord
from sywc.extensions import db
from tests import factories
from tests.audit import tamper_trail, verify_trail
from tests.conftest import PASSWORD, assert_problem, audit_actions, youth_trail
from tests.incidents.helpers import add_incident, add_youth
from tests.youths.helpers import create_youth


def test_foundation_actions_are_events(app, client, officer, auditor):
    client.post("/api/v1/auth/login", json={"username": officer.username, "password": "nope-nope"})
    tokens = client.post(
        "/api/v1/auth/login", json={"username": officer.username, "password": PASSWORD}
    ).get_json()
    client.post(
        "/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}
    )
    client.post(
        "/api/v1/auth/logout", headers=officer.headers, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    events = audit_actions(app, actor_id=officer.id)
    assert [e.action for e in events] == [
        "login",
        "login_failed",
        "login",
        "token_refreshed",
        "logout",
    ]
    logout = events[-1]
    assert logout.role == "officer"
    assert logout.agency == "MPS"
    assert logout.client_address == "10.1.2.3"
    assert logout.request_id
    assert logout.actor_type == "user"


def test_request_id_reaches_the_audit_event(app, client, officer):
    client.post("/api/v1/auth/logout", headers={**officer.headers, "X-Request-ID": "trace-42"})
    assert audit_actions(app, action="logout")[-1].request_id == "trace-42"


def test_chain_verifies_and_links_each_event(app, client, officer, auditor):
    result = verify_trail(client, auditor)
    assert result["ok"] is True
    assert result["checked"] >= 4
    events = audit_actions(app)
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))


def test_auditor_filters_events(client, officer, auditor, admin):
    client.get("/api/v1/users?role=officer", headers=admin.headers)  # a list page naming them
    listed = client.get(
        f"/api/v1/audit-events?actor_id={officer.id}&action=login", headers=auditor.headers
    ).get_json()
    assert [e["action"] for e in listed["items"]] == ["login"]
    by_record = client.get(
        f"/api/v1/audit-events?record_type=user&record_id={officer.id}", headers=auditor.headers
    ).get_json()
    assert {e["action"] for e in by_record["items"]} == {"user_created", "login", "users_listed"}
    assert_problem(
        client.get("/api/v1/audit-events?record_id=1", headers=auditor.headers), 422, "record_type"
    )
    assert_problem(
        client.get(
            "/api/v1/audit-events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            headers=auditor.headers,
        ),
        422,
        "from",
    )


def test_the_auditor_is_shown_who_did_what_but_no_case_data(app, client, officer, auditor):
    youth = create_youth(client, officer, cohort_reason="perpetrator", rag="red")
    relabelled = client.patch(
        f"/api/v1/youths/{youth['id']}",
        json={"cohort_reason": "victim"},
        headers={**officer.headers, "If-Match": f'"{youth["version"]}"'},
    )
    assert relabelled.status_code == 200
    client.get("/api/v1/youths?rag=red&cohort_reason=victim", headers=officer.headers)

    listed = client.get(
        f"/api/v1/audit-events?actor_id={officer.id}&limit=200", headers=auditor.headers
    )
    assert listed.status_code == 200
    shown = {event["action"]: event for event in listed.get_json()["items"]}
    assert shown["youth_created"]["details"] == {
        "borough": "WCC", "rag": "withheld", "cohort_reason": "withheld",
        "lead_agency": "MPS", "duplicate_confirmed": False,
    }  # fmt: skip
    assert shown["youth_updated"]["details"] == {
        "changed": ["cohort_reason"], "cohort_reason": "withheld",
    }  # fmt: skip
    assert shown["youths_listed"]["record_ids"] == [str(youth["id"])]
    assert shown["youths_listed"]["details"]["filters"] == "withheld"
    text = listed.get_data(as_text=True)
    assert not [word for word in ('"perpetrator"', '"victim"', '"red"') if word in text]
    # The trail itself keeps the relabelling, old and new, under its hash.
    stored = audit_actions(app, action="youth_updated")
    assert stored[0].details["cohort_reason"] == {"from": "perpetrator", "to": "victim"}
    assert verify_trail(client, auditor)["ok"] is True


def test_a_tampered_event_is_found(app, client, runner, officer, auditor):
    tamper_trail(app, "UPDATE audit_events SET action = 'nothing_to_see' WHERE id = 2")
    result = verify_trail(client, auditor)
    whole = result.pop("last_whole_walk")
    assert result == {
        "ok": False,
        "checked": 1,
        "first_broken_id": 2,
        "reason": "event content does not match its hash",
        "scope": "whole",
        "from_id": 1,
        "through_id": 1,
        "complete": True,
        "checkpoint": None,
    }
    assert (whole["ok"], whole["through_id"], whole["first_broken_id"]) == (False, 1, 2)
    cli = runner.invoke(args=["sywc", "audit-verify"])
    assert cli.exit_code == 1
    assert json.loads(cli.output)["first_broken_id"] == 2


def test_a_deleted_event_is_found(app, client, officer, auditor):
    tamper_trail(app, "DELETE FROM audit_event_records WHERE event_id = 1")
    tamper_trail(app, "DELETE FROM audit_events WHERE id = 1")
    result = verify_trail(client, auditor)
    assert result["ok"] is False
    assert result["first_broken_id"] == 1


def _listed_officers(app, client, admin, make_user):
    """Two officers and a users list page naming them; return the page's event."""
    officers = {make_user("officer", "MPS").id, make_user("officer", "MPS").id}
    response = client.get("/api/v1/users?role=officer", headers=admin.headers)
    assert {item["id"] for item in response.get_json()["items"]} == officers
    (event,) = audit_actions(app, action="users_listed")
    return event, officers


def _links(app, event_id):
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditEventRecord.record_type, AuditEventRecord.record_id).where(
                AuditEventRecord.event_id == event_id
            )
        )
        return {tuple(row) for row in rows}


def test_a_list_page_links_exactly_the_records_it_showed(app, client, admin, auditor, make_user):
    event, officers = _listed_officers(app, client, admin, make_user)
    assert _links(app, event.id) == {("user", str(i)) for i in officers}
    assert verify_trail(client, auditor)["ok"] is True


@pytest.mark.parametrize(
    ("tampering", "reason"),
    [
        (
            "DELETE FROM audit_event_records WHERE event_id = {event} AND record_id = '{one}'",
            "record links do not match the records named",
        ),
        (
            "INSERT INTO audit_event_records VALUES ({event}, 'youth', '{one}')",
            "record links do not match the records named",
        ),
        (
            "UPDATE audit_event_records SET record_id = '999' WHERE event_id = {event}"
            " AND record_id = '{one}'",
            "record links do not match the records named",
        ),
    ],
)
def test_a_tampered_record_link_is_found(app, client, admin, auditor, make_user, tampering, reason):
    event, officers = _listed_officers(app, client, admin, make_user)
    tamper_trail(app, tampering.format(event=event.id, one=min(officers)))
    result = verify_trail(client, auditor)
    assert (result["ok"], result["first_broken_id"], result["reason"]) == (False, event.id, reason)
    assert result["checked"] == event.id - 1


@pytest.mark.parametrize("event_id", [0, 10_000])
def test_a_record_link_naming_no_event_is_found(app, client, admin, auditor, event_id):
    tamper_trail(app, f"INSERT INTO audit_event_records VALUES ({event_id}, 'youth', '7')")
    result = verify_trail(client, auditor)
    assert (result["ok"], result["first_broken_id"]) == (False, event_id)
    assert result["reason"] == "a record link names no event"
    assert result["checked"] >= 1


def test_links_of_events_appended_after_the_walk_are_not_stray(app, officer):
    with app.app_context():
        walked = verification._chunks(db.session())
        first = next(walked)
        audit.record("users_listed", record_type="user", record_ids=[officer.id])
        db.session.commit()
        newest = first[-1].id + 1
        assert _links(app, newest) == {("user", str(officer.id))}
        assert verification._stray_link(db.session(), after=first[-1].id) is None
        assert verification.walk().ok


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events CASCADE",
        "UPDATE audit_event_records SET record_id = 'x'",
        "DELETE FROM audit_event_records",
        "TRUNCATE audit_event_records",
    ],
)
def test_postgres_refuses_to_rewrite_the_trail(app, client, admin, statement):
    # A list page, so that there are record links to rewrite as well as events.
    assert client.get("/api/v1/users", headers=admin.headers).status_code == 200
    table = statement.split()[1] if statement.startswith("UPDATE") else statement.split()[-1]
    table = "audit_events" if table == "CASCADE" else table
    with (
        app.app_context(),
        pytest.raises(sa.exc.DBAPIError, match=f"{table} is append-only"),
        db.engine.begin() as conn,
    ):
        conn.execute(sa.text(statement))


@pytest.mark.postgres_only
def test_concurrent_writers_never_fork_the_chain(app):
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for i in range(10):
                    audit.record(
                        "concurrency_probe",
                        details={"writer": n, "i": i},
                        actor=audit.SYSTEM,
                        now=clock.utcnow(),
                    )
                    db.session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert verification.walk().ok
        ids = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()
        hashes = db.session.scalars(sa.select(AuditEvent.prev_hash)).all()
    assert len(ids) == 80
    assert ids == list(range(1, 81))
    assert len(set(hashes)) == 80  # no two events share a predecessor: no fork


def _reference_hash(row: dict) -> str:
    """The chain's hash as its definition states it: SHA-256 of the event's fields as
    canonical JSON (keys sorted, no spaces, ASCII), the time in UTC to the microsecond."""
    content = {key: row.get(key) for key in HASHED_FIELDS}
    content["occurred_at"] = row["occurred_at"].isoformat(timespec="microseconds")
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# Every stored column of an event but its own hash: nothing an event holds can be
# changed without the change showing.
HASHED_FIELDS = tuple(c.key for c in AuditEvent.__table__.columns if c.key != "hash")


class _Label(str):
    pass


EVENT_ROWS = [
    {  # a list page: ids, nested details with floats and None, awkward characters
        "id": 1234567,
        "occurred_at": datetime(2026, 11, 24, 6, 0, 0, 123456),
        "actor_type": "user",
        "actor_id": 7,
        "actor_label": 'Zoë "Z" O\'Neil \\ ✓ \u2028 \x07',
        "role": "officer",
        "agency": "MPS",
        "action": "worklist_viewed",
        "record_type": "youth",
        "record_id": None,
        "record_ids": ["3", "1", "2"],
        "details": {"filters": {"ward": "E05013806"}, "page": 2, "z": None, "a": [1.5, "x"]},
        "request_id": "trace-1",
        "client_address": "10.0.0.1",
        "prev_hash": "ab" * 32,
    },
    {  # one record read by a partner system: most fields plain strings or None
        "id": 1,
        "occurred_at": datetime(2026, 1, 1),
        "actor_type": "partner",
        "actor_id": 2**40,
        "actor_label": _Label("yot-system"),
        "role": None,
        "agency": "YOT",
        "action": "youth_viewed",
        "record_type": "youth",
        "record_id": "5329",
        "record_ids": None,
        "details": {"ok": True, "failed": False, "count": 0, "ratio": float("1e-7")},
        "request_id": None,
        "client_address": None,
        "prev_hash": "0" * 64,
    },
    {  # a scheduler event: no actor id, details of every JSON kind
        "id": 99,
        "occurred_at": datetime(2026, 6, 30, 23, 59, 59, 999999),
        "actor_type": "system",
        "actor_id": None,
        "actor_label": "scheduler",
        "role": None,
        "agency": None,
        "action": "alerts_scanned",
        "record_type": None,
        "record_id": None,
        "record_ids": [],
        "details": {"opened": [1, 2], "note": "", "nested": {"b": [{"d": 1, "c": None}]}},
        "request_id": "",
        "client_address": "::1",
        "prev_hash": "f" * 64,
    },
]


@pytest.mark.parametrize("row", EVENT_ROWS, ids=["list-page", "partner", "scheduler"])
def test_event_hash_is_the_canonical_json_of_the_event(row):
    """The verifier and the writers hash the text the chain's definition names, whatever
    the values: a change here would break every chain already written."""
    assert audit.event_hash(row) == _reference_hash(row)


@pytest.mark.parametrize("row", EVENT_ROWS, ids=["list-page", "partner", "scheduler"])
def test_hash_parts_rebuild_the_text_event_hash_hashes(row):
    """PostgreSQL finishes each hash from three pieces; they must give `event_hash`."""
    parts = audit._hash_parts(row)
    text = parts["hash_head"] + str(row["id"]) + parts["hash_middle"]
    text += row["prev_hash"] + parts["hash_tail"]
    assert json.loads(text)["id"] == row["id"]
    assert hashlib.sha256(text.encode()).hexdigest() == _reference_hash(row)


@pytest.mark.postgres_only
def test_one_event_is_appended_by_one_statement_several_by_two(app):
    """One event: lock, head and insert in one statement. Several: the locked head, then
    one insert of them all. Either way the chain links and every hash verifies."""

    def commit_events(texts: list[str]) -> list[str]:
        statements: list[str] = []

        def seen(conn, cursor, statement, params, context, executemany):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            for text in texts:
                audit.record("probe", details={"text": text}, actor=audit.SYSTEM)
            db.session.commit()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        return statements

    with app.app_context():
        single = commit_events(["ünï\u2028"])
        several = commit_events(["a", 'b "quoted"', "c"])
        single_again = commit_events(["d"])
        assert len(single) == len(single_again) == 1
        assert single[0].startswith("INSERT INTO audit_events")
        assert "sywc_audit_chain_head()" in single[0]
        assert len(several) == 2
        assert "sywc_audit_chain_head()" in several[0]
        assert several[1].startswith("INSERT INTO audit_events")
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.id for e in events] == [1, 2, 3, 4, 5]
        assert [e.details["text"] for e in events] == ["ünï\u2028", "a", 'b "quoted"', "c", "d"]
        assert events[0].prev_hash == audit.GENESIS_HASH
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
        for event in events:
            values = {c.key: getattr(event, c.key) for c in AuditEvent.__table__.columns}
            assert audit.event_hash(values) == event.hash
        assert verification.walk().ok
        # The function takes the service's own lock key.
        source = db.session.scalar(
            sa.text("SELECT prosrc FROM pg_proc WHERE proname = 'sywc_audit_chain_head'")
        )
        assert f"pg_advisory_xact_lock({audit.AUDIT_CHAIN_LOCK})" in source


@pytest.mark.postgres_only
def test_an_event_naming_several_records_is_appended_with_its_links_in_one_statement(app):
    statements: list[str] = []

    def seen(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    with app.app_context():
        audit.record("probe_first", actor=audit.SYSTEM)
        db.session.commit()
        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            audit.record(
                "probe_list", record_type="youth", record_ids=[3, 1, 3], actor=audit.SYSTEM
            )
            db.session.commit()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        assert len(statements) == 1
        assert statements[0].startswith("WITH appended AS")
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id == 2)).one()
        assert event.action == "probe_list"
        assert event.record_ids == ["3", "1", "3"]
        links = db.session.execute(
            sa.select(
                AuditEventRecord.event_id, AuditEventRecord.record_type, AuditEventRecord.record_id
            ).order_by(AuditEventRecord.record_id)
        ).all()
        # Each record once, all pointing at the new event.
        assert [tuple(link) for link in links] == [(2, "youth", "1"), (2, "youth", "3")]
        assert verification.walk().ok


def test_the_auditor_is_not_shown_a_young_persons_role_in_an_incident(
    app, client, officer, auditor
):
    youth = add_youth(app)
    incident = add_incident(app, created_by_id=officer.id)
    linked = client.post(
        f"/api/v1/incidents/{incident}/involvements",
        json={"youth_id": youth, "role": "suspect"},
        headers=officer.headers,
    )
    assert linked.status_code == 201
    listed = client.get(
        "/api/v1/audit-events?action=incident_involvement_added", headers=auditor.headers
    )
    details = listed.get_json()["items"][0]["details"]
    assert details["youth_id"] == youth
    assert details["role"] == "withheld"
    # An account's role is the partnership's own organisation, and stays shown.
    created = client.get(
        f"/api/v1/audit-events?action=user_created&record_type=user&record_id={officer.id}",
        headers=auditor.headers,
    )
    assert created.get_json()["items"][0]["details"]["role"] == "officer"


def _trail(client, auditor, query=""):
    response = client.get(f"/api/v1/audit-events?limit=200{query}", headers=auditor.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_an_auditor_sees_only_the_trail_of_their_boroughs(client, make_user):
    rbkc_officer = make_user("officer", "MPS", boroughs=["RBKC"])
    youth = create_youth(client, rbkc_officer, borough="RBKC", ward="golborne")
    assert client.get(f"/api/v1/youths/{youth['id']}", headers=rbkc_officer.headers).status_code
    wcc_auditor = make_user("auditor", boroughs=["WCC"])
    rbkc_auditor = make_user("auditor", boroughs=["RBKC"])
    about_the_youth = f"&record_type=youth&record_id={youth['id']}"

    assert _trail(client, wcc_auditor, about_the_youth) == []
    assert {e["action"] for e in _trail(client, rbkc_auditor, about_the_youth)} == {
        "youth_created",
        "youth_viewed",
    }
    # The officer's own sign-in is about an account working in RBKC alone.
    signed_in = f"&action=login&actor_id={rbkc_officer.id}"
    assert _trail(client, wcc_auditor, signed_in) == []
    assert len(_trail(client, rbkc_auditor, signed_in)) == 1


def test_an_officer_of_two_boroughs_is_audited_by_the_borough_of_each_record(client, make_user):
    both = make_user("officer", "MPS", boroughs=["WCC", "RBKC"])
    theirs = create_youth(client, both, borough="RBKC", ward="golborne")
    ours = create_youth(client, both, borough="WCC", last_name="Otherwood")
    assert client.get("/api/v1/youths", headers=both.headers).status_code == 200
    wcc_auditor = make_user("auditor", boroughs=["WCC"])

    shown = _trail(client, wcc_auditor, f"&actor_id={both.id}")
    # Their sign-in, the WCC record, and the list page, naming only its WCC record.
    assert [(e["action"], e["record_id"], e["record_ids"]) for e in shown] == [
        ("youths_listed", None, [str(ours["id"])]),
        ("youth_created", str(ours["id"]), None),
        ("login", str(both.id), None),
    ]
    assert theirs["id"] != ours["id"]


def test_every_auditor_sees_the_events_about_no_borough(client, make_user):
    client.post("/api/v1/auth/login", json={"username": "nobody-here", "password": "x" * 12})
    for auditor in (
        make_user("auditor", boroughs=["WCC"]),
        make_user("auditor", boroughs=["RBKC"]),
    ):
        refused = _trail(client, auditor, "&action=login_failed")
        assert [(e["actor_type"], e["details"]) for e in refused] == [
            ("anonymous", {"reason": "unknown_user"})
        ]


def _next_link(response):
    nexts = [
        part.split(";")[0].strip("<> ").removeprefix("http://localhost")
        for part in response.headers.get("Link", "").split(", ")
        if 'rel="next"' in part
    ]
    return nexts[0] if nexts else None


def test_following_the_next_links_shows_no_event_twice(client, make_user):
    auditor = make_user("auditor")
    for _ in range(5):
        make_user("officer")
    response = client.get("/api/v1/audit-events?limit=5", headers=auditor.headers)
    until_id = response.get_json()["until_id"]
    assert response.get_json()["items"][0]["id"] == until_id
    seen = [event["id"] for event in response.get_json()["items"]]
    while url := _next_link(response):
        assert f"until_id={until_id}" in url
        response = client.get(url, headers=auditor.headers)  # each look adds an event
        assert response.status_code == 200
        assert response.get_json()["until_id"] == until_id
        seen += [event["id"] for event in response.get_json()["items"]]
    # Every event up to the first page's bound, once each, newest first.
    assert seen == list(range(until_id, 0, -1))


def test_the_document_describes_the_bound_of_the_audit_pages(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/audit-events"]
    parameters = {p["name"]: p for p in operation["get"]["parameters"]}
    assert "Link" in parameters["until_id"]["description"]
    assert "Link" in operation["get"]["responses"]["200"]["headers"]


def test_who_saw_a_child_finds_their_events_and_the_pages_naming_them_only(client, make_user):
    officer = make_user("officer")
    youths = [
        create_youth(client, officer, last_name=name)
        for name in ("Seenwood", "Pagewood", "Latewood")
    ]
    page = client.get("/api/v1/youths?limit=2", headers=officer.headers)
    assert page.status_code == 200
    on_page = [item["id"] for item in page.get_json()["items"]]
    [never_listed] = [y for y in youths if y["id"] not in on_page]
    seen, listed_too = (next(y for y in youths if y["id"] == i) for i in on_page)
    assert client.get(f"/api/v1/youths/{seen['id']}", headers=officer.headers).status_code == 200
    auditor = make_user("auditor")

    def trail(youth):
        return [
            (e["action"], e["record_id"], e["record_ids"])
            for e in youth_trail(client, auditor, youth["id"])
        ]

    page_event = ("youths_listed", None, [str(i) for i in on_page])
    assert trail(seen) == [
        ("youth_viewed", str(seen["id"]), None),
        page_event,
        ("youth_created", str(seen["id"]), None),
    ]
    assert trail(listed_too) == [page_event, ("youth_created", str(listed_too["id"]), None)]
    assert trail(never_listed) == [("youth_created", str(never_listed["id"]), None)]


def test_who_saw_a_child_of_another_borough_is_not_answered_through_a_shared_list_page(
    client, make_user
):
    both = make_user("officer", "MPS", boroughs=["WCC", "RBKC"])
    theirs = create_youth(client, both, borough="RBKC", ward="golborne")
    create_youth(client, both, borough="WCC", last_name="Otherwood")
    assert client.get("/api/v1/youths", headers=both.headers).status_code == 200
    wcc_auditor = make_user("auditor", boroughs=["WCC"])
    rbkc_auditor = make_user("auditor", boroughs=["RBKC"])

    # The page is shown to WCC's auditor naming only its WCC record; found by the RBKC
    # child, it would tell them who listed that child and when.
    assert youth_trail(client, wcc_auditor, theirs["id"]) == []
    assert [e["action"] for e in youth_trail(client, rbkc_auditor, theirs["id"])] == [
        "youths_listed",
        "youth_created",
    ]


def test_a_page_shown_trimmed_withholds_its_lists_of_ids(app, client, make_user):
    both = make_user("officer", "MPS", boroughs=["WCC", "RBKC"])
    alert_ids, youth_ids = {}, {}
    with app.app_context():
        for borough, ward in (("WCC", "church_street"), ("RBKC", "golborne")):
            youth = factories.youth(borough=borough, ward=ward, rag="red")
            alert = Alert(
                type="missed_visit",
                subject_type="youth",
                subject_id=youth.id,
                youth_id=youth.id,
                borough=borough,
                agency="MPS",
                due_on=clock.today() - timedelta(days=3),
                opened_at=clock.utcnow(),
            )
            db.session.add(alert)
            db.session.flush()
            alert_ids[borough], youth_ids[borough] = alert.id, youth.id
        db.session.commit()
    listed = client.get("/api/v1/alerts", headers=both.headers)
    assert len(listed.get_json()["items"]) == 2

    [trimmed] = _trail(client, make_user("auditor", boroughs=["WCC"]), "&action=alerts_listed")
    assert trimmed["record_ids"] == [str(youth_ids["WCC"])]
    assert trimmed["details"] == {"alert_ids": "withheld"}
    # An auditor of both boroughs is shown the page whole.
    [whole] = _trail(
        client, make_user("auditor", boroughs=["WCC", "RBKC"]), "&action=alerts_listed"
    )
    assert sorted(whole["details"]["alert_ids"]) == sorted(alert_ids.values())
    [stored] = audit_actions(app, action="alerts_listed")
    assert sorted(stored.details["alert_ids"]) == sorted(alert_ids.values())


@pytest.mark.postgres_only
def test_the_trail_is_read_without_jit_compilation(app, client, auditor, officer):
    """Visibility by borough is costed far above what a page reads; compiled, a page of a
    long trail took over a second. Each statement reading the trail runs with JIT off."""
    settings = []

    def jit_setting(conn, cursor, statement, *_):
        if "FROM audit_events" in statement and statement.lstrip().startswith("SELECT"):
            settings.append(conn.exec_driver_sql("SHOW jit").scalar())

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", jit_setting)
        try:
            for query in ("", f"?record_type=user&record_id={officer.id}"):
                response = client.get(f"/api/v1/audit-events{query}", headers=auditor.headers)
                assert response.status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", jit_setting)
    assert settings
    assert set(settings) == {"off"}, settings
    with app.app_context():
        # The pooled connections keep the server's setting.
        assert db.session.execute(sa.text("SHOW jit")).scalar() == "on"
