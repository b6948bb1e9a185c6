"""The trend tables of --interval: counts per period for the whole dump and per kept row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from interact_cli import columns
from interact_cli.columns import ID_FIELDS, TREND_OF
from interact_cli.periods import NO_TIME, Calendar

if TYPE_CHECKING:
    import polars as pl

AUTO_DAYS = 62  # auto: days up to about two months of data, weeks up to a year
AUTO_WEEKS_DAYS = 366


def auto_interval(starts: list[int], calendar: Calendar) -> str:
    """The interval `auto` picks from the span of the days met."""
    days = sorted(calendar.day_of(s) for s in starts if s != NO_TIME)
    span = (days[-1] - days[0]).days + 1 if days else 0
    return "day" if span <= AUTO_DAYS else "week" if span <= AUTO_WEEKS_DAYS else "month"


def _rolled_up(frame: pl.DataFrame, keys: list[str], moved: dict[int, int]) -> pl.DataFrame:
    """Day rows summed into the weeks or months holding them, rates made anew."""
    import polars as pl

    from interact_cli.frames import with_rates

    numbers = [c for c in ("views", "click", "addToCart", "other", "interactions") if c in frame]
    start = pl.col("start").replace_strict(moved, default=None, return_dtype=pl.Int64)
    grouped = frame.with_columns(start=start).group_by([*keys, "start"], maintain_order=True)
    return with_rates(grouped.agg(pl.col(numbers).sum()))


def trend_frames(
    frames: dict[str, pl.DataFrame],
    selected: pl.DataFrame,
    table: str,
    calendar: Calendar,
    roll: str | None = None,
    narrow: bool = False,
) -> tuple[dict[str, pl.DataFrame], str]:
    """`trend` and the trend of `table` (sets, products or set_products) for the rows it
    kept (`selected`, in its order), period by period (`unknown` last); and the interval
    they are in. `roll`: the calendar counts days, rolled up here to this interval (auto:
    by the span); `narrow`:
    the table kept only some rows (--top, --set, --sku), so only theirs are counted."""
    import polars as pl

    from interact_cli.frames import codes_of, trends

    starts = frames["periods"]["start"].to_list()
    interval = calendar.interval
    moved: dict[int, int] | None = None
    if roll is not None:
        interval = auto_interval(starts, calendar) if roll == "auto" else roll
        if interval != calendar.interval:
            final = Calendar(interval, calendar.tz)
            days = [s for s in starts if s != NO_TIME]
            moved = {s: final.start_of(calendar.day_of(s)) for s in days}
            calendar = final
            starts = sorted(set(moved.values())) + ([NO_TIME] if NO_TIME in starts else [])
    labels = {start: calendar.label(start) for start in starts}
    name = TREND_OF[table]
    keys = [c for c in ID_FIELDS if c in selected.columns]
    order = selected.select(keys).with_row_index("rank")
    only = codes_of(frames, selected) if narrow else None
    found = {}
    for trend in ("trend", name):
        frame = trends(frames, trend, only if trend == name else None)
        if moved is not None:
            frame = _rolled_up(frame, keys if trend == name else [], moved)
        if trend == name:
            frame = frame.join(order, on=keys, how="inner")
        frame = frame.sort(["start", *(["rank"] if trend == name else [])], nulls_last=True)
        period = pl.col("start").fill_null(NO_TIME).replace_strict(labels, return_dtype=pl.String)
        if not labels:  # no period (and no row): an empty mapping keeps start's Int64
            period = pl.lit(None, dtype=pl.String)
        found[trend] = frame.with_columns(period=period).select(columns.fields(trend))
    return found, interval
