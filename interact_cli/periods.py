"""The periods of --interval: days, weeks (from Monday) or months in an IANA time zone.

The kernel asks `Calendar(moment)` for the period holding a moment (once per period a
thread meets) and counts by the period's start; labels are made here, after the scan.
Zone rules come from `zoneinfo`, backed by the `tzdata` package where the system has
no zone files.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from interact_cli.errors import OptionError, shortened

INTERVALS = ("day", "week", "month")  # and "auto" (report: day, rolled up after)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
UNKNOWN = "unknown"
NO_TIME = -(2**63)  # the kernel's start of the period `unknown`
_MICRO = timedelta(microseconds=1)
_LAST = 2**63 - 1


@functools.cache
def _zone_names() -> frozenset[str]:
    """The zone names of the `tzdata` package (ours, whatever the system has)."""
    from importlib import resources

    return frozenset(resources.files("tzdata").joinpath("zones").read_text().split())


def zone(name: str) -> zoneinfo.ZoneInfo:
    """An IANA time zone by name; an OptionError naming --tz for anything else.

    Only names `tzdata` knows: the system's zone folder also answers to `localtime`
    (the host's zone), which would make a report depend on the machine it ran on."""
    try:
        if name not in _zone_names():
            raise ValueError(name)
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder
        raise OptionError(
            f"--tz: no time zone {shortened(name)!r} "
            "(use an IANA name such as UTC or Europe/Berlin)"
        ) from None


class Calendar:
    """Periods of one interval in one zone, as microseconds since the epoch."""

    def __init__(self, interval: str, tz: str = "UTC") -> None:
        if interval not in INTERVALS:
            raise OptionError(f"--interval: {interval!r} is not one of {', '.join(INTERVALS)}")
        self.interval = interval
        self.tz = tz
        self.zone = zone(tz)

    def first_day(self, day: date) -> date:
        """The first day of the period holding a local date."""
        if self.interval == "week":
            return day - timedelta(days=day.weekday())  # weeks start on Monday
        if self.interval == "month":
            return day.replace(day=1)
        return day

    def _next(self, first: date) -> date:
        if self.interval == "day":
            return first + timedelta(days=1)
        if self.interval == "week":
            return first + timedelta(days=7)
        return (first + timedelta(days=31)).replace(day=1)

    def start_of(self, day: date) -> int:
        """The first moment of the period holding a local date."""
        return self._start(self.first_day(day))

    def _start(self, day: date) -> int:
        """The first moment of a local date: its midnight, the end of a gap there, or,
        where clocks went back over midnight, its last midnight (so periods stay
        contiguous and every moment of the day before falls in that day's period).

        A missing midnight read with fold=0 and with fold=1 gives the moments either side
        of the gap; a repeated one gives its two occurrences: the later is right in both."""
        first = datetime.combine(day, time(0), tzinfo=self.zone)
        later = max(first, first.replace(fold=1), key=lambda moment: moment - EPOCH)
        return (later - EPOCH) // _MICRO

    def __call__(self, moment: int) -> tuple[int, int] | None:
        """(start, end) of the period holding `moment`; None when its local date is
        outside years 1-9999 (the event is counted in the period `unknown`)."""
        try:
            local = (EPOCH + timedelta(microseconds=moment)).astimezone(self.zone)
            first = self.first_day(local.date())
            start = self._start(first)
            EPOCH + timedelta(microseconds=start)  # its label must be a date too
        except OverflowError:
            return None
        try:
            end = self._start(self._next(first))
        except OverflowError:
            end = _LAST
        return start, end

    def day_of(self, start: int) -> date:
        """The first day of the period starting at `start` (not `unknown`'s)."""
        return (EPOCH + timedelta(microseconds=start)).astimezone(self.zone).date()

    def label(self, start: int) -> str:
        """A period's name: the ISO date of its first day, or `unknown`."""
        return UNKNOWN if start == NO_TIME else self.day_of(start).isoformat()
