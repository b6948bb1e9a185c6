"""--since/--until bounds as microseconds since the epoch (UTC); event times are the kernel's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from interact_cli.errors import OptionError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


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
