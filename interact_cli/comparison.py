"""The comparison as data: per-user sums to per-row statistics, rows selected and
sorted, and the result (a summary and one table) that the renderers read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from interact_cli.columns import ID_FIELDS, fields
from interact_cli.comparestats import RATES, VERDICTS, WINDOWS, compared, window_stats
from interact_cli.engine import TIME_FIELD_CANDIDATES
from interact_cli.frames import LOW_SAMPLE, as_frame
from interact_cli.periods import EPOCH, zone
from interact_cli.result import Tabled

if TYPE_CHECKING:
    import polars as pl

    from interact_cli.comparing import CompareOptions
    from interact_cli.periods import Windows

KEYS = {"sets": ["set"], "products": ["sku"], "set_products": ["set", "sku"]}
METHOD = (
    "per row, each rate is a ratio of sums over users; its variance is the delta method's "
    "on the users' sums; the ratio now/before is tested on the log scale (z-test), and "
    "q-values are Benjamini-Hochberg's across the table's rows"
)


@dataclass
class Part:
    """One scan's share of a comparison: per row and window, the statistics of its users
    (ids decoded), and the totals of each window."""

    found: dict[str, Any]
    counters: dict[str, Any]
    stats: pl.DataFrame
    totals: dict[int, dict[str, int]]
    between: int
    windows: Windows | None


def per_user(partial: Any, found: dict[str, Any], windows: Windows | None, table: str) -> Part:
    """A scan's per-user sums reduced per row of `table` and window (window 0 without
    `windows`: the group of inputs decides it); the partial's tables are taken out."""
    import polars as pl

    sums = as_frame(partial.table("user_sums"))
    if windows is None:
        sums = sums.with_columns(window=pl.lit(0, pl.UInt8))
    else:
        starts = as_frame(partial.table("periods"))["start"].to_list()
        number = {windows.baseline[0]: 0, windows.current[0]: 1}
        codes = pl.Series([number.get(start) for start in starts], dtype=pl.UInt8)
        sums = sums.with_columns(window=codes.gather(sums["period"]))
    between = sums.filter(pl.col("window").is_null()).select(
        pl.sum_horizontal(pl.col("views", "clicks", "carts").sum())
    )
    sums = sums.filter(pl.col("window").is_not_null()).drop("period")
    keys = KEYS[table]
    totals = {
        number: {
            "users": part["user"].n_unique(),
            "views": int(part["views"].sum()),
            "click": int(part["clicks"].sum()),
            "addToCart": int(part["carts"].sum()),
        }
        for number in (0, 1)
        for part in [sums.filter(pl.col("window") == number)]
    }
    stats = window_stats(sums, keys, views=table == "sets")
    for code, dictionary, name in (("set", "sets", "set_id"), ("sku", "skus", "sku")):
        values = as_frame(partial.table(dictionary))["value"]
        if code in keys:
            stats = stats.with_columns(values.gather(stats[code]).alias(name))
        if code != name or code not in keys:
            stats = stats.drop(code, strict=False)
    counters = partial.counters()
    return Part(found, counters, stats, totals, int(between.item() or 0), windows)


@dataclass
class Comparison(Tabled):
    """The comparison: a summary (plain data) and one table, named as the table compared
    (`sets`, `products` or `set_products`), with the documented fields."""

    summary: dict[str, Any]
    name: str
    rows_frame: pl.DataFrame
    notices: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pl.DataFrame]:
        """The one table, by name."""
        return {self.name: self.rows_frame}

    def declared(self, name: str) -> str:
        """The compared table's columns are declared as compare_<name>."""
        return f"compare_{name}"


def assemble(parts: list[Part], options: CompareOptions) -> Comparison:
    """The comparison of the parts (one scan of two windows, or one per group)."""
    import polars as pl

    from interact_cli.reporting import _resolve_sets, _unmatched_skus

    table = options.table
    keys = [k for k in ID_FIELDS if k in fields(f"compare_{table}")]
    windows = parts[0].windows
    if windows is None:  # two groups: the second is the current window
        parts[1].stats = parts[1].stats.with_columns(window=pl.lit(1, pl.UInt8))
        parts[1].totals = {1: parts[1].totals[0]}
    stats = pl.concat([p.stats for p in parts], how="diagonal_relaxed")
    frame = compared(stats, keys, table == "sets", options.fdr)
    notices: list[str] = []
    if options.sets:
        known = frame["set_id"].to_list()
        options = _with_sets(options, _resolve_sets(options.sets, known, notices))
    if options.skus:
        _unmatched_skus(options.skus, frame["sku"].to_list(), notices)
    summary = _summary(parts, frame, options)
    if summary["untimed"]:
        field = options.time_field or "timestamp, receivedAt or time"
        notices.append(
            f"left out {summary['untimed']:,} events without a usable time in {field} "
            "(they are in neither window; see 'untimed')"
        )
    frame = _select(frame, options).select(fields(f"compare_{table}"))
    return Comparison(summary, table, frame, notices)


def _with_sets(options: CompareOptions, sets: tuple[Any, ...]) -> CompareOptions:
    from dataclasses import replace

    return replace(options, sets=sets)


def primary(table: str) -> str:
    """The rate a table's rows are ranked by: ctr for sets, cart_per_click otherwise."""
    return "ctr" if table == "sets" else "cart_per_click"


def _select(frame: pl.DataFrame, options: CompareOptions) -> pl.DataFrame:
    """Filter by --set/--sku, sort (by the primary rate's q, then its p, then ids; or by
    --sort: p- and q-values ascending, ids ascending, other fields descending), cut."""
    import polars as pl

    if options.sets and "set_id" in frame.columns:
        frame = frame.filter(pl.col("set_id").is_in(list(options.sets)))
    if options.skus and "sku" in frame.columns:
        frame = frame.filter(pl.col("sku").is_in(list(options.skus)))
    ids = [c for c in ID_FIELDS if c in frame.columns]
    rate = primary(options.table)
    keys = [options.sort] if options.sort else [f"{rate}_q", f"{rate}_p"]
    keys += [k for k in ids if k not in keys]
    ascending = [k in ids or k.endswith(("_p", "_q")) for k in keys]
    frame = frame.sort(keys, descending=[not a for a in ascending], nulls_last=True)
    return frame if not options.top or options.top >= frame.height else frame.head(options.top)


def _iso(moment: int, tz: str) -> str:
    from datetime import timedelta

    return (EPOCH + timedelta(microseconds=moment)).astimezone(zone(tz)).isoformat()


def _window(parts: list[Part], number: int, tz: str) -> dict[str, Any]:
    """What a window was (a range, or its inputs and their lines) and its totals."""
    windows = parts[0].windows
    if windows is not None:
        start, end = windows.baseline if number == 0 else windows.current
        what: dict[str, Any] = {"since": _iso(start, tz), "until": _iso(end, tz)}
    else:
        found = parts[number].found
        what = {"inputs": [f["path"] for f in found["files"]], **found["summary"]}
    return {**what, **next(p.totals[number] for p in parts if number in p.totals)}


def _summary(parts: list[Part], frame: pl.DataFrame, options: CompareOptions) -> dict[str, Any]:
    """The summary: lines read, both windows, the method and the verdicts' counts."""
    import polars as pl

    counts = ("lines", "valid", "invalid", "blank", "warnings")
    lines = {key: sum(p.found["summary"][key] for p in parts) for key in counts}
    rates = [r for r in RATES if options.table == "sets" or r != "ctr"]
    verdicts = {
        rate: {v: frame.filter(pl.col(f"{rate}_change") == v).height for v in VERDICTS}
        for rate in rates
    }
    tz = options.zone_name
    return {
        **lines,
        "by": options.table,
        **{name: _window(parts, number, tz) for number, name in enumerate(WINDOWS)},
        "rows": frame.height,
        "changes": verdicts,
        "fdr": options.fdr,
        "low_sample_clicks": LOW_SAMPLE,
        "method": METHOD,
        "time_field": options.time_field or "auto (" + ", ".join(TIME_FIELD_CANDIDATES) + ")",
        "tz": tz,
        "untimed": sum(p.counters["untimed"] for p in parts if p.windows is not None),
        "outside_windows": sum(p.counters["outside"] + p.between for p in parts),
    }
