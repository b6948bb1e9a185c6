"""A state's summary: the report's tables over every input ingested, as `ingest` computed
them, so that a report without --interval or --actions reads a few megabytes instead of
the partial result (5M events: 2 MB against 100 MB).

The tables are written as MessagePack through msgspec with their count and id columns
only, typed: reading checks every type, range and length in C, and the rates and their
intervals are computed again from the counts, as `report` computes them. (Polars' own
IPC reader panicked on altered bytes, so it reads nothing here that a forger could
write.) Revenue sums are 128-bit integers, written as decimal text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import msgspec
import polars as pl

from interact_cli.frames import Computed, with_rates

U64 = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
Count = Annotated[int, msgspec.Meta(ge=0, le=2**62)]
Micros = Annotated[str, msgspec.Meta(pattern=r"^-?[0-9]{1,39}$")]  # checked against 2^127


class Events(msgspec.Struct, forbid_unknown_fields=True):
    interact: Count
    view: Count
    order: Count
    api: Count


class Counters(msgspec.Struct, forbid_unknown_fields=True):
    events: Events
    unattributed: Count
    untimed: Count
    outside: Count
    saw_time: bool
    users: Count
    sets: Count
    skus: Count


class Sets(msgspec.Struct, forbid_unknown_fields=True):
    set_id: list[str]
    click: list[U64]
    addToCart: list[U64]
    other: list[U64]
    interactions: list[U64]
    views: list[U64]
    users: list[U64]
    ordered: list[U64]


class Products(msgspec.Struct, forbid_unknown_fields=True):
    sku: list[str]
    click: list[U64]
    addToCart: list[U64]
    other: list[U64]
    interactions: list[U64]
    sets: list[U64]
    users: list[U64]


class SetProducts(msgspec.Struct, forbid_unknown_fields=True):
    set_id: list[str]
    sku: list[str]
    click: list[U64]
    addToCart: list[U64]
    other: list[U64]
    interactions: list[U64]


class Revenue(msgspec.Struct, forbid_unknown_fields=True):
    set_id: list[str]
    currency: list[str]
    micros: list[Micros]


class Summary(msgspec.Struct, forbid_unknown_fields=True):
    """The summary section of a state file."""

    counters: Counters
    currencies: list[str]
    sets: Sets
    products: Products
    set_products: SetProducts
    revenue: Revenue


TABLES: dict[str, type[msgspec.Struct]] = {
    "sets": Sets,
    "products": Products,
    "set_products": SetProducts,
    "revenue": Revenue,
}


def encode(computed: Computed) -> bytes:
    """The summary of computed tables, as bytes."""
    tables: dict[str, Any] = {}
    for name, kind in TABLES.items():
        frame = computed.tables[name]
        columns = {field: frame[field].to_list() for field in kind.__struct_fields__}
        if name == "revenue":
            columns["micros"] = [str(m) for m in columns["micros"]]
        tables[name] = columns
    summary = {"counters": computed.counters, "currencies": computed.currencies, **tables}
    return msgspec.msgpack.encode(summary)


def decode(data: bytes, valid: int, fail: Callable[[str], Exception]) -> Computed:
    """The computed tables of a summary's bytes, every value checked; `fail(why)` is the
    error to raise for anything else. `valid`: the events the state's inputs hold."""
    try:
        summary = msgspec.msgpack.decode(data, type=Summary)
    except (msgspec.DecodeError, UnicodeDecodeError) as error:  # older msgspec: the latter
        raise fail(f"its summary is wrong: {error}") from None
    if any(not -(2**127) <= int(m) < 2**127 for m in summary.revenue.micros):
        raise fail("its summary's revenue is past 128 bits")
    counters = msgspec.to_builtins(summary.counters)
    if sum(counters["events"].values()) != valid:
        raise fail("its summary's events are not its inputs' valid lines")
    tables = {}
    for name in TABLES:
        columns = msgspec.structs.asdict(getattr(summary, name))
        if len({len(values) for values in columns.values()}) > 1:
            raise fail(f"the columns of its summary's {name} differ in length")
        tables[name] = _frame(name, columns)
    return Computed(counters, tables, summary.currencies)


def _frame(name: str, columns: dict[str, list[Any]]) -> pl.DataFrame:
    """A table's frame from its checked columns, with the rates a report computes."""
    series = []
    for field, values in columns.items():
        if field in ("set_id", "sku", "currency"):
            series.append(pl.Series(field, values, dtype=pl.String))
        elif field == "micros":
            series.append(pl.Series(field, [int(v) for v in values], dtype=pl.Int128))
        else:
            series.append(pl.Series(field, values, dtype=pl.UInt64))
    frame = pl.DataFrame(series)
    return frame if name == "revenue" else with_rates(frame)
