"""Fixtures for the statistics tests: a fixed clock and callers of both kinds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from sywc.extensions import db
from sywc.youths.models import RagAssessment

NOW = datetime(2026, 4, 10, 12, tzinfo=UTC)
QUARTER = {"from": "2026-01-01", "to": "2026-03-31"}


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Fix the clock at 10 April 2026, noon UTC (the first quarter is over)."""
    monkeypatch.setattr("sywc.clock.utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def senior(make_user: Callable[..., Any], frozen: datetime) -> Any:
    return make_user("senior_officer", "MPS", boroughs=["WCC", "RBKC"])


@pytest.fixture
def board(make_user: Callable[..., Any], frozen: datetime) -> Any:
    return make_user("board_member", boroughs=["WCC", "RBKC"])


def fetch(client: Any, name: str, account: Any, **params: str) -> dict[str, Any]:
    """GET /stats/<name> as `account`, asserting success; return the JSON body."""
    response = client.get(f"/api/v1/stats/{name}", query_string=params, headers=account.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def table(body: dict[str, Any], name: str) -> dict[str, Any]:
    """Return the named table of a report."""
    matches = [t for t in body["tables"] if t["name"] == name]
    assert len(matches) == 1, [t["name"] for t in body["tables"]]
    return matches[0]


def values(body: dict[str, Any], name: str) -> dict[Any, Any]:
    """Return a table's rows as {category: value} (a tuple key for two dimensions)."""
    found = table(body, name)
    out: dict[Any, Any] = {}
    for row in found["rows"]:
        key = tuple(row["key"][d] for d in found["dimensions"])
        out[key[0] if len(key) == 1 else key] = row["value"]
    return out


def rate(youth_id: int, rating: str, on: date, by: int) -> None:
    """Add a RAG assessment to a young person's history."""
    db.session.add(
        RagAssessment(
            youth_id=youth_id,
            rating=rating,
            rationale="Reviewed",
            assessed_on=on,
            assessed_by_id=by,
            created_at=NOW,
        )
    )
    db.session.flush()
