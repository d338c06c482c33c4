"""Idempotency-Key on POST /referrals: replay, mismatch, in flight, scope, expiry, races."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.extensions import db
from sywc.referrals.idempotency import purge_expired_keys
from sywc.referrals.models import IdempotencyKey, Referral
from sywc.scheduler import IDEMPOTENCY_PURGE, run_job
from tests.conftest import assert_problem, audit_actions
from tests.referrals.helpers import URL, add_youth, count_rows, officer_body, partner_body


def _post(client, account, body, key=None):
    headers = dict(account.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(URL, json=body, headers=headers)


def test_partner_must_send_a_key(app, client, make_partner):
    partner = make_partner()
    assert_problem(_post(client, partner, partner_body()), 400, "Idempotency-Key")
    for bad in ["", " ", "x" * 256, "naïve-key"]:
        assert_problem(_post(client, partner, partner_body(), key=bad), 400, "Idempotency-Key")
    assert count_rows(app) == 0
    assert count_rows(app, IdempotencyKey) == 0


def test_same_key_and_body_replays_the_first_response(app, client, make_partner):
    partner = make_partner()
    first = _post(client, partner, partner_body(), key="9b1deb4d-3b7d")
    again = _post(client, partner, partner_body(), key="9b1deb4d-3b7d")
    quoted = _post(client, partner, partner_body(), key='"9b1deb4d-3b7d"')
    assert first.status_code == again.status_code == quoted.status_code == 201
    assert again.get_data() == first.get_data() == quoted.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Location"] == first.headers["Location"]
    assert count_rows(app) == 1
    replays = audit_actions(app, action="referral_create_replayed")
    assert [e.record_id for e in replays] == [str(first.get_json()["id"])] * 2


def test_replay_ignores_key_order_and_whitespace(app, client, make_partner):
    partner = make_partner()
    body = partner_body()
    first = _post(client, partner, body, key="order")
    reordered = dict(reversed(list(body.items())))
    again = _post(client, partner, reordered, key="order")
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_data() == first.get_data()
    assert count_rows(app) == 1


def test_replay_gives_the_first_response_even_after_changes(app, client, make_partner, make_user):
    partner = make_partner()
    first = _post(client, partner, partner_body(), key="later")
    mash = make_user("officer", "MASH")
    referral_id = first.get_json()["id"]
    client.post(
        f"{URL}/{referral_id}/transitions", json={"action": "acknowledge"}, headers=mash.headers
    )
    again = _post(client, partner, partner_body(), key="later")
    assert again.get_json()["status"] == "submitted"
    assert again.get_data() == first.get_data()


def test_same_key_with_another_body_is_422(app, client, make_partner):
    partner = make_partner()
    _post(client, partner, partner_body(), key="reused")
    response = _post(client, partner, partner_body(urgency="standard"), key="reused")
    assert_problem(response, 422, "Idempotency-Key")
    assert count_rows(app) == 1


def test_keys_are_scoped_to_the_caller(app, client, make_partner, officer):
    one, two = make_partner(), make_partner(name="Second school")
    assert _post(client, one, partner_body(), key="shared").status_code == 201
    second = _post(client, two, partner_body(), key="shared")
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    youth_id = add_youth(app)
    assert _post(client, officer, officer_body(youth_id), key="shared").status_code == 201
    assert count_rows(app) == 3
    with app.app_context():
        scopes = sorted(db.session.scalars(sa.select(IdempotencyKey.scope)))
    assert scopes == sorted([f"partner:{one.id}", f"partner:{two.id}", f"user:{officer.id}"])


def test_officer_key_is_optional_and_honoured(app, client, officer):
    youth_id = add_youth(app)
    assert _post(client, officer, officer_body(youth_id)).status_code == 201
    assert _post(client, officer, officer_body(youth_id)).status_code == 201
    first = _post(client, officer, officer_body(youth_id), key="officer-key")
    again = _post(client, officer, officer_body(youth_id), key="officer-key")
    assert again.get_data() == first.get_data()
    assert again.get_json()["youth_id"] == youth_id
    assert count_rows(app) == 3


def test_failed_request_does_not_use_up_the_key(app, client, make_partner):
    partner = make_partner(agencies=["MASH"])
    refused = _post(client, partner, partner_body(to_agency="YOT"), key="fixable")
    assert_problem(refused, 403, "to_agency")
    assert count_rows(app, IdempotencyKey) == 0
    fixed = _post(client, partner, partner_body(), key="fixable")
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed.headers


def test_key_is_kept_for_the_configured_hours(app, client, make_partner):
    partner = make_partner()
    _post(client, partner, partner_body(), key="kept")
    with app.app_context():
        row = db.session.scalar(sa.select(IdempotencyKey))
        assert row.expires_at - row.created_at == timedelta(hours=48)
        assert row.status == "completed"
        assert row.response_status == 201


def _insert_key(app, scope, key, **values):
    now = clock.utcnow()
    with app.app_context():
        db.session.add(
            IdempotencyKey(
                scope=scope,
                key=key,
                request_hash=values.pop("request_hash", "0" * 64),
                status=values.pop("status", "in_flight"),
                created_at=values.pop("created_at", now),
                expires_at=values.pop("expires_at", now + timedelta(hours=48)),
                **values,
            )
        )
        db.session.commit()


def test_a_key_still_in_flight_is_409(app, client, make_partner):
    partner = make_partner()
    _insert_key(app, f"partner:{partner.id}", "busy")
    response = _post(client, partner, partner_body(), key="busy")
    assert_problem(response, 409)
    assert response.headers["Retry-After"] == "1"
    assert count_rows(app) == 0


def test_an_expired_key_is_used_afresh(app, client, make_partner):
    partner = make_partner()
    long_ago = clock.utcnow() - timedelta(days=5)
    _insert_key(
        app,
        f"partner:{partner.id}",
        "old",
        status="completed",
        response_status=201,
        response_body={"id": 12345},
        created_at=long_ago,
        expires_at=long_ago + timedelta(hours=48),
    )
    response = _post(client, partner, partner_body(), key="old")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert response.get_json()["id"] != 12345
    assert count_rows(app) == 1
    assert count_rows(app, IdempotencyKey) == 1


def test_purge_removes_expired_keys_only(app):
    now = clock.utcnow()
    _insert_key(app, "partner:1", "old", expires_at=now - timedelta(seconds=1))
    _insert_key(app, "partner:1", "fresh", expires_at=now + timedelta(hours=1))
    with app.app_context():
        assert purge_expired_keys(now=now) == 1
        db.session.commit()
        assert db.session.scalars(sa.select(IdempotencyKey.key)).all() == ["fresh"]


def test_the_scheduler_purges_expired_keys(app):
    now = clock.utcnow()
    _insert_key(app, "user:1", "stale", expires_at=now - timedelta(minutes=5))
    with app.app_context():
        run = run_job(IDEMPOTENCY_PURGE, now=now)
        assert (run.outcome, run.counts) == ("succeeded", {"purged": 1})
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 0


@pytest.mark.postgres_only
def test_fifty_concurrent_identical_requests_make_one_referral(app, make_partner):
    partner = make_partner()
    body = partner_body()
    barrier = threading.Barrier(50)
    results: list[tuple[int, bytes, str | None]] = []
    lock = threading.Lock()

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            URL, json=body, headers={**partner.headers, "Idempotency-Key": "storm"}
        )
        with lock:
            results.append(
                (
                    response.status_code,
                    response.get_data(),
                    response.headers.get("Idempotent-Replayed"),
                )
            )

    threads = [threading.Thread(target=send) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 50
    assert {status for status, _, _ in results} == {201}, results[:3]
    assert len({data for _, data, _ in results}) == 1
    assert sorted(flag or "" for _, _, flag in results) == [""] + ["true"] * 49
    assert count_rows(app) == 1
    assert count_rows(app, IdempotencyKey) == 1
    assert len(audit_actions(app, action="referral_created")) == 1


@pytest.mark.postgres_only
def test_a_request_waiting_too_long_on_the_key_is_409(app, client, make_partner, database_url):
    partner = make_partner()
    app.config["IDEMPOTENCY_WAIT_MS"] = 300
    engine = sa.create_engine(database_url)
    now = clock.utcnow()
    try:
        with engine.connect() as other:
            transaction = other.begin()
            other.execute(
                sa.insert(IdempotencyKey).values(
                    scope=f"partner:{partner.id}",
                    key="held",
                    request_hash="0" * 64,
                    status="in_flight",
                    created_at=now,
                    expires_at=now + timedelta(hours=48),
                )
            )
            response = _post(client, partner, partner_body(), key="held")
            assert_problem(response, 409)
            transaction.rollback()
        after = _post(client, partner, partner_body(), key="held")
        assert after.status_code == 201
    finally:
        engine.dispose()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 1


def test_the_purge_is_audited_with_a_count_only(app):
    now = clock.utcnow()
    _insert_key(app, "user:1", "stale", expires_at=now - timedelta(minutes=5))
    _insert_key(app, "user:1", "fresh", expires_at=now + timedelta(hours=1))
    with app.app_context():
        run_job(IDEMPOTENCY_PURGE, now=now)
    [event] = audit_actions(app, action="idempotency_keys_purged")
    assert (event.actor_type, event.details) == ("system", {"purged": 1})
    with app.app_context():
        run_job(IDEMPOTENCY_PURGE, now=now)  # nothing left to purge: nothing to record
    assert len(audit_actions(app, action="idempotency_keys_purged")) == 1
