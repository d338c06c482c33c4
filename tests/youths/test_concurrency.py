"""Two officers changing one record at once: nobody's change is silently lost."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sywc import clock
from sywc.extensions import db
from sywc.youths.models import Youth
from tests.conftest import race
from tests.youths.helpers import create_youth, youth_payload


@pytest.mark.postgres_only
def test_two_patches_with_the_same_if_match_exactly_one_wins(app, client, make_user):
    first, second = make_user("officer", "MPS"), make_user("officer", "IGXU")
    youth = create_youth(client, first)
    path = f"/api/v1/youths/{youth['id']}"
    etag = client.get(path, headers=first.headers).headers["ETag"]
    responses = race(
        app,
        [
            ("PATCH", path, {"address": "1 First Street"}, {**first.headers, "If-Match": etag}),
            ("PATCH", path, {"address": "2 Second Road"}, {**second.headers, "If-Match": etag}),
        ],
    )
    assert sorted(r.status_code for r in responses) == [200, 412]
    winner = next(r for r in responses if r.status_code == 200).get_json()
    with app.app_context():
        stored = db.session.get(Youth, youth["id"])
        assert stored.address == winner["address"]
        assert stored.version == youth["version"] + 1


@pytest.mark.postgres_only
def test_two_visits_at_once_both_count_and_the_later_sets_the_schedule(app, client, make_user):
    first, second = make_user("officer", "MPS"), make_user("officer", "IGXU")
    youth = create_youth(client, first, rag="red")
    path = f"/api/v1/youths/{youth['id']}/visits"
    now = clock.utcnow()
    earlier, later = now - timedelta(days=1), now - timedelta(minutes=5)
    with app.app_context():  # in the cohort since before either visit
        db.session.get(Youth, youth["id"]).entered_on = clock.business_date(earlier)
        db.session.commit()

    def body(when, officer):
        return {"visited_at": when.isoformat(), "officer_ids": [officer.id], "outcome": "seen"}

    responses = race(
        app,
        [
            ("POST", path, body(later, first), first.headers),
            ("POST", path, body(earlier, second), second.headers),
        ],
    )
    assert [r.status_code for r in responses] == [201, 201]
    with app.app_context():
        stored = db.session.get(Youth, youth["id"])
        assert stored.last_seen_on == clock.business_date(later)
        # Due a cadence after the later of the last seen-visit and the rating (which is
        # the day after `later` when the test runs across midnight).
        rated = date.fromisoformat(youth["rag_assessed_on"])
        assert stored.next_visit_due == max(clock.business_date(later), rated) + timedelta(days=7)


def test_the_same_young_person_entered_twice_at_once_is_reported_as_a_duplicate(app, make_user):
    officers = [make_user("officer", "MPS"), make_user("officer", "MPS")]
    for first_name in ("Ada", "Bea", "Cal", "Dee", "Eli"):
        body = youth_payload(officers[0].id, first_name=first_name)
        responses = race(app, [("POST", "/api/v1/youths", body, o.headers) for o in officers])
        assert sorted(r.status_code for r in responses) == [201, 409]
        created = next(r for r in responses if r.status_code == 201).get_json()
        refused = next(r for r in responses if r.status_code == 409).get_json()
        assert refused["existing"]["id"] == created["id"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Youth)) == 5
