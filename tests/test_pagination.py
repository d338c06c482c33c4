"""A page's total: counted for a full page or one past the end, known for a short page."""

from __future__ import annotations

import pytest

from sywc import http
from sywc.http import PAGE_TOTAL


def _list(client, admin, count_statements, **query):
    with count_statements() as counter:
        response = client.get("/api/v1/users", query_string=query, headers=admin.headers)
    assert response.status_code == 200
    counted = [s for s in counter.statements if f" AS {PAGE_TOTAL}" in s]
    return response.get_json(), len(counted)


@pytest.fixture
def five_users(make_user, admin):
    """The admin and four auditors: five users in all."""
    return [admin] + [make_user("auditor") for _ in range(4)]


def test_a_full_page_counts_the_total(client, admin, five_users, count_statements):
    body, counted = _list(client, admin, count_statements, limit=2, page=1)
    assert (body["total"], body["next_page"], len(body["items"])) == (5, 2, 2)
    assert counted == 1


def test_a_short_page_knows_its_total_without_counting(client, admin, five_users, count_statements):
    last, counted = _list(client, admin, count_statements, limit=2, page=3)
    assert (last["total"], last["next_page"], last["prev_page"]) == (5, None, 2)
    assert [len(last["items"]), counted] == [1, 0]
    whole, counted = _list(client, admin, count_statements, limit=50)
    assert (whole["total"], len(whole["items"]), whole["next_page"], counted) == (5, 5, None, 0)


def test_a_page_past_the_end_counts_the_total(client, admin, five_users, count_statements):
    body, counted = _list(client, admin, count_statements, limit=2, page=9)
    assert (body["items"], body["total"], body["next_page"], counted) == ([], 5, None, 1)


def test_a_short_page_beyond_the_cap_reports_a_capped_total(
    client, admin, five_users, count_statements, monkeypatch
):
    monkeypatch.setattr(http, "COUNT_CAP", 3)
    body, counted = _list(client, admin, count_statements, limit=4, page=2)
    assert (len(body["items"]), body["total"], body["total_capped"], counted) == (1, 3, True, 0)
    full, counted = _list(client, admin, count_statements, limit=2, page=1)
    assert (full["total"], full["total_capped"], counted) == (3, True, 1)
