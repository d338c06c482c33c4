"""A page's total: carried by the page's own rows, counted alone only past the end."""

from __future__ import annotations

import pytest

from sywc import http
from sywc.http import PAGE_TOTAL
from tests.conftest import is_total_count


def _list(client, admin, count_statements, **query):
    with count_statements() as counter:
        response = client.get("/api/v1/users", query_string=query, headers=admin.headers)
    assert response.status_code == 200
    pages = [s for s in counter.statements if "FROM users" in s and not is_total_count(s)]
    alone = [s for s in counter.statements if is_total_count(s)]
    return response.get_json(), pages, alone


@pytest.fixture
def five_users(make_user, admin):
    """The admin and four auditors: five users in all."""
    return [admin] + [make_user("auditor") for _ in range(4)]


def test_a_full_page_carries_its_total_in_one_statement(
    client, admin, five_users, count_statements
):
    body, pages, alone = _list(client, admin, count_statements, limit=2, page=1)
    assert (body["total"], body["next_page"], len(body["items"])) == (5, 2, 2)
    # One statement reads the page and counts its matches; nothing counts alone.
    assert len(pages) == 1
    assert f"AS {PAGE_TOTAL}" in pages[0]
    assert alone == []


def test_a_short_page_and_a_whole_list_count_in_the_page_statement(
    client, admin, five_users, count_statements
):
    last, pages, alone = _list(client, admin, count_statements, limit=2, page=3)
    assert (last["total"], last["next_page"], last["prev_page"]) == (5, None, 2)
    assert [len(last["items"]), len(pages), len(alone)] == [1, 1, 0]
    whole, pages, alone = _list(client, admin, count_statements, limit=50)
    assert (whole["total"], len(whole["items"]), whole["next_page"]) == (5, 5, None)
    assert (len(pages), len(alone)) == (1, 0)


def test_a_page_past_the_end_counts_the_total_alone(client, admin, five_users, count_statements):
    body, pages, alone = _list(client, admin, count_statements, limit=2, page=9)
    assert (body["items"], body["total"], body["next_page"], body["prev_page"]) == ([], 5, None, 8)
    assert (len(pages), len(alone)) == (1, 1)


def test_an_empty_first_page_needs_no_count(client, admin, count_statements):
    body, pages, alone = _list(client, admin, count_statements, role="board_member")
    assert (body["items"], body["total"], body["total_capped"]) == ([], 0, False)
    assert (len(pages), len(alone)) == (1, 0)


def test_totals_beyond_the_cap_are_reported_as_capped(
    client, admin, five_users, count_statements, monkeypatch
):
    monkeypatch.setattr(http, "COUNT_CAP", 3)
    body, _, alone = _list(client, admin, count_statements, limit=4, page=2)
    assert (len(body["items"]), body["total"], body["total_capped"], alone) == (1, 3, True, [])
    full, _, alone = _list(client, admin, count_statements, limit=2, page=1)
    assert (full["total"], full["total_capped"], full["next_page"], alone) == (3, True, 2, [])
    past, _, alone = _list(client, admin, count_statements, limit=2, page=9)
    assert (past["total"], past["total_capped"], len(alone)) == (3, True, 1)


def test_next_pages_beyond_the_cap_lead_to_every_record(client, admin, five_users, monkeypatch):
    """Past the cap the total is a lower bound, but the next page is still known exactly."""
    monkeypatch.setattr(http, "COUNT_CAP", 2)
    seen, pages, url = [], [], "/api/v1/users?limit=2"
    while url:
        response = client.get(url, headers=admin.headers)
        assert response.status_code == 200
        body = response.get_json()
        seen += [user["id"] for user in body["items"]]
        pages.append((body["page"], body["total"], body["total_capped"], body["next_page"]))
        links = {rel: target for target, rel in _links(response.headers.get("Link", ""))}
        assert ("next" in links) == (body["next_page"] is not None)
        url = links.get("next")
    assert sorted(seen) == sorted(user.id for user in five_users)
    assert len(set(seen)) == 5
    assert pages == [(1, 2, True, 2), (2, 2, True, 3), (3, 2, True, None)]


def _links(header: str) -> list[tuple[str, str]]:
    """(target, rel) of each entry of a `Link` header, the target relative to the host."""
    entries = []
    for entry in filter(None, (part.strip() for part in header.split(","))):
        target, rel = entry.split(";")
        entries.append((target.strip("<> ").split("localhost", 1)[1], rel.split('"')[1]))
    return entries
