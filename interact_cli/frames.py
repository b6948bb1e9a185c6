"""The report's aggregates in Polars: the kernel's partial result as frames, then tables.

The kernel hands over integer codes plus one dictionary per string column (Arrow
PyCapsule columns: no Python object per row). Every group-by and join below runs on
the codes; set ids and SKUs are joined onto the aggregated rows only, at the end.
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

# Polars' allocator (jemalloc) keeps freed pages for 10 s by default, so every transient
# adds to the peak; returning them at once costs no measurable time. It is read when
# Polars loads, hence before the import; a value the user set wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

import polars as pl

from interact_cli.contract.vocabulary import ADD_TO_CART, CLICK

ABSENT_CODE = 2**32 - 1  # the kernel's code of "no set" / "no action"
ABSENT_TIME = -(2**63)  # the kernel's "no usable time"
TABLES = ("counts", "views", "set_users", "sku_users", "first_carts", "orders")
DICTIONARIES = ("sets", "skus", "actions", "currencies")
KEYS = {"sets": ["set_id"], "products": ["sku"], "set_products": ["set_id", "sku"]}


def _frame(columns: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame({name: pl.Series(name, column) for name, column in columns.items()})


def load(partial: Any) -> dict[str, pl.DataFrame]:
    """The partial result's tables as frames (absent codes and times as nulls)."""
    frames = {}
    for name in TABLES:
        frame = _frame(partial.table(name))
        nullable = [c for c in ("set", "action") if c in frame.columns and name == "counts"]
        frame = frame.with_columns(
            [pl.col(c).replace(ABSENT_CODE, None) for c in nullable]
            + ([pl.col("time").replace(ABSENT_TIME, None)] if "time" in frame.columns else [])
        )
        frames[name] = frame
    for name in DICTIONARIES:
        frames[name] = _frame(partial.table(name))
    return frames


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


def _decoded(frame: pl.DataFrame, frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
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
    (the frames of pairs, views, carts and orders are taken out of `frames`)."""
    click = _code_of(frames["actions"], CLICK)
    cart = _code_of(frames["actions"], ADD_TO_CART)
    counts = frames["counts"]
    attributed = counts.filter(pl.col("set").is_not_null())
    # The pair, cart and order frames are dropped once reduced: they are most of the memory.
    views = frames.pop("views").rename({"n": "views"})
    set_users = frames.pop("set_users")  # distinct users per set, counted by the kernel
    sku_users = frames.pop("sku_users")
    conversions = attribution(frames.pop("first_carts"), frames.pop("orders"), basis)
    ordered = conversions.group_by("set").agg(pl.col("ordered").sum())
    numbers = ["views", "click", "addToCart", "other", "interactions", "users", "ordered"]
    sets = (
        _bucketed(attributed, ["set"], click, cart)
        .join(views, on="set", how="full", coalesce=True)
        .join(set_users, on="set", how="left")
        .join(ordered, on="set", how="left")
        .with_columns(pl.col(numbers).fill_null(0))
        .with_columns(ctr=_ratio("click", "views"), cart_per_click=_ratio("addToCart", "click"))
    )
    products = (
        _bucketed(counts, ["sku"], click, cart)
        .join(attributed.group_by("sku").agg(sets=pl.col("set").n_unique()), on="sku", how="left")
        .join(sku_users, on="sku", how="left")
        .with_columns(pl.col("sets").fill_null(0), cart_per_click=_ratio("addToCart", "click"))
    )
    set_products = _bucketed(attributed, ["set", "sku"], click, cart).with_columns(
        cart_per_click=_ratio("addToCart", "click")
    )
    return {
        "sets": _decoded(sets, frames),
        "products": _decoded(products, frames),
        "set_products": _decoded(set_products, frames),
        "revenue": _decoded(conversions.select("set", "currency", "micros"), frames),
    }


def action_counts(frames: dict[str, pl.DataFrame], table: str) -> dict[tuple, dict[str, int]]:
    """Per row key of a table, the count of each distinct action name ('(none)' for none)."""
    counts = frames["counts"]
    if table != "products":
        counts = counts.filter(pl.col("set").is_not_null())
    keys = [{"set_id": "set", "sku": "sku"}[k] for k in KEYS[table]]
    grouped = _decoded(counts.group_by([*keys, "action"]).agg(pl.col("n").sum()), frames)
    actions = frames["actions"]["value"]
    grouped = grouped.with_columns(action=actions.gather(grouped["action"]).fill_null("(none)"))
    found: dict[tuple, dict[str, int]] = defaultdict(dict)
    for row in grouped.iter_rows(named=True):
        found[tuple(row[k] for k in KEYS[table])][row["action"]] = row["n"]
    return found
