"""The period a statistics request covers, as asked and as actually used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sywc.errors import ValidationFailed

MAX_YEARS = 5
DEFAULT_MONTHS = 3


@dataclass(frozen=True)
class Period:
    """An inclusive range of days; `requested_*` keep what the caller asked for."""

    start: date
    end: date
    requested_start: date
    requested_end: date
    snapped: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.start,
            "to": self.end,
            "requested_from": self.requested_start,
            "requested_to": self.requested_end,
            "whole_months": self.snapped,
        }

    def months(self) -> list[date]:
        """Return the first day of every calendar month the period touches."""
        months, current = [], self.start.replace(day=1)
        while current <= self.end:
            months.append(current)
            current = _add_months(current, 1)
        return months


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def month_end(day: date) -> date:
    """Return the last day of the month of `day`."""
    return _add_months(day.replace(day=1), 1) - timedelta(days=1)


def years_before(day: date, years: int) -> date:
    """Return the same calendar day `years` earlier (28 February for 29 February)."""
    return _add_years(day, -years)


def resolve_period(
    start: date | None, end: date | None, *, whole_months: bool, today: date
) -> Period:
    """Check the requested period, fill defaults, and snap it to months when asked to."""
    last_full_month_end = today.replace(day=1) - timedelta(days=1)
    if end is None:
        end = last_full_month_end if whole_months or start is None else today
    if start is None:
        start = _add_months(end.replace(day=1), 1 - DEFAULT_MONTHS)
    if start > end:
        raise ValidationFailed.field("from", "The period starts after it ends (from > to).")
    if end >= _add_years(start, MAX_YEARS):
        raise ValidationFailed.field("from", f"A period may not be longer than {MAX_YEARS} years.")
    if not whole_months:
        return Period(start, end, start, end, snapped=False)
    # Board periods are whole calendar months, and only months already over: figures
    # for days, or for a month still filling up, could be differenced to isolate a child.
    snapped_start = start.replace(day=1)
    snapped_end = min(month_end(end), last_full_month_end)
    if snapped_start > snapped_end:
        raise ValidationFailed.field(
            "to", "Board statistics cover completed calendar months; this month is not over yet."
        )
    return Period(snapped_start, snapped_end, start, end, snapped=True)
