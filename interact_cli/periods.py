"""The periods of --interval: days, weeks (from Monday) or months in an IANA time zone.

The kernel asks `Calendar(moment)` for the period holding a moment (once per period a
thread meets) and counts by the period's start; labels are made here, after the scan.
Zone rules come from `zoneinfo`, backed by the `tzdata` package where the system has
no zone files.
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from interact_cli.errors import OptionError, shortened

INTERVALS = ("day", "week", "month")  # and "auto" (report: day, rolled up after)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
UNKNOWN = "unknown"
NO_TIME = -(2**63)  # the kernel's start of the period `unknown`
_MICRO = timedelta(microseconds=1)
LAST = 2**63 - 1  # an end after every moment there is
Range = tuple[int, int]  # [start, end) in microseconds since the epoch


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


def local_iso(moment: int, tz: str) -> str:
    """A moment as an ISO time in a zone; OverflowError when its local date is outside
    years 1-9999."""
    return (EPOCH + timedelta(microseconds=moment)).astimezone(zone(tz)).isoformat()


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

    def _previous(self, first: date) -> date:
        return self.first_day(first - timedelta(days=1))

    def start_of(self, day: date) -> int:
        """The first moment of the period holding a local date."""
        return self._start(self.first_day(day))

    def _local_date(self, moment: int) -> date:
        return (EPOCH + timedelta(microseconds=moment)).astimezone(self.zone).date()

    def _before(self, moment: int, day: date) -> bool:
        """Whether the local date of a moment is before `day` (a moment whose date is
        out of range is before year 1 when it is before the epoch)."""
        try:
            return self._local_date(moment) < day
        except OverflowError:
            return moment < 0

    def _start(self, day: date) -> int:
        """The moment from which the local date is `day` or later for good: so periods
        are contiguous and never overlap, and a day a zone skipped is an empty period.

        The date reaches `day` at an occurrence of its midnight (fold=0 and fold=1 give
        both where clocks went back over it) or by jumping over a midnight swallowed by
        a gap. Where it reaches `day` twice, the last time counts: in Havana (clocks
        back from 01:00 to 00:00) that is the first midnight, since the repeated hour is
        `day` both times; in St John's before 2011 (back from 00:01 to 23:01) the second,
        since the day before came back for an hour."""
        midnight = datetime.combine(day, time(0), tzinfo=self.zone)
        moments = sorted((at - EPOCH) // _MICRO for at in (midnight, midnight.replace(fold=1)))
        reached = [at for at in moments if not self._before(at, day)]
        entries = [at for at in reached if self._before(at - 1, day)]
        if entries:
            return entries[-1]
        if not reached:  # the day begins before year 1
            raise OverflowError(day)
        # A gap swallowed the midnight: before it the day before, after it `day` or
        # later, and local time only moves forward across a gap, so bisect.
        low, high = moments[0], reached[0]
        while high - low > 1:
            middle = (low + high) // 2
            if not self._before(middle, day):
                high = middle
            else:
                low = middle
        return high

    def _bounds(self, first: date) -> tuple[int, int]:
        """(start, end) of the period whose first day is `first`."""
        start = self._start(first)
        try:
            end = self._start(self._next(first))
        except OverflowError:
            end = LAST
        return start, end

    def __call__(self, moment: int) -> tuple[int, int] | None:
        """(start, end) of the period holding `moment`; None when its local date is
        outside years 1-9999 (the event is counted in the period `unknown`).

        The period of a moment's local date holds it, except where clocks went back over
        midnight: the moments before the day's last start (`_start`) belong to the
        period before."""
        try:
            first = self.first_day(self._local_date(moment))
            start, end = self._bounds(first)
            for _ in range(3):
                if moment < start:
                    first = self._previous(first)
                elif moment >= end:
                    first = self._next(first)
                else:
                    break
                start, end = self._bounds(first)
            EPOCH + timedelta(microseconds=start)  # its label must be a date too
        except OverflowError:
            return None
        if not start <= moment < end:
            raise ValueError(f"no period of {self.interval} in {self.tz} holds {moment}")
        return start, end

    def day_of(self, start: int) -> date:
        """The first day of the period starting at `start` (not `unknown`'s)."""
        return (EPOCH + timedelta(microseconds=start)).astimezone(self.zone).date()

    def label(self, start: int) -> str:
        """A period's name: the ISO date of its first day, or `unknown`."""
        return UNKNOWN if start == NO_TIME else self.day_of(start).isoformat()


@dataclass(frozen=True)
class Windows:
    """The two time windows of a comparison, apart (the kernel finds each event's)."""

    baseline: Range
    current: Range

    def __post_init__(self) -> None:
        first, second = sorted([self.baseline, self.current])
        if first[1] > second[0]:
            raise OptionError(
                "--baseline and --current overlap: the windows must not share a moment "
                "(users would be counted in both)"
            )
