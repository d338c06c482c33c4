"""The service's notion of now, in one place so tests and `--as-of` runs can move it."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Return today's date in UTC."""
    return utcnow().date()
