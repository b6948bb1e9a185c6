"""--since/--until bounds, read with the kernel's grammar of event times (src/times.rs),
so that a bound and an event time never disagree on what a text means."""

from __future__ import annotations

from interact_cli.errors import OptionError

DAY_MICROS = 86_400 * 1_000_000


def parse_bound(text: str, option: str, end_of_day: bool = False) -> int:
    """A --since/--until value (ISO date or datetime) in microseconds since the epoch.

    A bare date (YYYY-MM-DD) as an --until bound means the end of that day, so the day is
    included.
    """
    from interact_cli._core import parse_time

    moment = parse_time(text)
    if moment is None:
        raise OptionError(
            f"{option} {text!r} is not an ISO date or datetime (e.g. 2026-10-01 or "
            "2026-10-01T12:00:00Z)"
        )
    if end_of_day and len(text) == 10:
        moment += DAY_MICROS
    return moment
