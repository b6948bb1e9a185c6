"""Facts: what the report needs of one valid event, the same whichever path decoded it."""

from __future__ import annotations

import msgspec

# A time field holds an ISO 8601 string or epoch seconds/milliseconds. Any other JSON
# value (object, array, boolean) is kept as this marker so that the report counts it as
# unparsable; the contract itself does not judge time fields.
TimeValue = str | int | float
UNUSABLE_TIME = "<not a string or number>"


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
    time: TimeValue | None = None
