"""Aggregation over Polars frames: partial aggregates per batch, merged exactly at the end.

Memory grows with the distinct sets, products, users and add-to-carts, not with lines:
each batch of events is reduced to counts and distinct pairs before the next is read.
Order lines are kept as rows (they are needed for the attribution join).
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Polars' allocator (jemalloc) keeps freed pages for 10 s by default, so every transient
# of a merge adds to the peak. Returning them at once cut the peak RSS of a 5M-event
# report from ~560 to ~350 MB in the parent, at no measurable cost in time. It is read
# when Polars loads, hence before the import; a value the user set wins.
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:0,muzzy_decay_ms:0")

import polars as pl

from interact_cli.contract.vocabulary import ADD_TO_CART, CLICK

S, I64 = pl.String, pl.Int64
SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "interactions": {"set_id": S, "sku": S, "user": S, "action": S},
    "views": {"set_id": S},
    "users": {"user": S},
    "carts": {"user": S, "sku": S, "set_id": S, "seq": I64, "time": I64},
    "orders": {"user": S, "sku": S, "seq": I64, "time": I64, "micros": I64, "currency": S},
}
KEYS = {"sets": ["set_id"], "products": ["sku"], "set_products": ["set_id", "sku"]}
PAIRS = {"set_users": "set_id", "sku_users": "sku"}
SHIFT = 1 << 32  # pair = key code * SHIFT + user code (codes are UInt32)
COMPACT_EVERY = 4
# Ids are kept as Categorical (u32 codes) in partial aggregates: distinct (set, user)
# and (sku, user) pairs then cost 8 bytes each instead of two strings.
ID_COLUMNS = ("set_id", "sku", "user", "currency")


@dataclass
class Batch:
    """Columns of one batch of events, as plain lists."""

    columns: dict[str, dict[str, list]] = field(
        default_factory=lambda: {k: {c: [] for c in cols} for k, cols in SCHEMAS.items()}
    )

    def frame(self, name: str) -> pl.DataFrame:
        """One kind of row of the batch as a frame."""
        return pl.DataFrame(self.columns[name], schema=SCHEMAS[name])


def _categorical(frame: pl.DataFrame) -> pl.DataFrame:
    ids = [c for c in ID_COLUMNS if c in frame.columns and frame.schema[c] == pl.String]
    return frame.with_columns(pl.col(ids).cast(pl.Categorical)) if ids else frame


def _strings(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(pl.Categorical).cast(pl.String))


def _pair_codes(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    codes = [pl.col(c).to_physical().cast(pl.UInt64) for c in (key, "user")]
    return frame.select(pair=codes[0] * SHIFT + codes[1])


def users_per_key(merged: dict[str, pl.DataFrame], name: str) -> pl.DataFrame:
    """Distinct users per set (or sku) from pairs, as raw Categorical or as UInt64 codes."""
    key, pairs = PAIRS[name], merged[name]
    if "pair" not in pairs.columns:
        return pairs.group_by(key).agg(users=pl.len())
    counts = pairs.group_by(code=(pl.col("pair") // SHIFT).cast(pl.UInt32)).agg(users=pl.len())
    keys = merged[f"{key}_keys"].with_columns(code=pl.col(key).to_physical())
    return keys.join(counts, on="code").select(key, "users")


def _reduce(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The partial aggregate of one kind of row; applying it twice changes nothing."""
    frame = _categorical(frame)
    if name == "counts":
        return frame.group_by("set_id", "sku", "action").agg(pl.col("n").sum())
    if name == "views":
        return frame.group_by("set_id").agg(pl.col("n").sum())
    if name == "first_carts":
        return frame.group_by("user", "sku", "set_id").agg(pl.col("seq", "time").min())
    if name == "orders":
        return frame
    # One column (pairs, users, keys): the column's unique() peaks at about a quarter of
    # the memory of the frame's (measured on 1.7M pairs: +30 against +117 MB).
    return frame.select(pl.all().unique())


@dataclass
class Partials:
    """Partial aggregates of all batches (or units) so far.

    Distinct (set, user) and (sku, user) pairs are kept as one UInt64 of the two
    Categorical codes, which a process assigns consistently: deduplicating millions of
    them then needs no string hashing. `portable()` adds each process's code dictionaries,
    by which `absorb` maps another process's codes to its own.
    """

    parts: dict[str, list[pl.DataFrame]] = field(default_factory=lambda: defaultdict(list))
    batches: int = 0

    def add(self, batch: Batch) -> None:
        """Reduce one batch and keep its partial aggregates."""
        inter = batch.frame("interactions")
        self.absorb(
            {
                "counts": inter.group_by("set_id", "sku", "action").agg(n=pl.len()),
                "set_users": inter.filter(pl.col("set_id").is_not_null()).select("set_id", "user"),
                "sku_users": inter.select("sku", "user"),
                "views": batch.frame("views").group_by("set_id").agg(n=pl.len()),
                "users": batch.frame("users"),
                "first_carts": batch.frame("carts"),
                "orders": batch.frame("orders"),
            }.items(),
            compact=False,
        )
        self.batches += 1
        if self.batches % COMPACT_EVERY == 0:
            for name in list(self.parts):
                self.parts[name] = [self._merged(name)]

    def absorb(self, frames: Iterable[tuple[str, pl.DataFrame]], compact: bool = True) -> None:
        """Take partial aggregates, one (name, frame) at a time: a batch's, or the
        `portable()` ones of another process (its code dictionaries come first)."""
        lookups: dict[str, pl.Series] = {}
        for name, frame in frames:
            if "local" in frame.columns:  # a dictionary: value -> the sender's code
                column = frame.columns[0]
                frame = _categorical(frame)
                lookups[column] = _lookup(frame, column)
                frame = frame.select(column)
            elif name in PAIRS and "pair" in frame.columns:
                frame = _recoded(frame, lookups[PAIRS[name]], lookups["user"])
            elif name in PAIRS:
                key = PAIRS[name]
                frame = _categorical(frame)
                self._keep(f"{key}_keys", frame.select(key).unique(), compact)
                frame = _pair_codes(frame, key)
            self._keep(name, frame, compact)

    def _keep(self, name: str, frame: pl.DataFrame, compact: bool) -> None:
        self.parts[name].append(_reduce(name, frame))
        if compact:
            self.parts[name] = [self._merged(name)]

    def _merged(self, name: str) -> pl.DataFrame:
        parts = self.parts[name]
        # Every part is already reduced: one part needs no second pass (nor its copy).
        return parts[0] if len(parts) == 1 else _reduce(name, pl.concat(parts, how="vertical"))

    def merged(self) -> dict[str, pl.DataFrame]:
        """Every partial aggregate merged into one frame (pairs as codes of this process)."""
        return {name: self._merged(name) for name in self.parts}

    def portable(self) -> dict[str, pl.DataFrame]:
        """The merged aggregates to send to another process, which `absorb` re-codes.

        Pairs stay UInt64 codes of this process; the users and key frames carry each
        value's code here (`local`) so that the receiver can map codes to its own.
        Sending pairs as two strings each would cost ~25x the bytes and the memory.
        """
        merged = self.merged()
        dictionaries = {}
        for name in ("users", *(f"{key}_keys" for key in PAIRS.values())):
            if name in merged:
                frame = merged.pop(name)
                column = pl.col(frame.columns[0])
                dictionaries[name] = frame.with_columns(local=column.to_physical())
        return dictionaries | merged


@dataclass(frozen=True)
class SpilledFrames:
    """Frames one process wrote to Arrow IPC files, for another process to load once."""

    folder: str
    names: tuple[str, ...]

    @classmethod
    def save(cls, frames: dict[str, pl.DataFrame], parent: str) -> SpilledFrames:
        """Write the frames to a new subfolder of parent."""
        folder = tempfile.mkdtemp(dir=parent, prefix="unit-")
        for name, frame in frames.items():
            frame.write_ipc(Path(folder, f"{name}.arrow"), compression="uncompressed")
        return cls(folder, tuple(frames))

    def load(self) -> Iterator[tuple[str, pl.DataFrame]]:
        """Read the frames back one at a time, in the order saved, deleting each file."""
        for name in self.names:
            path = Path(self.folder, f"{name}.arrow")
            frame = pl.read_ipc(path)
            path.unlink()
            yield name, frame
        os.rmdir(self.folder)


def _lookup(dictionary: pl.DataFrame, column: str) -> pl.Series:
    """This process's code of each value, indexed by the sender's code (`local`)."""
    lookup = pl.zeros((dictionary["local"].max() or 0) + 1, pl.UInt32, eager=True)
    return lookup.scatter(dictionary["local"], dictionary[column].to_physical())


def _recoded(pairs: pl.DataFrame, keys: pl.Series, users: pl.Series) -> pl.DataFrame:
    """Pairs of another process's codes as pairs of this process's codes.

    A gather from dense lookups: the two joins it replaces peaked ~25 MB higher on 1.7M pairs.
    """
    pair = pairs["pair"]
    key = keys.gather((pair // SHIFT).cast(pl.UInt32)).cast(pl.UInt64)
    user = users.gather((pair % SHIFT).cast(pl.UInt32)).cast(pl.UInt64)
    return pl.DataFrame({"pair": key * SHIFT + user})


def _bucketed(counts: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    action = pl.col("action")
    other = action.is_null() | ~action.is_in([CLICK, ADD_TO_CART])
    return (
        counts.group_by(keys)
        .agg(
            click=pl.col("n").filter(action == CLICK).sum(),
            addToCart=pl.col("n").filter(action == ADD_TO_CART).sum(),
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
    """Per set: order lines whose sku the same user added to cart from the set earlier."""
    carts = first_carts.select("user", "sku", "set_id", cart_t=pl.col(basis))
    lines = orders.select("user", "sku", "micros", "currency", order_t=pl.col(basis))
    joined = lines.join(carts, on=["user", "sku"], how="inner").filter(
        pl.col("cart_t").is_not_null()
        & pl.col("order_t").is_not_null()
        & (pl.col("cart_t") < pl.col("order_t"))
    )
    return joined.group_by("set_id", "currency").agg(
        ordered=pl.len(), micros=pl.col("micros").sum()
    )


def tables(merged: dict[str, pl.DataFrame], basis: str) -> dict[str, pl.DataFrame]:
    """The sets, products and set_products tables from merged partial aggregates."""
    counts = merged["counts"]
    attributed = counts.filter(pl.col("set_id").is_not_null())
    set_products = _bucketed(attributed, ["set_id", "sku"])
    views = merged["views"].filter(pl.col("set_id").is_not_null()).rename({"n": "views"})
    set_users = users_per_key(merged, "set_users")
    conversions = attribution(merged["first_carts"], merged["orders"], basis)
    ordered = conversions.group_by("set_id").agg(pl.col("ordered").sum())
    sets = (
        _bucketed(attributed, ["set_id"])
        .join(views, on="set_id", how="full", coalesce=True)
        .join(set_users, on="set_id", how="left")
        .join(ordered, on="set_id", how="left")
        .with_columns(
            pl.col(
                "views", "click", "addToCart", "other", "interactions", "users", "ordered"
            ).fill_null(0)
        )
        .with_columns(ctr=_ratio("click", "views"), cart_per_click=_ratio("addToCart", "click"))
    )
    products = (
        _bucketed(counts, ["sku"])
        .join(
            attributed.group_by("sku").agg(sets=pl.col("set_id").n_unique()), on="sku", how="left"
        )
        .join(users_per_key(merged, "sku_users"), on="sku", how="left")
        .with_columns(pl.col("sets").fill_null(0), cart_per_click=_ratio("addToCart", "click"))
    )
    return {
        "sets": _strings(sets),
        "products": _strings(products),
        "set_products": _strings(
            set_products.with_columns(cart_per_click=_ratio("addToCart", "click"))
        ),
        "revenue": _strings(conversions.select("set_id", "currency", "micros")),
    }


def action_counts(counts: pl.DataFrame, table: str) -> dict[tuple, dict[str, int]]:
    """Per row key of a table, the count of each distinct action name ('(none)' for none)."""
    keys = KEYS[table]
    counts = _strings(counts)
    frame = counts if table == "products" else counts.filter(pl.col("set_id").is_not_null())
    grouped = (
        frame.with_columns(pl.col("action").fill_null("(none)"))
        .group_by([*keys, "action"])
        .agg(pl.col("n").sum())
    )
    found: dict[tuple, dict[str, int]] = defaultdict(dict)
    for row in grouped.iter_rows(named=True):
        found[tuple(row[k] for k in keys)][row["action"]] = row["n"]
    return found
