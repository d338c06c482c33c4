"""A restricted note reaches its author's agency and nobody else, through any endpoint."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sywc.extensions import db
from sywc.visits.models import Visit
from tests.conftest import earlier_today
from tests.youths.helpers import create_youth

SECRET = "Disclosed SECRET-7731 about an older cousin"
OPEN_NOTE = "Nobody answered the door; left a card."


@pytest.fixture
def scene(client, make_user):
    """A record with a restricted attempt by MPS and an open attempt by IGXU."""
    author = make_user("officer", "MPS")
    colleague = make_user("officer", "MPS")
    other = make_user("senior_officer", "IGXU")
    youth = create_youth(client, author, rag="red")
    path = f"/api/v1/youths/{youth['id']}/visits"
    restricted = client.post(
        path,
        json={
            "visited_at": earlier_today(0.9),
            "officer_ids": [author.id, other.id],
            "outcome": "safeguarding_concern",
            "notes": SECRET,
            "restricted": True,
        },
        headers=author.headers,
    )
    assert restricted.status_code == 201
    assert restricted.get_json()["notes"] == SECRET  # the author reads their own note
    opened = client.post(
        path,
        json={
            "visited_at": earlier_today(0.8),
            "officer_ids": [other.id],
            "outcome": "not_home",
            "notes": OPEN_NOTE,
        },
        headers=other.headers,
    )
    assert opened.status_code == 201
    return youth, author, colleague, other


def _every_endpoint(client, account, youth_id):
    base = "/api/v1"
    return {
        path: client.get(base + path, headers=account.headers)
        for path in (
            "/youths",
            f"/youths/{youth_id}",
            f"/youths/{youth_id}/visits",
            f"/youths/{youth_id}/rag-assessments",
            "/visits/due",
            "/youths?q=SECRET",
        )
    }


def test_another_agency_sees_the_visit_but_never_the_note(app, client, scene):
    youth, _, _, other = scene
    for path, response in _every_endpoint(client, other, youth["id"]).items():
        assert response.status_code == 200, path
        assert b"SECRET-7731" not in response.data, path
    visits = client.get(f"/api/v1/youths/{youth['id']}/visits", headers=other.headers)
    restricted, opened = visits.get_json()["items"]
    assert restricted["notes"] is None
    assert restricted["notes_withheld"] is True
    assert restricted["restricted"] is True
    assert restricted["outcome"] == "safeguarding_concern"
    assert (opened["notes"], opened["notes_withheld"]) == (OPEN_NOTE, False)
    [row] = client.get("/api/v1/visits/due", headers=other.headers).get_json()["items"]
    assert row["last_attempt"]["id"] == restricted["id"]
    assert row["last_attempt"]["notes"] is None
    assert row["last_attempt"]["notes_withheld"] is True
    with app.app_context():
        stored = db.session.scalar(sa.select(Visit).where(Visit.id == restricted["id"]))
        assert stored.notes == SECRET  # withheld in the response, never changed in the store


def test_every_officer_of_the_authors_agency_reads_the_note(client, scene):
    youth, author, colleague, _ = scene
    for account in (author, colleague):
        visits = client.get(f"/api/v1/youths/{youth['id']}/visits", headers=account.headers)
        restricted = visits.get_json()["items"][0]
        assert (restricted["notes"], restricted["notes_withheld"]) == (SECRET, False)
        [row] = client.get("/api/v1/visits/due", headers=account.headers).get_json()["items"]
        assert row["last_attempt"]["notes"] == SECRET


def test_search_never_looks_into_notes(client, scene):
    _, author, _, _ = scene
    items = client.get("/api/v1/youths?q=SECRET", headers=author.headers).get_json()["items"]
    assert items == []
