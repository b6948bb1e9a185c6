"""Intervals on rates and counts per period (--interval, --tz), against independent sums."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interact_cli._core import Scan
from interact_cli.errors import OptionError
from interact_cli.frames import load, trends
from interact_cli.periods import Calendar
from interact_cli.reporting import ReportOptions, build_report

from .oracle import comparable, oracle_report, ratio_interval
from .test_report import interact, run, view

Z = 1.959964


def wilson_by_hand(a: int, b: int) -> tuple[float, float]:
    """The documented worked example's arithmetic, step by step."""
    n = a + b
    p = a / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    low, high = max(centre - half, 0.0), centre + half
    return low / (1 - low), high / (1 - high)


@pytest.mark.parametrize(
    ("carts", "clicks"),
    [(0, 1), (0, 3), (1, 2), (2, 3), (5, 2), (40, 3), (12, 48), (300, 1000)],
    ids=lambda v: str(v),
)
def test_cart_per_click_interval_matches_an_independent_computation(tmp_path, carts, clicks):
    lines = [interact("s", "p", f"u{i}", "click") for i in range(clicks)]
    lines += [interact("s", "p", f"c{i}", "addToCart") for i in range(carts)]
    (row,) = run(tmp_path, lines)["sets"]
    low, high = ratio_interval(carts, clicks)
    assert row["cart_per_click"] == carts / clicks
    assert row["cart_per_click_low"] == pytest.approx(low, rel=1e-9, abs=0)
    assert row["cart_per_click_high"] == pytest.approx(high, rel=1e-9)
    assert (row["cart_per_click_low"], row["cart_per_click_high"]) == pytest.approx(
        wilson_by_hand(carts, clicks), rel=1e-12
    )
    assert row["cart_per_click_low"] <= row["cart_per_click"] <= row["cart_per_click_high"]
    if carts == 0:
        assert row["cart_per_click_low"] == 0.0
    assert row["low_sample"] is (clicks < 30)


def test_the_readme_worked_example():
    # README: 12 add-to-carts on 48 clicks -> 0.25, 95% interval 0.134 to 0.466.
    low, high = ratio_interval(12, 48)
    assert (round(low, 3), round(high, 3)) == (0.134, 0.466)


def test_no_clicks_means_no_rate_and_no_interval(tmp_path):
    (row,) = run(tmp_path, [interact("s", "p", "u", "addToCart")])["sets"]
    assert row["cart_per_click"] is row["cart_per_click_low"] is row["cart_per_click_high"] is None
    assert row["ctr"] is row["ctr_low"] is None  # no views either


# Times around both of Berlin's 2026 clock changes (a 23-hour and a 25-hour day).
BERLIN_EDGES = [
    "2026-03-28T22:59:59Z",  # 23:59:59 on the 28th (+1)
    "2026-03-28T23:00:00Z",  # 00:00 on the 29th: the 23-hour day starts
    "2026-03-29T00:59:59Z",
    "2026-03-29T01:00:00Z",  # 03:00 (+2): the clocks jumped
    "2026-03-29T21:59:59.999999Z",  # 23:59:59.999999 on the 29th
    "2026-03-29T22:00:00Z",  # the 30th
    "2026-10-24T21:59:59Z",  # the 24th
    "2026-10-24T22:00:00Z",  # 00:00 on the 25th (+2): the 25-hour day starts
    "2026-10-25T00:30:00Z",  # 02:30, first time (+2)
    "2026-10-25T01:30:00Z",  # 02:30, second time (+1)
    "2026-10-25T22:59:59Z",  # 23:59:59 on the 25th (+1)
    "2026-10-25T23:00:00Z",  # the 26th
]


def test_berlin_days_of_23_and_25_hours():
    calendar = Calendar("day", "Europe/Berlin")
    hours = {}
    for stamp in BERLIN_EDGES:
        moment = (datetime.fromisoformat(stamp) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(
            microseconds=1
        )
        start, end = calendar(moment)
        assert start <= moment < end
        hours[calendar.label(start)] = (end - start) / 3_600_000_000
    assert hours == {
        "2026-03-28": 24,
        "2026-03-29": 23,
        "2026-03-30": 24,
        "2026-10-24": 24,
        "2026-10-25": 25,
        "2026-10-26": 24,
    }


def test_day_trend_across_the_clock_changes(tmp_path):
    lines = [interact("s", "p", "u", "click", stamp) for stamp in BERLIN_EDGES]
    lines.append(interact("s", "p", "u", "click"))  # no time: the period `unknown`
    doc = run(tmp_path, lines, ReportOptions(interval="day", tz="Europe/Berlin"))
    assert [(r["period"], r["click"]) for r in doc["trend"]] == [
        ("2026-03-28", 1),
        ("2026-03-29", 4),
        ("2026-03-30", 1),
        ("2026-10-24", 1),
        ("2026-10-25", 4),
        ("2026-10-26", 1),
        ("unknown", 1),
    ]
    utc = run(tmp_path, lines, ReportOptions(interval="day"))
    assert [r["period"] for r in utc["trend"]][:3] == ["2026-03-28", "2026-03-29", "2026-10-24"]


def test_weeks_start_on_monday_and_months_on_the_first(tmp_path):
    stamps = ["2026-11-01T12:00:00Z", "2026-11-02T00:00:00Z", "2026-11-08T23:59:59Z"]
    lines = [view("s", "u", stamp) for stamp in stamps]
    weeks = run(tmp_path, lines, ReportOptions(interval="week"))["trend"]
    # 2026-11-01 is a Sunday: its week began on Monday 2026-10-26.
    assert [(r["period"], r["views"]) for r in weeks] == [("2026-10-26", 1), ("2026-11-02", 2)]
    months = run(tmp_path, lines, ReportOptions(interval="month", tz="America/Los_Angeles"))
    # 2026-11-01T12:00Z is still Nov 1 in Los Angeles; the first stamp moves to October
    # only in a zone behind by more than 12 hours.
    assert [(r["period"], r["views"]) for r in months["trend"]] == [("2026-11-01", 3)]
    tonga = run(tmp_path, lines, ReportOptions(interval="month", tz="Pacific/Pago_Pago"))
    assert [r["period"] for r in tonga["trend"]] == ["2026-11-01"]


def test_a_time_range_leaves_untimed_events_out_of_the_periods(tmp_path):
    lines = [
        interact("s", "p", "u", "click", "2026-10-01T10:00:00Z"),
        interact("s", "p", "u", "click"),
    ]
    doc = run(tmp_path, lines, ReportOptions(interval="day", since="2026-10-01"))
    assert [r["period"] for r in doc["trend"]] == ["2026-10-01"]
    assert doc["summary"]["untimed"] == 1


def test_bad_interval_or_zone_is_an_option_error(tmp_path):
    with pytest.raises(OptionError, match="--tz"):
        run(tmp_path, [view("s")], ReportOptions(interval="day", tz="Mars/Olympus"))
    with pytest.raises(OptionError, match="--interval"):
        run(tmp_path, [view("s")], ReportOptions(interval="fortnight"))


STAMPS = st.one_of(
    st.integers(0, 7 * 24 * 60).map(
        lambda minutes: (
            (datetime(2026, 10, 22, tzinfo=UTC) + timedelta(minutes=minutes))
            .isoformat()
            .replace("+00:00", "Z")
        )
    ),
    st.just("garbage"),
    st.none(),
)
EVENTS = st.one_of(
    st.builds(
        interact,
        st.sampled_from(["s1", "s2", None]),
        st.sampled_from(["p1", "p2"]),
        st.sampled_from(["u1", "u2"]),
        st.sampled_from(["click", "addToCart", "like", None]),
        STAMPS,
    ),
    st.builds(view, st.sampled_from(["s1", "s2"]), st.just("u"), STAMPS),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lines=st.lists(EVENTS, max_size=40),
    interval=st.sampled_from(["day", "week", "month"]),
    tz=st.sampled_from(["UTC", "Europe/Berlin", "Asia/Kolkata", "America/Sao_Paulo"]),
    table=st.sampled_from(["sets", "products", "set_products"]),
)
def test_random_trends_match_counts_made_independently(
    tmp_path_factory, lines, interval, tz, table
):
    path = tmp_path_factory.mktemp("t") / "e.ndjson"
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    options = ReportOptions(interval=interval, tz=tz, table=table)
    got = build_report([str(path)], options, chunk_bytes=97, workers=2).to_dict()
    assert comparable(got) == oracle_report(
        [path.read_bytes()], interval=interval, tz=tz, table=table
    )


def test_period_counts_survive_a_merge_of_partials():
    lines = [
        interact("s", "p", "u", "click", f"2026-10-{day:02d}T12:00:00Z").decode()
        for day in range(1, 29)
    ]
    calendar = Calendar("week", "Europe/Berlin")

    def partial(chunk: list[str]):
        scan = Scan(keep=0, report=True, threads=2, calendar=calendar)
        scan.begin_file("f")
        scan.feed(("\n".join(chunk) + "\n").encode())
        scan.end_file()
        return scan.partial()

    # The later half first: its periods are numbered differently; the merge maps them.
    merged = partial(lines[14:])
    merged.merge(partial(lines[:14]))
    frame = trends(load(merged), "trend").sort("start")
    whole = trends(load(partial(lines)), "trend").sort("start")
    assert frame.equals(whole)
    assert frame["click"].to_list() == [4, 7, 7, 7, 3]


def test_cli_interval_shows_the_trend_and_refuses_a_bad_zone(tmp_path):
    from typer.testing import CliRunner

    from interact_cli.cli import app

    path = tmp_path / "e.ndjson"
    path.write_bytes(b"".join(interact("s", "p", "u", "click", s) + b"\n" for s in BERLIN_EDGES))
    runner = CliRunner()
    csv = runner.invoke(app, ["report", str(path), "--interval", "day", "-f", "csv"])
    assert csv.exit_code == 0
    assert csv.stdout.splitlines()[0].startswith("period,set_id,views,click")
    assert len(csv.stdout.splitlines()) == 1 + 4  # four UTC days
    table = runner.invoke(app, ["report", str(path), "--interval", "week"], env={"COLUMNS": "160"})
    assert "Sets per period" in table.stdout and "2026-10-19" in table.stdout
    bad = runner.invoke(app, ["report", str(path), "--interval", "day", "--tz", "Nowhere/City"])
    assert bad.exit_code == 2 and "--tz" in bad.stderr and "Traceback" not in bad.stderr
    doc = json.loads(
        runner.invoke(app, ["report", str(path), "--interval", "day", "-f", "json"]).stdout
    )
    assert {"trend", "set_trend"} <= set(doc) and doc["summary"]["interval"] == "day"


def test_top_and_set_narrow_the_trend_to_the_rows_kept(tmp_path):
    path = tmp_path / "e.ndjson"
    lines = [
        interact(f"s{i % 3}", f"p{i % 2}", "u", "click", f"2026-10-{1 + i % 5:02d}T08:00:00Z")
        for i in range(40)
    ]
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    everything = oracle_report([path.read_bytes()], interval="day", table="set_products")
    for options, keep in [
        (ReportOptions(interval="day", table="set_products", top=2), 2),
        (ReportOptions(interval="day", table="set_products", sets=("s1",)), None),
    ]:
        got = comparable(build_report([str(path)], options).to_dict())
        kept = {(r["set_id"], r["sku"]) for r in got["set_products"]}
        assert keep is None or len(kept) == keep
        expected = [r for r in everything["set_product_trend"] if (r["set_id"], r["sku"]) in kept]
        assert got["set_product_trend"] == expected
        assert got["trend"] == everything["trend"]  # the whole dump, whatever is shown


@pytest.mark.parametrize(
    ("days", "expected"), [(10, "day"), (62, "day"), (100, "week"), (400, "month")]
)
def test_auto_interval_picks_from_the_span_and_equals_the_explicit_one(tmp_path, days, expected):
    first = datetime(2025, 1, 1, 12, tzinfo=UTC)
    stamps = [(first + timedelta(days=d * (days - 1) / 9)).isoformat() for d in range(10)]
    lines = [interact(f"s{i % 2}", "p", "u", "click", s) for i, s in enumerate(stamps)]
    lines += [view("s0", "u", stamps[3]), interact("s1", "p", "u", "addToCart")]
    auto = run(tmp_path, lines, ReportOptions(interval="auto", tz="Europe/Berlin"))
    explicit = run(tmp_path, lines, ReportOptions(interval=expected, tz="Europe/Berlin"))
    assert auto["summary"]["interval"] == expected
    assert auto == explicit
    assert auto["trend"][-1]["period"] == "unknown"


def test_clocks_going_back_over_midnight_and_dates_at_the_edge(tmp_path):
    # St John's ended summer time at 00:01 until 2011: 23:01-00:00 of Nov 6 came twice,
    # the second time after a first midnight. Nov 6 runs to the last midnight.
    lines = [interact("s", "p", "u", "click", "2010-11-07T03:00:00Z")]
    doc = run(tmp_path, lines, ReportOptions(interval="day", tz="America/St_Johns"))
    assert [r["period"] for r in doc["trend"]] == ["2010-11-06"]
    # In Tokyo, the first moment of year 1 (UTC) is a local date of year 1, but the start
    # of its day is in year 0: no date, so the period `unknown` (as documented).
    lines = [interact("s", "p", "u", "click", "0001-01-01T00:00:00Z")]
    doc = run(tmp_path, lines, ReportOptions(interval="day", tz="Asia/Tokyo"))
    assert [r["period"] for r in doc["trend"]] == ["unknown"]
    with pytest.raises(OptionError, match="--tz"):
        run(tmp_path, lines, ReportOptions(interval="day", tz="Europe"))  # a folder


def test_intervals_stay_exact_at_extreme_ratios():
    from decimal import Decimal, getcontext

    import polars as pl

    from interact_cli.frames import with_rates

    getcontext().prec = 60
    frame = pl.DataFrame({"click": [1, 10**6], "addToCart": [10**15, 3], "other": [0, 0]})
    rows = with_rates(frame).to_dicts()
    z = Decimal("1.959964")
    for row in rows:
        a, b = Decimal(row["addToCart"]), Decimal(row["click"])
        n = a + b
        root = z * (a * b / n + z * z / 4).sqrt()
        high = (a + z * z / 2 + root) / (n + z * z)
        low = (a + z * z / 2 - root) / (n + z * z)
        assert row["cart_per_click_high"] == pytest.approx(float(high / (1 - high)), rel=1e-9)
        assert row["cart_per_click_low"] == pytest.approx(float(low / (1 - low)), rel=1e-9)
