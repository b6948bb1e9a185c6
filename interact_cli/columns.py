"""Every report table's columns, declared once.

JSON rows, CSV, Markdown, terminal tables and the HTML report all read these
declarations: a column's name, kind (how its values are written), header, and width
priority (which table it goes to when a wide table is split for the terminal).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Kind = Literal[
    "id",
    "period",
    "count",
    "rate",
    "range",
    "money",
    "flag",
    "ratio",
    "ratio_range",
    "pvalue",
    "change",
]


@dataclass(frozen=True)
class Column:
    """One column of a report table."""

    name: str
    kind: Kind
    header: str
    priority: int = 1
    """1: kept in the first table when a table is split to fit; 2: moved on."""
    interval: bool = False
    """A rate with a 95% interval: `<name>_low` and `<name>_high` beside it."""
    spread: str | None = None
    """A mapping spread into one column per key, named `<prefix><key>`; `spread` names
    the keys (currencies, actions)."""
    prefix: str = ""
    source: str = ""
    """For a `range`: the rate whose `_low` and `_high` it shows."""


SET_ID = Column("set_id", "id", "set")
SKU = Column("sku", "id", "sku")
PERIOD = Column("period", "period", "period")
SETS = Column("sets", "count", "sets", 2)
VIEWS = Column("views", "count", "views")
CLICK = Column("click", "count", "click")
CART = Column("addToCart", "count", "addToCart")
OTHER = Column("other", "count", "other", 2)
INTERACTIONS = Column("interactions", "count", "interactions")
USERS = Column("users", "count", "users", 2)
CTR = Column("ctr", "rate", "ctr", interval=True)
CART_PER_CLICK = Column("cart_per_click", "rate", "cart/click", interval=True)
LOW_SAMPLE = Column("low_sample", "flag", "<30 clicks", 2)
ORDERED = Column("ordered", "count", "ordered", 2)
REVENUE = Column(
    "order_revenue", "money", "revenue ", 2, spread="currencies", prefix="order_revenue_"
)
ACTIONS = Column("actions", "count", "", 2, spread="actions", prefix="action:")

_COUNTS = (CLICK, CART, OTHER, INTERACTIONS)
TABLES: dict[str, tuple[Column, ...]] = {
    "sets": (
        *(SET_ID, VIEWS, *_COUNTS, USERS, CTR, CART_PER_CLICK, LOW_SAMPLE, ORDERED),
        *(REVENUE, ACTIONS),
    ),
    "products": (SKU, SETS, *_COUNTS, USERS, CART_PER_CLICK, LOW_SAMPLE, ACTIONS),
    "set_products": (SET_ID, SKU, *_COUNTS, CART_PER_CLICK, LOW_SAMPLE, ACTIONS),
    "trend": (PERIOD, VIEWS, *_COUNTS, CTR, CART_PER_CLICK, LOW_SAMPLE),
    "set_trend": (PERIOD, SET_ID, VIEWS, *_COUNTS, CTR, CART_PER_CLICK, LOW_SAMPLE),
    "product_trend": (PERIOD, SKU, *_COUNTS, CART_PER_CLICK, LOW_SAMPLE),
    "set_product_trend": (PERIOD, SET_ID, SKU, *_COUNTS, CART_PER_CLICK, LOW_SAMPLE),
}


def _both(column: Column, priority: int = 2) -> tuple[Column, Column]:
    """A count of `compare` in each window (priority 1: in its terminal table)."""
    name, header = column.name, column.header
    return (
        replace(column, name=f"{name}_baseline", header=f"{header} before", priority=priority),
        replace(column, name=f"{name}_current", header=f"{header} now", priority=priority),
    )


def _compared(rate: Column) -> tuple[Column, ...]:
    """A rate of `compare`: in each window, their ratio, p, q and the verdict."""
    name, header = rate.name, rate.header
    return (
        Column(f"{name}_baseline", "rate", f"{header} before", interval=True),
        Column(f"{name}_current", "rate", f"{header} now", interval=True),
        Column(f"{name}_ratio", "ratio", f"{header} ratio", interval=True),
        Column(f"{name}_p", "pvalue", f"{header} p", 2),
        Column(f"{name}_q", "pvalue", f"{header} q"),
        Column(f"{name}_change", "change", f"{header} change"),
    )


_PER_USER = (*_both(CLICK, 1), *_both(CART), *_both(USERS))
LOW_IN_ONE = replace(LOW_SAMPLE, header="<30 clicks in a window")
COMPARE_TABLES: dict[str, tuple[Column, ...]] = {
    "sets": (SET_ID, *_both(VIEWS), *_PER_USER, *_compared(CTR), *_compared(CART_PER_CLICK)),
    "products": (SKU, *_PER_USER, *_compared(CART_PER_CLICK)),
    "set_products": (SET_ID, SKU, *_PER_USER, *_compared(CART_PER_CLICK)),
}
"""`compare`'s tables by the table compared (in columns.TABLES as compare_<name>); its
terminal table shows the columns of priority 1."""
for _name, _columns in COMPARE_TABLES.items():
    TABLES[f"compare_{_name}"] = (*_columns, LOW_IN_ONE)

TABLE_OF = {"set": "sets", "product": "products", "set-product": "set_products"}
"""The table of each `--by` value."""
TREND_OF = {"sets": "set_trend", "products": "product_trend", "set_products": "set_product_trend"}
ID_KINDS = ("id", "period")
ID_FIELDS = ("set_id", "sku")  # the id columns a table row is keyed by


def bounds(column: Column) -> tuple[Column, Column]:
    """The `_low` and `_high` columns of a rate with an interval."""
    return (
        replace(column, name=f"{column.name}_low", header=f"{column.header} low", priority=2),
        replace(column, name=f"{column.name}_high", header=f"{column.header} high", priority=2),
    )


def fields(table: str) -> list[str]:
    """A table's row fields in JSON (a spread column is one mapping field; `actions` is
    there only with --actions)."""
    names = []
    for column in TABLES[table]:
        names.append(column.name)
        if column.interval:
            names += [bound.name for bound in bounds(column)]
    return names


def sortable(table: str) -> list[str]:
    """The fields --sort accepts for a table: its scalar fields."""
    spread = {c.name for c in TABLES[table] if c.spread is not None}
    return [name for name in fields(table) if name not in spread and name != "period"]


def _spread(column: Column, spreads: dict[str, list[str]]) -> list[Column]:
    return [
        replace(column, name=f"{column.prefix}{key}", header=f"{column.header}{key}")
        for key in spreads.get(column.spread or "", [])
    ]


def _expanded(table: str, spreads: dict[str, list[str]], ranges: bool) -> list[Column]:
    columns: list[Column] = []
    for column in TABLES[table]:
        if column.spread is not None:
            columns += _spread(column, spreads)
            continue
        columns.append(column)
        if column.interval and ranges:
            name, header = f"{column.name}_range", f"{column.header} 95%"
            # A ratio's interval is read with it (compare's table keeps it in front).
            kind: Kind = "ratio_range" if column.kind == "ratio" else "range"
            priority = 1 if column.kind == "ratio" else 2
            columns.append(Column(name, kind, header, priority, source=column.name))
        elif column.interval:
            columns += bounds(column)
    return columns


def flat(table: str, spreads: dict[str, list[str]]) -> list[Column]:
    """The columns of a table in CSV: intervals as bounds, spreads as a column per key
    (`spreads` maps a spread's name, e.g. `currencies`, to its keys)."""
    return _expanded(table, spreads, ranges=False)


def shown(table: str, spreads: dict[str, list[str]]) -> list[Column]:
    """The columns of a table as people read it (terminal, Markdown, HTML): each interval
    as one `range` column after its rate."""
    return _expanded(table, spreads, ranges=True)
