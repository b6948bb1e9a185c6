"""The --interval calendar as a property over every tzdata zone and every transition.

Each zone's transitions are read from the `tzdata` package's own TZif files (not through
zoneinfo, whose reading of them is what is under test). Around each transition, and at
the first and last moments the kernel accepts, a moment belongs to exactly one period:
the period returned holds it, its neighbours meet it without a gap or an overlap, and it
is the period of the moment's local date unless clocks went back over midnight.
"""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from interact_cli.periods import EPOCH, Calendar, _zone_names

_MICRO = timedelta(microseconds=1)
_HOUR = 3_600_000_000
FIRST = (datetime(1, 1, 2, tzinfo=UTC) - EPOCH) // _MICRO  # a day in: every zone has a date
LAST = (datetime(9999, 12, 30, tzinfo=UTC) - EPOCH) // _MICRO


def _tzif(name: str) -> tuple[list[int], bytes]:
    """A zone's explicit transition times (seconds since the epoch) and its footer (the
    rule for later years) from its TZif file (RFC 8536)."""
    data = resources.files("tzdata").joinpath("zoneinfo", *name.split("/")).read_bytes()
    assert data[:4] == b"TZif"

    def counts(at: int) -> tuple[int, ...]:
        return struct.unpack(">6l", data[at + 20 : at + 44])

    isut, isstd, leap, times, types, chars = counts(0)
    if data[4] == 0:  # version 1: 32-bit times only, no footer
        return list(struct.unpack(f">{times}l", data[44 : 44 + 4 * times])), b""
    skip = 44 + 5 * times + 6 * types + chars + 8 * leap + isstd + isut  # the v1 block
    isut, isstd, leap, times, types, chars = counts(skip)
    start = skip + 44
    end = start + 9 * times + 6 * types + chars + 12 * leap + isstd + isut
    return list(struct.unpack(f">{times}q", data[start : start + 8 * times])), data[end:]


def _offset(zone: ZoneInfo, seconds: int) -> timedelta | None:
    return (EPOCH + timedelta(seconds=seconds)).astimezone(zone).utcoffset()


def _rule_transitions(zone: ZoneInfo, since: int, until: int) -> list[int]:
    """Where the footer's rule changes the offset between two times: weekly samples
    (its changes are months apart), each change bisected to the second."""
    found = []
    week = 7 * 86_400
    for at in range(since, until, week):
        if _offset(zone, at) != _offset(zone, at + week):
            low, high = at, at + week
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (
                    (middle, high) if _offset(zone, middle) == _offset(zone, low) else (low, middle)
                )
            found.append(high)
    return found


def transitions(name: str) -> list[int]:
    """Every transition of a zone to 2040, and those of its rule in the years 9998-9999."""
    explicit, footer = _tzif(name)
    if b"," not in footer:  # no daylight-saving rule after the explicit transitions
        return explicit
    zone = ZoneInfo(name)
    since = max([*explicit, 0]) + 1
    until = (datetime(2040, 1, 1, tzinfo=UTC) - EPOCH) // timedelta(seconds=1)
    last = (datetime(9998, 1, 1, tzinfo=UTC) - EPOCH) // timedelta(seconds=1)
    return [
        *explicit,
        *_rule_transitions(zone, since, until),
        *_rule_transitions(zone, last, last + 700 * 86_400),
    ]


@cache
def calendar(interval: str, zone: str) -> Calendar:
    return Calendar(interval, zone)


def local_date(calendar: Calendar, moment: int) -> date:
    return (EPOCH + timedelta(microseconds=moment)).astimezone(calendar.zone).date()


def check_moment(calendar: Calendar, moment: int) -> None:
    """The period of `moment` holds it, meets its neighbours, and is its local date's."""
    found = calendar(moment)
    assert found is not None, moment
    start, end = found
    assert start <= moment < end, (calendar.tz, moment, found)
    before = calendar(start - 1)
    assert before is None or before[1] == start, (calendar.tz, moment, found, before)
    after = calendar(end)
    assert after is None or after[0] == end, (calendar.tz, moment, found, after)
    first = calendar.first_day(local_date(calendar, moment))
    label = calendar.day_of(start)
    # Where clocks went back over midnight, a moment reading as a later day than its
    # period's can come before that day's last start: then it is the period before's.
    assert label == first or (label < first and calendar(calendar._start(first))[0] > moment), (
        calendar.tz,
        moment,
        label,
        first,
    )


def moments_around(seconds: int) -> list[int]:
    at = seconds * 1_000_000
    return [m for m in (at - 1, at, at + _HOUR) if FIRST <= m <= LAST]


ZONES = sorted(_zone_names())


def test_every_zone_has_transitions_read_from_its_file():
    assert len(ZONES) > 400
    assert len(transitions("Europe/Berlin")) > 100
    assert transitions("Etc/UTC") == []


@pytest.mark.parametrize("zone", ZONES)
def test_days_around_every_transition_of_every_zone(zone):
    day = calendar("day", zone)
    for seconds in transitions(zone):
        for moment in moments_around(seconds):
            check_moment(day, moment)
    for moment in (FIRST, LAST):
        check_moment(day, moment)


@pytest.mark.parametrize("zone", ZONES)
def test_weeks_and_months_around_transitions(zone):
    # Every eighth transition: a week or month boundary is a day boundary, which the
    # test above covers at every transition.
    for interval in ("week", "month"):
        periods = calendar(interval, zone)
        for seconds in transitions(zone)[::8]:
            for moment in moments_around(seconds):
                check_moment(periods, moment)


def test_havanas_repeated_midnight_is_that_day():
    # Clocks went back from 01:00 to 00:00 on 2023-11-05: 04:30Z is the first 00:30.
    day = calendar("day", "America/Havana")
    moment = (datetime(2023, 11, 5, 4, 30, tzinfo=UTC) - EPOCH) // _MICRO
    start, end = day(moment)
    assert day.label(start) == "2023-11-05"
    assert end - start == 25 * _HOUR


def test_a_skipped_day_is_an_empty_period():
    # Samoa skipped 2011-12-30: the 29th ends where the 31st begins.
    day = calendar("day", "Pacific/Apia")
    moment = (datetime(2011, 12, 30, 10, 0, tzinfo=UTC) - EPOCH) // _MICRO
    start, _ = day(moment)
    assert day.label(start) == "2011-12-31"
    assert day(moment - 1)[1] == start
    assert day.label(day(moment - 1)[0]) == "2011-12-29"
