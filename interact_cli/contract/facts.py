"""Facts: what the report needs of one valid event, the same whichever path decoded it."""

from __future__ import annotations

from typing import Any

import msgspec


class OrderLine(msgspec.Struct, frozen=True, gc=False, array_like=True):
    sku: str
    quantity: float
    amount: float
    currency: str


class Facts(msgspec.Struct, frozen=True, gc=False):
    """A valid event reduced to the fields the report aggregates."""

    kind: str
    user: str
    set_id: str | None = None
    sku: str | None = None
    action: str | None = None
    order_id: str | None = None
    lines: tuple[OrderLine, ...] = ()
    time: Any = None
