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


def test_board_periods_snap_outwards_to_whole_months():
    period = resolve_period(date(2025, 11, 15), date(2026, 2, 3), whole_months=True, today=TODAY)

    assert (period.start, period.end) == (date(2025, 11, 1), date(2026, 2, 28))
    assert (period.requested_start, period.requested_end) == (date(2025, 11, 15), date(2026, 2, 3))
    assert [m.month for m in period.months()] == [11, 12, 1, 2]


def test_exact_periods_are_kept_and_default_to_the_last_three_months():
    exact = resolve_period(date(2026, 1, 15), date(2026, 4, 20), whole_months=False, today=TODAY)
    default = resolve_period(None, None, whole_months=False, today=TODAY)
    only_end = resolve_period(None, date(2025, 12, 10), whole_months=True, today=TODAY)

    assert (exact.start, exact.end, exact.snapped) == (date(2026, 1, 15), date(2026, 4, 20), False)
    assert (default.start, default.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert (only_end.start, only_end.end) == (date(2025, 10, 1), date(2025, 12, 31))


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (date(2026, 2, 2), date(2026, 2, 1), "from"),
        (date(2021, 1, 1), date(2026, 1, 1), "from"),
        (date(2026, 4, 1), date(2026, 4, 9), "to"),
    ],
)
def test_bad_board_periods_name_the_field(start, end, field):
    with pytest.raises(ValidationFailed) as raised:
        resolve_period(start, end, whole_months=True, today=TODAY)

    assert field in raised.value.errors


def test_a_leap_day_period_of_five_years_is_accepted():
    period = resolve_period(date(2020, 2, 29), date(2025, 2, 27), whole_months=False, today=TODAY)

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
