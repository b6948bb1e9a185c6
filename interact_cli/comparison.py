"""The comparison as data: per-user sums to per-row statistics, rows selected and
sorted, and the result (a summary and one table) that the renderers read."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from interact_cli.columns import ID_FIELDS, fields
from interact_cli.comparestats import VERDICTS, WINDOWS, compared, rates, window_stats
from interact_cli.engine import EVENT_TYPES, TIME_FIELD_CANDIDATES
from interact_cli.frames import ABSENT_CODE, LOW_SAMPLE, as_frame, decoded
from interact_cli.periods import local_iso
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
    (ids decoded), and the totals of each window it holds."""

    found: dict[str, Any]
    counters: dict[str, Any]
    stats: pl.DataFrame
    totals: dict[int, dict[str, int]]
    windows: Windows | None


def _windowed(partial: Any, sums: pl.DataFrame, windows: Windows | None, side: int) -> pl.DataFrame:
    """The per-user sums with their `window` (0 baseline, 1 current) for `period`."""
    import polars as pl

    if windows is None:  # a group of inputs: all of it is one side
        return sums.drop("period").with_columns(window=pl.lit(side, pl.UInt8))
    starts = as_frame(partial.table("periods"))["start"].to_list()
    number = {windows.baseline[0]: 0, windows.current[0]: 1}
    codes = pl.Series([number[start] for start in starts], dtype=pl.UInt8)
    return sums.with_columns(window=codes.gather(sums["period"])).drop("period")


def per_user(
    partial: Any, found: dict[str, Any], table: str, windows: Windows | None, side: int = 0
) -> Part:
    """A scan's per-user sums reduced per row of `table` and window (`side` for a group
    of inputs); the partial's tables are taken out."""
    import polars as pl

    keys = KEYS[table]
    sums = _windowed(partial, as_frame(partial.table("user_sums")), windows, side)
    # A set's row needs a set (a forged partial could hold one without): filtered only
    # then, since a filter copies every column (50 MB at 5M events).
    if any((sums[k] == ABSENT_CODE).any() for k in keys):
        sums = sums.filter([pl.col(k) != ABSENT_CODE for k in keys])
    counted = {"views": "views", "click": "clicks", "addToCart": "carts"}
    if table != "sets":  # only sets have views
        del counted["views"]
    found_totals = sums.group_by("window").agg(
        pl.col("user").n_unique().alias("users"),
        *[pl.col(column).sum().alias(name) for name, column in counted.items()],
    )
    by_window = {row.pop("window"): row for row in found_totals.to_dicts()}
    empty = dict.fromkeys(["users", *counted], 0)  # a window without a row
    numbers = (0, 1) if windows is not None else (side,)
    totals = {number: by_window.get(number, empty) for number in numbers}
    stats = window_stats(sums.drop("user"), keys, views=table == "sets")
    dictionaries = {name: as_frame(partial.table(name)) for name in ("sets", "skus")}
    return Part(found, partial.counters(), decoded(stats, dictionaries), totals, windows)


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

    from interact_cli.reporting import chosen, resolve_sets, unmatched_skus

    table = options.table
    keys = [k for k in ID_FIELDS if k in fields(f"compare_{table}")]
    stats = pl.concat([p.stats for p in parts], how="diagonal_relaxed")
    frame = compared(stats, keys, table == "sets", options.fdr)
    # The family of the q-values: every row with a p-value, before any row is picked.
    tested = {r: int(frame[f"{r}_p"].is_not_null().sum()) for r in rates(table == "sets")}
    notices: list[str] = []
    if options.sets:
        known = frame["set_id"].unique().to_list()  # once each (pairs repeat sets)
        options = replace(options, sets=resolve_sets(options.sets, known, notices))
    if options.skus:
        unmatched_skus(options.skus, frame["sku"].to_list(), notices)
    frame = chosen(frame, options.sets, options.skus)
    summary = _summary(parts, frame, options, tested)
    if summary["untimed"]:
        field = options.time_field or "timestamp, receivedAt or time"
        notices.append(
            f"left out {summary['untimed']:,} events without a usable time in {field} "
            "(they are in neither window; see 'untimed')"
        )
    frame = _ordered(frame, options).select(fields(f"compare_{table}"))
    return Comparison(summary, table, frame, notices)


def primary(table: str) -> str:
    """The rate a table's rows are ranked by: ctr for sets, cart_per_click otherwise."""
    return "ctr" if table == "sets" else "cart_per_click"


def _ordered(frame: pl.DataFrame, options: CompareOptions) -> pl.DataFrame:
    """Sorted (by the primary rate's q, then its p, then ids; or by --sort: p- and
    q-values and ids ascending, other fields descending) and cut at --top."""
    from interact_cli.reporting import cut

    ids = [c for c in ID_FIELDS if c in frame.columns]
    rate = primary(options.table)
    keys = [options.sort] if options.sort else [f"{rate}_q", f"{rate}_p"]
    keys += [k for k in ids if k not in keys]
    ascending = [k in ids or k.endswith(("_p", "_q")) for k in keys]
    frame = frame.sort(keys, descending=[not a for a in ascending], nulls_last=True)
    return cut(frame, options.top)


def _window(parts: list[Part], number: int, tz: str) -> dict[str, Any]:
    """What a window was (a range, or its inputs and their lines) and its totals."""
    windows = parts[0].windows
    if windows is not None:
        start, end = windows.baseline if number == 0 else windows.current
        what: dict[str, Any] = {"since": local_iso(start, tz), "until": local_iso(end, tz)}
        return {**what, **parts[0].totals[number]}
    found = parts[number].found
    what = {"inputs": [f["path"] for f in found["files"]], **found["summary"]}
    return {**what, **parts[number].totals[number]}


def _summary(
    parts: list[Part], frame: pl.DataFrame, options: CompareOptions, tested: dict[str, int]
) -> dict[str, Any]:
    """The summary: lines read, both windows, the method and the verdicts' counts (of the
    rows of --set and --sku: what --fail-on-change looks at)."""
    import polars as pl

    counts = ("lines", "valid", "invalid", "blank", "warnings")
    lines = {key: sum(p.found["summary"][key] for p in parts) for key in counts}
    verdicts = {
        rate: {v: frame.filter(pl.col(f"{rate}_change") == v).height for v in VERDICTS}
        for rate in rates(options.table == "sets")
    }
    tz = options.zone_name
    return {
        **lines,
        "by": options.table,
        **{name: _window(parts, number, tz) for number, name in enumerate(WINDOWS)},
        "rows": frame.height,
        "changes": verdicts,
        "tested": tested,
        "fdr": options.fdr,
        "low_sample_clicks": LOW_SAMPLE,
        "method": METHOD,
        "time_field": options.time_field or "auto (" + ", ".join(TIME_FIELD_CANDIDATES) + ")",
        "tz": tz,
        "events": {kind: sum(p.counters["events"][kind] for p in parts) for kind in EVENT_TYPES},
        "unattributed": sum(p.counters["unattributed"] for p in parts),
        "untimed": sum(p.counters["untimed"] for p in parts if p.windows is not None),
        "outside_windows": sum(p.counters["outside"] for p in parts),
    }
