"""The fast path: a typed msgspec decode that recognises clean events at C speed.

It never reports problems. It returns Facts only for an event on which the rule
book (`diagnose`) would find nothing at all, and None for anything else, which is
then diagnosed in full. A property test holds the two paths to that promise.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

import msgspec
from msgspec import UNSET, Struct, UnsetType

from interact_cli.contract.facts import Facts, OrderLine, TimeValue
from interact_cli.contract.vocabulary import CURRENCIES, near_miss

RESERVED_FIELDS = frozenset({"type", "context", "userId", "interact", "view", "order", "api"})


class _Id(Struct, gc=False):
    id: str


class _Content(Struct, gc=False):
    type: str
    setCompose: _Id | UnsetType = UNSET


class _ApiItem(Struct, gc=False):
    id: str
    sourceIp: str | UnsetType = UNSET
    userAgent: str | UnsetType = UNSET


class _Page(Struct, gc=False):
    url: str


class _Widget(Struct, gc=False):
    id: str
    type: str


class _Item(Struct, gc=False):
    type: str
    user: _Id | UnsetType = UNSET
    setCompose: _Id | UnsetType = UNSET
    content: _Content | UnsetType = UNSET
    api: _ApiItem | UnsetType = UNSET
    page: _Page | UnsetType = UNSET
    session: _Id | UnsetType = UNSET
    widget: _Widget | UnsetType = UNSET


class _Product(Struct, gc=False):
    sku: str


class _InteractBody(Struct, gc=False):
    type: Literal["product"]
    product: _Product
    action: str | UnsetType = UNSET


class _ViewBody(Struct, gc=False):
    type: Literal["setCompose"]
    setCompose: _Id


class _Price(Struct, gc=False):
    amount: float
    currency: str


class _Line(Struct, gc=False):
    sku: str
    quantity: float
    grossPrice: _Price


class _OrderBody(Struct, gc=False):
    id: str
    lines: list[_Line]


class _ApiBody(Struct, gc=False):
    type: Literal["setCompose"]
    action: Literal["query"]
    arguments: dict[str, Any] | UnsetType = UNSET


_BODIES = {"interact": _InteractBody, "view": _ViewBody, "order": _OrderBody, "api": _ApiBody}


def _event_struct(kind: str, time_fields: tuple[str, ...]) -> type:
    times = [(f"time_{i}", TimeValue | None | UnsetType, UNSET) for i in range(len(time_fields))]
    fields = [(kind, _BODIES[kind]), ("context", list[_Item]), ("userId", str | UnsetType, UNSET)]
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
    return action != "" and near_miss(action) is None


def _set_of(item: _Item) -> str | None:
    if item.type == "setCompose":
        ref = item.setCompose
    else:
        content = item.content
        if content is UNSET or content.type != "setCompose":
            return None
        ref = content.setCompose
    return None if ref is UNSET or not ref.id else ref.id


def _item_clean(item: _Item) -> bool:
    kind = item.type
    if kind == "api":
        return item.api is UNSET or item.api.id != ""
    if kind == "page":
        return item.page is not UNSET and item.page.url != ""
    if kind == "session":
        return item.session is not UNSET and item.session.id != ""
    if kind == "widget":
        return item.widget is not UNSET and item.widget.id != "" and item.widget.type != ""
    return False


def _scan_context(event: Any) -> tuple[str, str | None] | None:
    """(user, set) of a context with nothing to report, else None."""
    user = set_id = None
    for item in event.context:
        kind = item.type
        if kind == "user":
            ref = item.user
            if ref is UNSET or not ref.id or (user is not None and user != ref.id):
                return None
            user = ref.id
        elif kind == "setCompose" or kind == "content":
            found = _set_of(item)
            if found is None or (set_id is not None and set_id != found):
                return None
            set_id = found
        elif not _item_clean(item):
            return None
    top = event.userId
    if top is not UNSET:
        if not top or (user is not None and user != top):
            return None
        user = top
    return None if user is None else (user, set_id)


def _order_lines(body: _OrderBody) -> tuple[OrderLine, ...] | None:
    lines = []
    for line in body.lines:
        price = line.grossPrice
        if not line.sku or not line.quantity > 0 or price.currency not in CURRENCIES:
            return None
        lines.append(OrderLine(line.sku, line.quantity, price.amount, price.currency))
    return tuple(lines)


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
            if set_id is None or not body.product.sku:
                return None
            if action is UNSET:
                action = None
            elif not _clean_action(action):
                return None
            return Facts("interact", user, set_id, body.product.sku, action, time=time)
        if kind == "view":
            view_set = event.view.setCompose.id
            return Facts("view", user, view_set, time=time) if view_set else None
        if kind == "order":
            body = event.order
            lines = _order_lines(body)
            if lines is None or not body.id:
                return None
            return Facts("order", user, order_id=body.id, lines=lines, time=time)
        return Facts("api", user, time=time)

    def _time(self, event: Any) -> TimeValue | None:
        for attr in self._time_attrs:
            value = getattr(event, attr)
            if value is not UNSET:
                return value
        return None
