"""The report's aggregates in Polars: the kernel's partial result as frames, then tables.

The kernel hands over integer codes plus one dictionary per string column (Arrow
PyCapsule columns: no Python object per row). Every group-by and join below runs on
the codes; set ids and SKUs are joined onto the aggregated rows only, at the end.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

# Polars' allocator (jemalloc) keeps freed pages for 10 s by default, so every transient
# adds to the peak; returning them at once costs no measurable time. It is read when
# Polars loads, hence before the import; a value the user set wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

import polars as pl

from interact_cli.contract.vocabulary import ADD_TO_CART, CLICK

Z = 1.959964  # the 97.5th percentile of the standard normal: 95% intervals
LOW_SAMPLE = 30  # fewer clicks than this: a rate to read with care

ABSENT_CODE = 2**32 - 1  # the kernel's code of "no set" / "no action"
ABSENT_TIME = -(2**63)  # the kernel's "no usable time"
TABLES = ("counts", "views", "set_users", "sku_users", "first_carts", "orders", "periods")
DICTIONARIES = ("sets", "skus", "actions", "currencies")
KEYS = {"sets": ["set_id"], "products": ["sku"], "set_products": ["set_id", "sku"]}


def as_frame(columns: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame({name: pl.Series(name, column) for name, column in columns.items()})


def load(partial: Any, periods: bool = True) -> dict[str, pl.DataFrame]:
    """The partial result's tables as frames (absent codes and times as nulls); with
    periods, also `counts_total` and `views_total`, summed over them by the kernel (and
    only those, not the counts per period, unless `periods`)."""
    frames = {"periods": as_frame(partial.table("periods"))}
    names = [name for name in TABLES if name != "periods"]
    if frames["periods"].height:  # the totals before the counts are taken out
        names = ["counts_total", "views_total", *names]
        if not periods:
            names = [name for name in names if name not in ("counts", "views")]
    for name in names:
        frame = as_frame(partial.table(name))
        if name.endswith("_total"):
            frame = frame.drop("period")
        nullable = [c for c in ("set", "action", "period") if c in frame.columns]
        frame = frame.with_columns(
            [pl.col(c).replace(ABSENT_CODE, None) for c in nullable]
            + ([pl.col("time").replace(ABSENT_TIME, None)] if "time" in frame.columns else [])
        )
        frames[name] = frame
    for name in DICTIONARIES:
        frames[name] = as_frame(partial.table(name))
    return frames


def total(frames: dict[str, pl.DataFrame], name: str) -> pl.DataFrame:
    """The counts or views summed over periods: with periods (--interval), the kernel's
    `<name>_total`; without, the table itself."""
    return frames[f"{name}_total"] if f"{name}_total" in frames else frames[name]


def timed(counters: dict[str, Any], time_field: str | None, windowed: bool) -> bool:
    """Whether attribution goes by time: when any event had one, or a time field or a
    window was given; else by file order."""
    return bool(counters["saw_time"] or time_field is not None or windowed)


def _code_of(dictionary: pl.DataFrame, value: str) -> int | None:
    """The code of a value in a dictionary frame, or None when it never occurred."""
    found = dictionary.with_row_index("code").filter(pl.col("value") == value)["code"]
    return None if found.is_empty() else int(found[0])


def _bucketed(counts: pl.DataFrame, keys: list[str], click: Any, cart: Any) -> pl.DataFrame:
    action = pl.col("action")
    is_click = action == click if click is not None else pl.lit(False)
    is_cart = action == cart if cart is not None else pl.lit(False)
    other = action.is_null() | ~(is_click | is_cart)
    return (
        counts.group_by(keys)
        .agg(
            click=pl.col("n").filter(is_click).sum(),
            addToCart=pl.col("n").filter(is_cart).sum(),
            other=pl.col("n").filter(other).sum(),
        )
        .with_columns(interactions=pl.col("click") + pl.col("addToCart") + pl.col("other"))
    )


def _ratio(numerator: str, denominator: str) -> pl.Expr:
    """numerator / denominator, null (never 0, never an error) when the denominator is 0."""
    return (
        pl.when(pl.col(denominator) > 0)
        .then(pl.col(numerator) / pl.col(denominator))
        .otherwise(None)
    )


def _wilson(x: pl.Expr, n: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The Wilson score interval (low, high) of a proportion x / n."""
    p = x / n
    shrink = 1 + Z**2 / n
    centre = (p + Z**2 / (2 * n)) / shrink
    half = Z * (p * (1 - p) / n + Z**2 / (4 * n**2)).sqrt() / shrink
    # At x = 0 the lower end is 0 exactly (in floats, the difference of two equal terms).
    low = pl.when(x == 0).then(0.0).otherwise((centre - half).clip(0.0, 1.0))
    return low, (centre + half).clip(0.0, 1.0)


def _interval(a: str, b: str, name: str) -> list[pl.Expr]:
    """The 95% interval of the ratio a/b of two Poisson counts: the Wilson score interval
    (L, H) for p = a / (a + b), mapped through p / (1 - p); null where b is 0.

    1 - H and 1 - L are taken as the ends of the interval of q = b / (a + b), which is the
    same interval mirrored: subtracting from 1 would cancel digits where b is tiny."""
    n = pl.col(a).cast(pl.Float64) + pl.col(b)
    low, high = _wilson(pl.col(a).cast(pl.Float64), n)
    q_low, q_high = _wilson(pl.col(b).cast(pl.Float64), n)
    usable = pl.col(b) > 0
    return [
        pl.when(usable).then(low / q_high).otherwise(None).alias(f"{name}_low"),
        pl.when(usable).then(high / q_low).otherwise(None).alias(f"{name}_high"),
    ]


def with_rates(frame: pl.DataFrame) -> pl.DataFrame:
    """ctr (where there are views), cart_per_click, their intervals and low_sample."""
    rates = [_ratio("addToCart", "click").alias("cart_per_click")]
    rates += _interval("addToCart", "click", "cart_per_click")
    if "views" in frame.columns:
        rates += [_ratio("click", "views").alias("ctr"), *_interval("click", "views", "ctr")]
    return frame.with_columns(*rates, low_sample=pl.col("click") < LOW_SAMPLE)


def attribution(first_carts: pl.DataFrame, orders: pl.DataFrame, basis: str) -> pl.DataFrame:
    """Per set and currency: order lines whose sku the same user added to cart from the set
    strictly earlier (by `basis`: time or seq), and their revenue in millionths."""
    carts = first_carts.select("user", "sku", "set", cart_t=pl.col(basis))
    lines = orders.select("user", "sku", "micros", "currency", order_t=pl.col(basis))
    joined = lines.join(carts, on=["user", "sku"], how="inner").filter(
        pl.col("cart_t").is_not_null()
        & pl.col("order_t").is_not_null()
        & (pl.col("cart_t") < pl.col("order_t"))
    )
    # Summed as 128-bit integers: each line fits 64 bits (a rule), a sum of many need not.
    micros = pl.col("micros").cast(pl.Int128).sum()
    return joined.group_by("set", "currency").agg(ordered=pl.len(), micros=micros)


def decoded(frame: pl.DataFrame, frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Codes replaced by their values: set -> set_id, sku, currency (on aggregated rows)."""
    names = {
        "set": ("sets", "set_id"),
        "sku": ("skus", "sku"),
        "currency": ("currencies", "currency"),
    }
    for code, (dictionary, column) in names.items():
        if code in frame.columns:
            values = frames[dictionary]["value"]
            frame = frame.with_columns(values.gather(frame[code]).alias(column))
            if code != column:
                frame = frame.drop(code)
    return frame


def tables(frames: dict[str, pl.DataFrame], basis: str) -> dict[str, pl.DataFrame]:
    """The sets, products and set_products tables (and revenue) from the partial's frames
    (the frames of pairs, carts and orders are taken out of `frames`)."""
    click = _code_of(frames["actions"], CLICK)
    cart = _code_of(frames["actions"], ADD_TO_CART)
    counts = total(frames, "counts")
    attributed = counts.filter(pl.col("set").is_not_null())
    # The pair, cart and order frames are dropped once reduced: they are most of the memory.
    views = total(frames, "views").filter(pl.col("set").is_not_null())
    views = views.group_by("set").agg(views=pl.sum("n"))
    set_users = frames.pop("set_users")  # distinct users per set, counted by the kernel
    sku_users = frames.pop("sku_users")
    conversions = attribution(frames.pop("first_carts"), frames.pop("orders"), basis)
    ordered = conversions.group_by("set").agg(pl.col("ordered").sum().cast(pl.UInt64))
    numbers = ["views", "click", "addToCart", "other", "interactions", "users", "ordered"]
    sets = (
        _bucketed(attributed, ["set"], click, cart)
        .join(views, on="set", how="full", coalesce=True)
        .join(set_users, on="set", how="left")
        .join(ordered, on="set", how="left")
        .with_columns(pl.col(numbers).fill_null(0))
        .pipe(with_rates)
    )
    products = (
        _bucketed(counts, ["sku"], click, cart)
        .join(
            attributed.group_by("sku").agg(sets=pl.col("set").n_unique().cast(pl.UInt64)),
            on="sku",
            how="left",
        )
        .join(sku_users, on="sku", how="left")
        .with_columns(pl.col("sets").fill_null(0))
        .pipe(with_rates)
    )
    set_products = _bucketed(attributed, ["set", "sku"], click, cart).pipe(with_rates)
    return {
        "sets": decoded(sets, frames),
        "products": decoded(products, frames),
        "set_products": decoded(set_products, frames),
        "revenue": decoded(conversions.select("set", "currency", "micros"), frames),
    }


@dataclass
class Computed:
    """What a report is made of before its options apply: the kernel's counters, the
    sets, products, set_products and revenue tables, the currencies met, and (unless
    read from a state's summary) the frames that --actions and trends need."""

    counters: dict[str, Any]
    tables: dict[str, pl.DataFrame]
    currencies: list[str]
    frames: dict[str, pl.DataFrame] | None = None


def compute(partial: Any, time_field: str | None, windowed: bool, periods: bool = True) -> Computed:
    """The tables of a partial (consumed: its tables are taken out), attributing by time
    when any event had one (or a time field or window was given), else by file order;
    the frames per period too unless `periods` is False (trends need them)."""
    counters = partial.counters()
    frames = load(partial, periods)
    found = tables(frames, "time" if timed(counters, time_field, windowed) else "seq")
    return Computed(counters, found, sorted(frames["currencies"]["value"].to_list()), frames)


def action_counts(frames: dict[str, pl.DataFrame], table: str) -> pl.DataFrame:
    """Per row of a table (its id columns), `actions`: (action, count) structs in name
    order, '(none)' for no action (or '(none)*' and so on if an action is called that:
    the counts must not merge)."""
    counts = total(frames, "counts")
    if table != "products":
        counts = counts.filter(pl.col("set").is_not_null())
    keys = [{"set_id": "set", "sku": "sku"}[k] for k in KEYS[table]]
    grouped = decoded(counts.group_by([*keys, "action"]).agg(pl.col("n").sum()), frames)
    actions = frames["actions"]["value"]
    names, none = set(actions.to_list()), "(none)"
    while none in names:
        none += "*"
    named = actions.gather(grouped["action"]).fill_null(none)
    grouped = grouped.with_columns(action=named, count=pl.col("n")).sort("action")
    return grouped.group_by(KEYS[table], maintain_order=True).agg(
        actions=pl.struct("action", "count")
    )


TREND_KEYS = {"trend": [], "set_trend": ["set"], "product_trend": ["sku"]}
TREND_KEYS["set_product_trend"] = ["set", "sku"]


def codes_of(frames: dict[str, pl.DataFrame], rows: pl.DataFrame) -> dict[str, pl.Series]:
    """The codes of the set ids and SKUs in some rows of a table (to narrow the counts)."""
    found = {}
    for code, (dictionary, column) in {"set": ("sets", "set_id"), "sku": ("skus", "sku")}.items():
        if column in rows.columns:
            values = (
                frames[dictionary]
                .with_row_index(code)
                .join(rows.select(column).unique(), left_on="value", right_on=column)
            )
            found[code] = values[code].cast(pl.UInt32)
    return found


def trends(
    frames: dict[str, pl.DataFrame], table: str, only: dict[str, pl.Series] | None = None
) -> pl.DataFrame:
    """Counts per period (and per row of `table`, a *_trend name), with rates: `start` is
    the period's first moment, null for the period `unknown`. `only` keeps the rows of
    some set and sku codes (a superset of the rows wanted: --top, --set, --sku)."""
    click = _code_of(frames["actions"], CLICK)
    cart = _code_of(frames["actions"], ADD_TO_CART)
    keys = TREND_KEYS[table]
    counts = frames["counts"]
    views = frames["views"]
    if "set" in keys:
        counts = counts.filter(pl.col("set").is_not_null())
        views = views.filter(pl.col("set").is_not_null())
    for code, wanted in (only or {}).items():
        counts = counts.filter(pl.col(code).is_in(wanted.implode()))
        if code in views.columns:
            views = views.filter(pl.col(code).is_in(wanted.implode()))
    frame = _bucketed(counts, [*keys, "period"], click, cart)
    if "sku" not in keys:  # views belong to sets (or to the whole dump), not to products
        views = views.group_by([*keys, "period"]).agg(views=pl.sum("n"))
        numbers = ["views", "click", "addToCart", "other", "interactions"]
        frame = views.join(frame, on=[*keys, "period"], how="full", coalesce=True).with_columns(
            pl.col(numbers).fill_null(0)
        )
    starts = frames["periods"]["start"]
    frame = frame.with_columns(start=starts.gather(frame["period"]).replace(ABSENT_TIME, None))
    return decoded(with_rates(frame.drop("period")), frames)
