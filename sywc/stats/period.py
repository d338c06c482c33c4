"""The period a statistics request covers, as asked and as actually used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sywc.errors import ValidationFailed

MAX_YEARS = 5
DEFAULT_MONTHS = 3
QUARTER_MONTHS = 3


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
            "whole_quarter": self.snapped,
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


def quarter_start(day: date) -> date:
    """Return the first day of the calendar quarter of `day`."""
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_end(day: date) -> date:
    """Return the last day of the calendar quarter of `day`."""
    return _add_months(quarter_start(day), QUARTER_MONTHS) - timedelta(days=1)


def resolve_period(start: date | None, end: date | None, *, board: bool, today: date) -> Period:
    """Check the requested period and fill defaults; a board period is one whole quarter."""
    if board:
        return _board_quarter(start, end, today=today)
    last_full_month_end = today.replace(day=1) - timedelta(days=1)
    if end is None:
        end = last_full_month_end if start is None else today
    if start is None:
        start = _add_months(end.replace(day=1), 1 - DEFAULT_MONTHS)
    if start > end:
        raise ValidationFailed.field("from", "The period starts after it ends (from > to).")
    if end >= _add_years(start, MAX_YEARS):
        raise ValidationFailed.field("from", f"A period may not be longer than {MAX_YEARS} years.")
    return Period(start, end, start, end, snapped=False)


def _board_quarter(start: date | None, end: date | None, *, today: date) -> Period:
    """Board periods are single calendar quarters already over.

    Figures for two periods that overlap, or one inside the other, could be subtracted to
    isolate a withheld count (January to March less January to February is March), and
    figures for days, or for a quarter still filling up, likewise. Quarters never overlap,
    so no board figure can be differenced against another period's.
    """
    last_quarter = quarter_start(today) - timedelta(days=1)
    asked_start = start or quarter_start(end or last_quarter)
    asked_end = end or quarter_end(asked_start)
    if asked_start > asked_end:
        raise ValidationFailed.field("from", "The period starts after it ends (from > to).")
    first, last = quarter_start(asked_start), quarter_end(asked_end)
    if quarter_start(last) != first:
        raise ValidationFailed.field(
            "to",
            "Board statistics cover one calendar quarter at a time (January to March, "
            "April to June, July to September or October to December).",
        )
    if last > last_quarter:
        raise ValidationFailed.field(
            "to", "Board statistics cover completed calendar quarters; this one is not over yet."
        )
    return Period(first, last, asked_start, asked_end, snapped=True)
