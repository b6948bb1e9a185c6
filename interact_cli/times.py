"""Event times: ISO 8601 strings or epoch numbers, as microseconds since the epoch (UTC)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from interact_cli.errors import OptionError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Epoch numbers above this are milliseconds (1e11 seconds is the year 5138).
MILLIS_ABOVE = 1e11


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def parse_time(value: object) -> int | None:
    """Microseconds since the epoch of a time field value, or None if it is not a time."""
    if isinstance(value, str):
        try:
            return _micros(datetime.fromisoformat(value))
        except (ValueError, OverflowError):
            return None
    if type(value) in (int, float) and math.isfinite(value):
        seconds = value / 1000 if abs(value) > MILLIS_ABOVE else value
        if abs(seconds) < 253_402_300_800:  # before year 10000
            return round(seconds * 1_000_000)
    return None


def parse_bound(text: str, option: str, end_of_day: bool = False) -> int:
    """A --since/--until value (ISO date or datetime) in microseconds since the epoch.

    A bare date as an --until bound means the end of that day, so the day is included.
    """
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return _micros(moment + timedelta(days=1) if end_of_day else moment)
        return _micros(datetime.fromisoformat(text))
    except ValueError:
        raise OptionError(
            f"{option} {text!r} is not an ISO date or datetime (e.g. 2026-10-01 or "
            "2026-10-01T12:00:00Z)"
        ) from None
