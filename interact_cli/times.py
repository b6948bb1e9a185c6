"""--since/--until bounds, read with the kernel's grammar of event times (src/times.rs),
so that a bound and an event time never disagree on what a text means."""

from __future__ import annotations

import re
from datetime import date, timedelta

from interact_cli.errors import OptionError, shortened
from interact_cli.periods import EPOCH, LAST, Calendar, zone

# The moments a bound may name: the years 1 to 9999 in UTC, as event times.
_FIRST_MOMENT = -62_135_596_800_000_000
_END_MOMENT = 253_402_300_800_000_000


# An explicit offset at the end of a time (Z, +02:00, -0130, +02): the bound is absolute.
_OFFSET = re.compile(r"(Z|[+-]\d\d(:?\d\d)?)$")


def parse_bound(text: str, option: str, end_of_day: bool = False, tz: str = "UTC") -> int:
    """A --since/--until value (ISO date or datetime) in microseconds since the epoch.

    A bare date, or a time without an offset, is read in `tz` (--tz): a bare date is the
    first moment of that local day, as the trend's periods begin, and as an --until bound
    the first moment of the next day, so the day is included. An explicit offset wins.
    """
    from interact_cli._core import parse_time

    moment = parse_time(text)
    if moment is None:
        raise OptionError(
            f"{option} {shortened(text)!r} is not an ISO date or datetime (e.g. 2026-10-01 or "
            "2026-10-01T12:00:00Z)"
        )
    try:
        bound = _in_zone(text, moment, end_of_day, tz)
        if bound != LAST and not _FIRST_MOMENT <= bound < _END_MOMENT:
            raise OverflowError(bound)
        return bound
    except OverflowError:
        raise OptionError(f"{option} {shortened(text)!r} is out of range in {tz}") from None


def _in_zone(text: str, moment: int, end_of_day: bool, tz: str) -> int:
    """The bound `moment` (as the kernel read `text`: UTC without an offset) in `tz`."""
    if len(text) == 10:  # a bare date
        # The kernel read the date as UTC midnight: its day, in the zone's calendar.
        day = (EPOCH + timedelta(microseconds=moment)).date()
        if end_of_day and day == date.max:  # the last day has no next: no bound after it
            return LAST
        return Calendar("day", tz).start_of(day + timedelta(days=1 if end_of_day else 0))
    if tz == "UTC" or _OFFSET.search(text):
        return moment
    # A wall-clock time: the kernel read it as UTC; the same wall clock in the zone (the
    # first of two where clocks go back, the later side of a gap where they skip).
    wall = (EPOCH + timedelta(microseconds=moment)).replace(tzinfo=zone(tz))
    return (wall - EPOCH) // timedelta(microseconds=1)
