"""Periods, and the SQL date arithmetic and medians, checked against plain Python."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.reference import BANK_HOLIDAYS
from sywc.errors import ValidationFailed
from sywc.extensions import db
from sywc.referrals.clock import is_working_day
from sywc.stats.period import resolve_period
from sywc.stats.sql import add_days, day, days_between, working_days

TODAY = date(2026, 4, 10)


def test_board_periods_are_the_whole_quarter_asked_about():
    period = resolve_period(date(2025, 11, 15), date(2025, 12, 3), board=True, today=TODAY)
    only_start = resolve_period(date(2025, 8, 20), None, board=True, today=TODAY)
    only_end = resolve_period(None, date(2025, 12, 10), board=True, today=TODAY)
    default = resolve_period(None, None, board=True, today=TODAY)

    assert (period.start, period.end, period.snapped) == (
        date(2025, 10, 1),
        date(2025, 12, 31),
        True,
    )
    assert (period.requested_start, period.requested_end) == (date(2025, 11, 15), date(2025, 12, 3))
    assert [m.month for m in period.months()] == [10, 11, 12]
    assert (only_start.start, only_start.end) == (date(2025, 7, 1), date(2025, 9, 30))
    assert (only_end.start, only_end.end) == (date(2025, 10, 1), date(2025, 12, 31))
    # On 10 April the last completed quarter is January to March.
    assert (default.start, default.end) == (date(2026, 1, 1), date(2026, 3, 31))


def test_exact_periods_are_kept_and_default_to_the_last_three_months():
    exact = resolve_period(date(2026, 1, 15), date(2026, 4, 20), board=False, today=TODAY)
    default = resolve_period(None, None, board=False, today=TODAY)

    assert (exact.start, exact.end, exact.snapped) == (date(2026, 1, 15), date(2026, 4, 20), False)
    assert (default.start, default.end) == (date(2026, 1, 1), date(2026, 3, 31))


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2026, 2, 2), date(2026, 2, 1), "from"),
        # Two quarters, or a year: either could be differenced against one quarter.
        (date(2025, 11, 1), date(2026, 2, 28), "to"),
        (date(2025, 1, 1), date(2025, 12, 31), "to"),
        # The quarter under way is not over.
        (date(2026, 4, 1), date(2026, 4, 9), "to"),
    ],
)
def test_bad_board_periods_name_the_field(start, end, field):
    with pytest.raises(ValidationFailed) as raised:
        resolve_period(start, end, board=True, today=TODAY)

    assert field in raised.value.errors


_DAYS = st.dates(min_value=date(2024, 1, 1), max_value=TODAY)


@given(first=st.tuples(_DAYS, _DAYS), second=st.tuples(_DAYS, _DAYS))
def test_two_board_periods_are_the_same_or_share_no_day(first, second):
    """So no board figure is one period's less another's."""
    periods = []
    for start, end in (first, second):
        try:
            periods.append(resolve_period(start, end, board=True, today=TODAY))
        except ValidationFailed:
            return
    one, other = ((p.start, p.end) for p in periods)
    assert one == other or one[1] < other[0] or other[1] < one[0]


def test_a_leap_day_period_of_five_years_is_accepted():
    period = resolve_period(date(2020, 2, 29), date(2025, 2, 27), board=False, today=TODAY)

    assert period.end == date(2025, 2, 27)


def python_working_days(start: date, end: date) -> int:
    days = (start + timedelta(days=n) for n in range(1, (end - start).days + 1))
    return sum(is_working_day(d, BANK_HOLIDAYS) for d in days)


dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pairs=st.lists(st.tuples(dates, st.integers(0, 40)), min_size=1, max_size=20))
def test_working_days_in_sql_match_the_referral_calendar(app, pairs):
    columns = [
        sa.select(
            working_days(day(start), add_days(day(start), sa.literal(span)), BANK_HOLIDAYS),
            days_between(add_days(day(start), sa.literal(span)), day(start)),
        )
        for start, span in pairs
    ]
    with app.app_context():
        got = [tuple(db.session.execute(stmt).one()) for stmt in columns]

    expected = [
        (python_working_days(start, start + timedelta(days=span)), span) for start, span in pairs
    ]
    assert got == expected
