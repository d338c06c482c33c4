"""The referral clock: acknowledge-by deadlines counted in working days.

Pure functions of their arguments; `ClockSettings.from_config` is the one place that
reads the deployment's settings, when a service asks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from config.reference import BANK_HOLIDAYS, england_and_wales_bank_holidays
from config.settings import ConfigurationError

DEFAULT_DAY_ENDS_AT = "17:00"
_HH_MM = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]\Z")


@dataclass(frozen=True)
class ClockSettings:
    """What the deadline depends on, besides the referral itself."""

    tz: ZoneInfo
    holidays: frozenset[date]
    day_ends_at: time
    working_days: Mapping[str, int]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ClockSettings:
        """Read the referral clock's settings from the application's configuration."""
        extra = (date.fromisoformat(day) for day in config.get("EXTRA_BANK_HOLIDAYS", ()))
        return cls(
            tz=ZoneInfo(config["BUSINESS_TIMEZONE"]),
            holidays=BANK_HOLIDAYS | frozenset(extra),
            day_ends_at=_wall_clock_time(config.get("REFERRAL_DAY_ENDS_AT", DEFAULT_DAY_ENDS_AT)),
            working_days=dict(config["REFERRAL_ACK_WORKING_DAYS"]),
        )

    def with_standing_holidays(self, first_year: int, last_year: int) -> ClockSettings:
        """These settings with the England and Wales bank holidays of `first_year` to
        `last_year` added by the standing rules: `BANK_HOLIDAYS` lists a few years only,
        and past its last one Christmas and Easter would count as working days."""
        return replace(self, holidays=self.holidays | _standing_holidays(first_year, last_year))


def _wall_clock_time(value: str) -> time:
    """`HH:MM`, a time on the business timezone's clock. `time.fromisoformat` would also
    take `17:00Z` or `17:00+01:00`, a time with an offset, which no local time of day can
    be compared with: every referral sent would then fail."""
    if not isinstance(value, str) or not _HH_MM.match(value):
        raise ValueError(f"not a time of day as HH:MM: {value!r}")
    return time.fromisoformat(value)


def check_clock_settings(config: Mapping[str, Any]) -> None:
    """Refuse, before anything starts, clock settings that cannot be read.

    They are read on every referral sent and every overdue list: found out there, a
    mistyped `EXTRA_BANK_HOLIDAYS` or `REFERRAL_DAY_ENDS_AT` fails each one with a 500,
    and a partner system retrying its referrals never gets one through.
    """
    try:
        ClockSettings.from_config(config)
    except (ValueError, TypeError) as error:
        raise ConfigurationError(
            "EXTRA_BANK_HOLIDAYS must list dates (YYYY-MM-DD) and REFERRAL_DAY_ENDS_AT "
            f"be a time (HH:MM); {error}"
        ) from error


def is_working_day(day: date, holidays: Iterable[date] = frozenset()) -> bool:
    """Tell whether `day` is a weekday that is not a bank holiday."""
    return day.weekday() < 5 and day not in holidays


def next_working_day(day: date, holidays: Iterable[date] = frozenset()) -> date:
    """Return the first working day strictly after `day`."""
    holidays = frozenset(holidays)
    day += timedelta(days=1)
    while not is_working_day(day, holidays):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int, holidays: Iterable[date] = frozenset()) -> date:
    """Return the working day that is `count` working days after `day` (day itself not counted)."""
    holidays = frozenset(holidays)
    for _ in range(count):
        day = next_working_day(day, holidays)
    return day


def received_on(submitted_at: datetime, settings: ClockSettings) -> date:
    """Return the working day a referral counts as received.

    A referral sent at a weekend, on a bank holiday or after the end of the working day
    (local time) is first read on the next working day; counting from the day it was
    sent would give the receiver less time than the deadline promises.
    """
    local = submitted_at.astimezone(settings.tz)
    day = local.date()
    if not is_working_day(day, settings.holidays) or local.time() >= settings.day_ends_at:
        return next_working_day(day, settings.holidays)
    return day


@cache
def _standing_holidays(first_year: int, last_year: int) -> frozenset[date]:
    return england_and_wales_bank_holidays(first_year, last_year)


def acknowledge_by(submitted_at: datetime, urgency: str, settings: ClockSettings) -> date:
    """Return the last day on which acknowledging the referral is still in time.

    A deadline ends within days of the referral, so the holidays of the year it is sent
    in and the next are the ones that count.
    """
    year = submitted_at.astimezone(settings.tz).year
    settings = settings.with_standing_holidays(year, year + 1)
    received = received_on(submitted_at, settings)
    return add_working_days(received, settings.working_days[urgency], settings.holidays)


def local_today(now: datetime, settings: ClockSettings) -> date:
    """Return the deployment's calendar date at `now` (the overdue test uses local days)."""
    return now.astimezone(settings.tz).date()
