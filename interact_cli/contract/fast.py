"""The fast path: a typed msgspec decode that recognises clean events at C speed.

It never reports problems. It returns Facts only for an event on which the rule
book (`diagnose`) would find nothing at all, and None for anything else, which is
then diagnosed in full. A property test holds the two paths to that promise.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from interact_cli.contract.facts import Facts, OrderLine, TimeValue
from interact_cli.contract.vocabulary import CURRENCIES, near_miss

RESERVED_FIELDS = frozenset({"type", "context", "userId", "interact", "view", "order", "api"})


# Constraints msgspec checks in C; a line that breaks one takes the full path.
Text = Annotated[str, Meta(min_length=1)]
Positive = Annotated[float, Meta(gt=0)]
Currency = Literal[tuple(sorted(CURRENCIES))]  # type: ignore[valid-type]


class _Ref(Struct, gc=False):
    id: Text


# Context items: a tagged union on "type". An unknown type fails the typed decode,
# which is right: it is a warning, so the line takes the full path anyway.
class _UserItem(Struct, tag_field="type", tag="user", gc=False):
    user: _Ref


class _SetItem(Struct, tag_field="type", tag="setCompose", gc=False):
    setCompose: _Ref


class _ContentBody(Struct, gc=False):
    type: str
    setCompose: _Ref | UnsetType = UNSET


class _ContentItem(Struct, tag_field="type", tag="content", gc=False):
    content: _ContentBody


class _ApiRef(Struct, gc=False):
    id: Text
    sourceIp: str | UnsetType = UNSET
    userAgent: str | UnsetType = UNSET


class _ApiItem(Struct, tag_field="type", tag="api", gc=False):
    api: _ApiRef | UnsetType = UNSET


class _Page(Struct, gc=False):
    url: Text


class _PageItem(Struct, tag_field="type", tag="page", gc=False):
    page: _Page


class _SessionItem(Struct, tag_field="type", tag="session", gc=False):
    session: _Ref


class _Widget(Struct, gc=False):
    id: Text
    type: Text


class _WidgetItem(Struct, tag_field="type", tag="widget", gc=False):
    widget: _Widget


_Item = _UserItem | _SetItem | _ContentItem | _ApiItem | _PageItem | _SessionItem | _WidgetItem


class _Product(Struct, gc=False):
    sku: Text


class _InteractBody(Struct, gc=False):
    type: Literal["product"]
    product: _Product
    action: Text | UnsetType = UNSET


class _ViewBody(Struct, gc=False):
    type: Literal["setCompose"]
    setCompose: _Ref


class _Price(Struct, gc=False):
    amount: float
    currency: Currency


class _Line(Struct, gc=False):
    sku: Text
    quantity: Positive
    grossPrice: _Price


class _OrderBody(Struct, gc=False):
    id: Text
    lines: list[_Line]


class _ApiBody(Struct, gc=False):
    type: Literal["setCompose"]
    action: Literal["query"]
    arguments: dict[str, Any] | UnsetType = UNSET


_BODIES = {"interact": _InteractBody, "view": _ViewBody, "order": _OrderBody, "api": _ApiBody}


def _event_struct(kind: str, time_fields: tuple[str, ...]) -> type:
    times = [(f"time_{i}", TimeValue | None | UnsetType, UNSET) for i in range(len(time_fields))]
    fields = [(kind, _BODIES[kind]), ("context", list[_Item]), ("userId", Text | UnsetType, UNSET)]
    return msgspec.defstruct(
        f"Fast{kind.title()}",
        [*fields, *times],
        rename={f"time_{i}": name for i, name in enumerate(time_fields)},
        tag_field="type",
        tag=kind,
        gc=False,
    )


@lru_cache(maxsize=4096)
def _clean_action(action: str) -> bool:
    return near_miss(action) is None


def _scan_context(event: Any) -> tuple[str, str | None] | None:
    """(user, set) of a context with nothing to report, else None."""
    user = set_id = None
    for item in event.context:
        kind = type(item)
        if kind is _UserItem:
            found = item.user.id
            if user is not None and user != found:
                return None
            user = found
        elif kind is _SetItem or kind is _ContentItem:
            if kind is _SetItem:
                found = item.setCompose.id
            else:
                content = item.content
                if content.type != "setCompose" or content.setCompose is UNSET:
                    return None
                found = content.setCompose.id
            if set_id is not None and set_id != found:
                return None
            set_id = found
    top = event.userId
    if top is not UNSET:
        if user is not None and user != top:
            return None
        user = top
    return None if user is None else (user, set_id)


def _order_lines(body: _OrderBody) -> tuple[OrderLine, ...]:
    return tuple(
        OrderLine(line.sku, line.quantity, line.grossPrice.amount, line.grossPrice.currency)
        for line in body.lines
    )


DECODE_FAILURES = (msgspec.MsgspecError, UnicodeDecodeError, RecursionError, OverflowError)


def is_utf8(line: bytes) -> bool:
    """True if the line is valid UTF-8 (the typed decode skips unknown fields unchecked)."""
    if line.isascii():
        return True
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class FastPath:
    """Typed decoding of the four event types, each carrying the given time fields."""

    def __init__(self, time_fields: tuple[str, ...]) -> None:
        kinds = {_event_struct(kind, time_fields): kind for kind in _BODIES}
        first, second, third, fourth = kinds
        self._decode = msgspec.json.Decoder(first | second | third | fourth).decode
        self._kind_of = kinds
        self._time_attrs = tuple(f"time_{i}" for i in range(len(time_fields)))

    def line_facts(self, line: bytes) -> Facts | None:
        """Facts of a line with nothing to report, else None (then diagnose it in full)."""
        try:
            event = self._decode(line)
        except DECODE_FAILURES:
            return None
        facts = self._facts(event)
        if facts is None or not (line.isascii() or is_utf8(line)):
            return None
        return facts

    def _facts(self, event: Any) -> Facts | None:
        scanned = _scan_context(event)
        if scanned is None:
            return None
        user, set_id = scanned
        kind = self._kind_of[type(event)]
        time = self._time(event)
        if kind == "interact":
            body = event.interact
            action = body.action
            if set_id is None:
                return None
            if action is UNSET:
                action = None
            elif not _clean_action(action):
                return None
            return Facts("interact", user, set_id, body.product.sku, action, time=time)
        if kind == "view":
            return Facts("view", user, event.view.setCompose.id, time=time)
        if kind == "order":
            body = event.order
            return Facts("order", user, order_id=body.id, lines=_order_lines(body), time=time)
        return Facts("api", user, time=time)

    def _time(self, event: Any) -> TimeValue | None:
        for attr in self._time_attrs:
            value = getattr(event, attr)
            if value is not UNSET:
                return value
        return None
