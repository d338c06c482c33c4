"""The service's notion of now and of today, in one place so tests and `--as-of` runs can move it.

Timestamps are UTC. Business dates (a rating's day, due dates, what is "in the future" or
overdue, statistics periods) are days in the deployment's BUSINESS_TIMEZONE: a London
partnership's day starts at midnight in London, an hour before UTC's in summer.
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from config.settings import DEFAULT_BUSINESS_TIMEZONE


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def zone_name(config: Mapping[str, Any] | None = None) -> str:
    """Return the business timezone's name: `config`'s, the app's, else the default."""
    if config is None:
        if not has_app_context():
            return DEFAULT_BUSINESS_TIMEZONE
        config = current_app.config
    return str(config["BUSINESS_TIMEZONE"])


def business_zone(config: Mapping[str, Any] | None = None) -> ZoneInfo:
    """Return the business timezone (see `zone_name`)."""
    return ZoneInfo(zone_name(config))


def business_date(moment: datetime, config: Mapping[str, Any] | None = None) -> date:
    """Return the business day `moment` (timezone-aware) falls on."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no business day")
    return local_day(moment, business_zone(config))


def local_day(moment: datetime, zone: tzinfo) -> date:
    """Return the day `moment` falls on in `zone`."""
    try:
        return moment.astimezone(zone).date()
    except OverflowError:
        # Within hours of the calendar's ends (year 1, year 9999) the local day may not
        # exist; no record is dated there, and its UTC day answers "before or after".
        return moment.astimezone(UTC).date()


def day_start(day: date, config: Mapping[str, Any] | None = None) -> datetime:
    """Return the first instant of business day `day`, in UTC."""
    return datetime.combine(day, time(), tzinfo=business_zone(config)).astimezone(UTC)


# (zone name, first instant, first instant of the next day, the day): a list page asks
# for today once per row, and the day changes only at midnight.
_today: tuple[str, datetime, datetime, date] | None = None


def today() -> date:
    """Return today's business date."""
    global _today
    now, name = utcnow(), zone_name()
    known = _today
    if known is not None and known[0] == name and known[1] <= now < known[2]:
        return known[3]
    zone = ZoneInfo(name)
    day = local_day(now, zone)
    try:
        start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
        following = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
        _today = (name, start, following.astimezone(UTC), day)
    except OverflowError:  # the calendar's last day: nothing to remember it by
        pass
    return day
