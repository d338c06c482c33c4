"""One recipe per alert type: make a subject some days past its deadline, remove the cause."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from sywc.extensions import db
from sywc.pvs.models import PvsAction
from sywc.referrals.models import Referral
from sywc.youths.models import Youth
from tests import factories
from tests.alerts.conftest import NOW, TODAY


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (every test date here exists in both months)."""
    index = day.year * 12 + day.month - 1 - months
    return day.replace(year=index // 12, month=index % 12 + 1)


@dataclass(frozen=True)
class Case:
    type: str
    # make(days_past, people) -> subject id; days_past=0 is the last day still in time.
    make: Callable[[int, dict[str, int]], int]
    clear: Callable[[int], None]
    due_on: Callable[[int], date]
    # Told apart in test names where one alert type has more than one cause.
    name: str = ""


def _missed_visit(days_past: int, people: dict[str, int]) -> int:
    due = TODAY - timedelta(days=days_past)
    return factories.youth(rag="green", next_visit_due=due).id


def _see_young_person(youth_id: int) -> None:
    youth = db.session.get(Youth, youth_id)
    youth.last_seen_on, youth.next_visit_due = TODAY, TODAY + timedelta(days=91)


def _overdue_referral(days_past: int, people: dict[str, int]) -> int:
    young = factories.youth()
    return factories.referral(
        youth_id=young.id, acknowledge_by=TODAY - timedelta(days=days_past)
    ).id


def _acknowledge_referral(referral_id: int) -> None:
    db.session.get(Referral, referral_id).status = "acknowledged"


def _overdue_action(days_past: int, people: dict[str, int]) -> int:
    return factories.action(
        meeting_id=people["meeting"],
        owner_id=people["owner"],
        created_by_id=people["owner"],
        due_on=TODAY - timedelta(days=days_past),
    ).id


def _finish_action(action_id: int) -> None:
    db.session.get(PvsAction, action_id).status = "done"


def _stale_rating(days_past: int, people: dict[str, int]) -> int:
    # Amber ratings are reviewed after 56 days; the visit schedule is kept in time.
    rated = TODAY - timedelta(days=56 + days_past)
    return factories.youth(
        rag="amber", rag_assessed_on=rated, next_visit_due=TODAY + timedelta(days=10)
    ).id


def _reassess(youth_id: int) -> None:
    db.session.get(Youth, youth_id).rag_assessed_on = TODAY


def _long_closed(days_past: int, people: dict[str, int]) -> int:
    closed = months_before(TODAY, 24) - timedelta(days=days_past)
    return factories.youth(
        status="closed", closed_on=closed, next_visit_due=None, rag_assessed_on=closed
    ).id


def _reopen(youth_id: int) -> None:
    youth = db.session.get(Youth, youth_id)
    youth.status, youth.closed_on, youth.last_activity_at = "active", None, NOW
    youth.rag_assessed_on, youth.next_visit_due = TODAY, TODAY + timedelta(days=30)


def _past_review_by(days_past: int, people: dict[str, int]) -> int:
    return factories.youth(review_by=TODAY - timedelta(days=days_past)).id


def _review_again(youth_id: int) -> None:
    db.session.get(Youth, youth_id).review_by = TODAY + timedelta(days=180)


CASES = [
    Case("missed_visit", _missed_visit, _see_young_person, lambda p: TODAY - timedelta(days=p)),
    Case(
        "referral_overdue",
        _overdue_referral,
        _acknowledge_referral,
        lambda p: TODAY - timedelta(days=p),
    ),
    Case(
        "pvs_action_overdue", _overdue_action, _finish_action, lambda p: TODAY - timedelta(days=p)
    ),
    Case("rag_review_due", _stale_rating, _reassess, lambda p: TODAY - timedelta(days=p)),
    Case(
        "retention_review_due",
        _long_closed,
        _reopen,
        lambda p: TODAY - timedelta(days=p),
    ),
    Case(
        "retention_review_due",
        _past_review_by,
        _review_again,
        lambda p: TODAY - timedelta(days=p),
        name="retention_review_due_by_review_date",
    ),
]


def by_type() -> Any:
    """Parametrize a test over every alert type (and each of its causes)."""
    return pytest.mark.parametrize("case", CASES, ids=[c.name or c.type for c in CASES])
