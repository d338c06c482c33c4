"""The working-day clock: weekends, bank holidays, after-hours and the London time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config.reference import BANK_HOLIDAYS
from config.settings import ConfigurationError
from sywc import create_app
from sywc.referrals.clock import (
    ClockSettings,
    acknowledge_by,
    add_working_days,
    is_working_day,
    local_today,
    received_on,
)

LONDON = ZoneInfo("Europe/London")
SETTINGS = ClockSettings(
    tz=LONDON,
    holidays=BANK_HOLIDAYS,
    day_ends_at=time(17, 0),
    working_days={"urgent": 1, "standard": 3},
)


def london(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A London wall-clock time, as the aware UTC instant services receive."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


@pytest.mark.parametrize(
    ("submitted", "urgency", "expected"),
    [
        # An ordinary week (Monday 2026-03-02).
        (london(2026, 3, 2), "urgent", date(2026, 3, 3)),
        (london(2026, 3, 2), "standard", date(2026, 3, 5)),
        # Thursday and Friday submissions run over the weekend.
        (london(2026, 3, 5), "standard", date(2026, 3, 10)),
        (london(2026, 3, 6), "urgent", date(2026, 3, 9)),
        (london(2026, 3, 6), "standard", date(2026, 3, 11)),
        # Sent after the working day ends on a Friday: received on Monday.
        (london(2026, 3, 6, 17, 30), "urgent", date(2026, 3, 10)),
        (london(2026, 3, 6, 16, 59), "urgent", date(2026, 3, 9)),
        # Sent at the weekend: received on Monday.
        (london(2026, 3, 7, 9), "urgent", date(2026, 3, 10)),
        (london(2026, 3, 8, 23), "standard", date(2026, 3, 12)),
        # Easter 2026: Good Friday 3 April and Easter Monday 6 April.
        (london(2026, 4, 2), "urgent", date(2026, 4, 7)),
        (london(2026, 4, 2), "standard", date(2026, 4, 9)),
        (london(2026, 4, 3), "urgent", date(2026, 4, 8)),
        # Christmas 2026 falls on a Friday: Boxing Day (Saturday) moves to Monday 28th.
        (london(2026, 12, 24), "urgent", date(2026, 12, 29)),
        (london(2026, 12, 24), "standard", date(2026, 12, 31)),
        # Christmas 2027 is a Saturday: substitutes on Monday 27th and Tuesday 28th.
        (london(2027, 12, 24), "urgent", date(2027, 12, 29)),
        (london(2027, 12, 24), "standard", date(2027, 12, 31)),
        # New Year's Day 2028 is a Saturday: the holiday moves to Monday 3 January.
        (london(2027, 12, 31), "urgent", date(2028, 1, 4)),
        # Early May bank holiday 2026 (Monday 4 May).
        (london(2026, 5, 1), "urgent", date(2026, 5, 5)),
    ],
)
def test_acknowledge_by_counts_working_days(submitted, urgency, expected):
    assert acknowledge_by(submitted, urgency, SETTINGS) == expected


def test_local_date_not_utc_decides_the_day():
    # 23:30 UTC on Thursday 2 April 2026 is already Friday (Good Friday) in London (BST).
    submitted = datetime(2026, 4, 2, 23, 30, tzinfo=UTC)
    assert received_on(submitted, SETTINGS) == date(2026, 4, 7)
    # 16:30 UTC is 17:30 BST: after hours, so received the next working day.
    assert received_on(datetime(2026, 6, 1, 16, 30, tzinfo=UTC), SETTINGS) == date(2026, 6, 2)
    # The same UTC time in winter (GMT) is 16:30 local: still the same day.
    assert received_on(datetime(2026, 2, 2, 16, 30, tzinfo=UTC), SETTINGS) == date(2026, 2, 2)
    assert local_today(datetime(2026, 7, 1, 23, 30, tzinfo=UTC), SETTINGS) == date(2026, 7, 2)


def test_extra_bank_holidays_come_from_configuration():
    config = {
        "BUSINESS_TIMEZONE": "Europe/London",
        "EXTRA_BANK_HOLIDAYS": ["2026-03-03"],
        "REFERRAL_ACK_WORKING_DAYS": {"urgent": 1, "standard": 3},
    }
    configured = ClockSettings.from_config(config)
    assert date(2026, 3, 3) in configured.holidays
    assert date(2026, 12, 25) in configured.holidays
    assert acknowledge_by(london(2026, 3, 2), "urgent", configured) == date(2026, 3, 4)
    assert configured.day_ends_at == time(17, 0)
    longer = ClockSettings.from_config(
        {**config, "REFERRAL_ACK_WORKING_DAYS": {"urgent": 2, "standard": 5}}
    )
    assert acknowledge_by(london(2026, 3, 2), "standard", longer) == date(2026, 3, 10)


def test_bank_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 12, 25), BANK_HOLIDAYS)
    assert not is_working_day(date(2026, 12, 28), BANK_HOLIDAYS)
    assert not is_working_day(date(2026, 3, 7), BANK_HOLIDAYS)
    assert is_working_day(date(2026, 12, 29), BANK_HOLIDAYS)


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 11, 30)),
    count=st.integers(min_value=0, max_value=10),
)
def test_add_working_days_lands_on_the_nth_working_day(start, count):
    result = add_working_days(start, count, BANK_HOLIDAYS)
    between = [start + timedelta(days=n) for n in range(1, (result - start).days + 1)]
    assert sum(is_working_day(day, BANK_HOLIDAYS) for day in between) == count
    assert count == 0 or is_working_day(result, BANK_HOLIDAYS)


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2028, 11, 30), timezones=st.just(UTC)
    ),
    urgency=st.sampled_from(["urgent", "standard"]),
)
def test_deadline_is_a_working_day_after_the_local_submission_day(moment, urgency):
    deadline = acknowledge_by(moment, urgency, SETTINGS)
    assert is_working_day(deadline, BANK_HOLIDAYS)
    assert deadline > moment.astimezone(LONDON).date()
    assert deadline <= moment.astimezone(LONDON).date() + timedelta(days=12)


@pytest.mark.parametrize(
    ("submitted", "urgency", "expected"),
    [
        # New Year's Day 2029 is a Monday: a Friday urgent referral is due on Tuesday.
        (london(2028, 12, 29), "urgent", date(2029, 1, 2)),
        # Easter 2029: Good Friday 30 March and Easter Monday 2 April.
        (london(2029, 3, 29), "urgent", date(2029, 4, 3)),
        # Christmas 2031 is a Thursday, Boxing Day a Friday.
        (london(2031, 12, 24), "standard", date(2031, 12, 31)),
    ],
)
def test_bank_holidays_count_in_years_the_reference_list_does_not_cover(
    submitted, urgency, expected
):
    assert acknowledge_by(submitted, urgency, SETTINGS) == expected


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"EXTRA_BANK_HOLIDAYS": ["2026-12-24", "31/12/2026"]}, "31/12/2026"),
        ({"REFERRAL_DAY_ENDS_AT": "5pm"}, "5pm"),
        # Read with an offset, no local time of day compares with it: every referral 500s.
        ({"REFERRAL_DAY_ENDS_AT": "17:00Z"}, "17:00Z"),
        ({"REFERRAL_DAY_ENDS_AT": "17:00+01:00"}, r"17:00\+01:00"),
        ({"REFERRAL_DAY_ENDS_AT": "1700"}, "1700"),
        ({"REFERRAL_DAY_ENDS_AT": "17:00:30"}, "17:00:30"),
    ],
)
def test_clock_settings_it_cannot_read_are_refused_at_startup(override, named):
    # Accepted, they would fail every referral sent with a 500.
    with pytest.raises(ConfigurationError, match=named):
        create_app(override, env="test")
