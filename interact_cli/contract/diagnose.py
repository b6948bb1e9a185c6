"""The rule book: every problem of one decoded JSON value, with JSON Pointer paths.

This is the single source of truth for what is valid. `fast` only recognises events
for which this module would report nothing; everything else is diagnosed here.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import msgspec

from interact_cli.contract.facts import UNUSABLE_TIME, Facts, OrderLine, TimeValue
from interact_cli.contract.vocabulary import (
    CONTEXT_TYPES,
    CURRENCIES,
    EVENT_TYPES,
    near_miss,
)
from interact_cli.problems import Code, Finding

_JSON_TYPE_NAMES = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    Decimal: "number",
    bool: "boolean",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type."""
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class _Inspector:
    """Walks one event, collecting findings; helpers return the value or None."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, code: Code, path: str, message: str) -> None:
        self.findings.append(Finding(code, path, message))

    def field(self, obj: dict, key: str, path: str, expected: str, required: bool = True):
        """The value of obj[key] if present and of the expected JSON type."""
        where = f"{path}/{_escape(key)}"
        if key not in obj:
            if required:
                self.add(Code.MISSING_FIELD, where, f"Required field '{key}' is missing.")
            return None
        value = obj[key]
        if json_type(value) != expected:
            self.add(
                Code.WRONG_TYPE, where, f"'{key}' must be a {expected}, not {json_type(value)}."
            )
            return None
        return value

    def text(self, obj: dict, key: str, path: str, required: bool = True) -> str | None:
        """A non-empty string field."""
        value = self.field(obj, key, path, "string", required)
        if value == "":
            self.add(Code.EMPTY_STRING, f"{path}/{_escape(key)}", f"'{key}' must not be empty.")
            return None
        return value

    def number(self, obj: dict, key: str, path: str) -> float | None:
        """A number field that fits a 64-bit float, as a float."""
        value = self.field(obj, key, path, "number")
        if value is None:
            return None
        try:
            as_float = float(value)
        except OverflowError:  # an int beyond the double range
            as_float = math.inf
        if math.isinf(as_float):
            self.add(
                Code.INVALID_VALUE,
                f"{path}/{_escape(key)}",
                f"'{key}' is out of the range of a 64-bit float.",
            )
            return None
        return as_float

    def constant(self, obj: dict, key: str, path: str, expected: str) -> bool:
        """True if obj[key] is the expected constant string."""
        value = self.field(obj, key, path, "string")
        if value is not None and value != expected:
            self.add(
                Code.INVALID_VALUE,
                f"{path}/{_escape(key)}",
                f'\'{key}\' must be "{expected}", not "{value}".',
            )
            return False
        return value is not None

    def ref_id(self, obj: dict, key: str, path: str) -> str | None:
        """The id of a {key: {id: string}} payload."""
        payload = self.field(obj, key, path, "object")
        return None if payload is None else self.text(payload, "id", f"{path}/{key}")


class _Context:
    """What the context array says about the user and the set."""

    def __init__(self) -> None:
        self.users: list[str] = []
        self.sets: list[str] = []
        self.has_user_item = False
        self.readable = False


def _context_item(ins: _Inspector, item: Any, path: str, ctx: _Context) -> None:
    if not isinstance(item, dict):
        ins.add(Code.WRONG_TYPE, path, f"A context item must be an object, not {json_type(item)}.")
        return
    kind = ins.field(item, "type", path, "string")
    if kind is None:
        return
    if kind == "user":
        ctx.has_user_item = True
        user = ins.ref_id(item, "user", path)
        if user is not None:
            ctx.users.append(user)
    elif kind == "setCompose":
        set_id = ins.ref_id(item, "setCompose", path)
        if set_id is not None:
            ctx.sets.append(set_id)
    elif kind == "content":
        _content_item(ins, item, path, ctx)
    elif kind == "api":
        api = ins.field(item, "api", path, "object", required=False)
        if api is not None:
            ins.text(api, "id", f"{path}/api")
            ins.field(api, "sourceIp", f"{path}/api", "string", required=False)
            ins.field(api, "userAgent", f"{path}/api", "string", required=False)
    elif kind == "page":
        page = ins.field(item, "page", path, "object")
        if page is not None:
            ins.text(page, "url", f"{path}/page")
    elif kind == "session":
        ins.ref_id(item, "session", path)
    elif kind == "widget":
        widget = ins.field(item, "widget", path, "object")
        if widget is not None:
            ins.text(widget, "id", f"{path}/widget")
            ins.text(widget, "type", f"{path}/widget")
    else:
        known = ", ".join(CONTEXT_TYPES)
        ins.add(
            Code.UNKNOWN_CONTEXT_TYPE,
            f"{path}/type",
            f'Context item type "{kind}" is not known ({known}); it is ignored.',
        )


def _content_item(ins: _Inspector, item: dict, path: str, ctx: _Context) -> None:
    content = ins.field(item, "content", path, "object")
    if content is None:
        return
    kind = ins.field(content, "type", f"{path}/content", "string")
    if kind == "setCompose":
        set_id = ins.ref_id(content, "setCompose", f"{path}/content")
        if set_id is not None:
            ctx.sets.append(set_id)
    elif kind is not None:
        ins.add(
            Code.UNKNOWN_CONTEXT_TYPE,
            f"{path}/content/type",
            f'Content type "{kind}" is not known (setCompose); it is ignored.',
        )


def _resolve_user(ins: _Inspector, event: dict, ctx: _Context) -> str | None:
    user_id = ins.text(event, "userId", "", required=False)
    distinct = sorted(set(ctx.users))
    if len(distinct) > 1:
        ins.add(
            Code.AMBIGUOUS_USER,
            "/context",
            f"The context names {len(distinct)} different users: {', '.join(distinct)}.",
        )
        return None
    if distinct:
        if user_id is not None and user_id != distinct[0]:
            ins.add(
                Code.USER_MISMATCH,
                "/userId",
                f'Top-level userId "{user_id}" differs from the context user '
                f'"{distinct[0]}"; the context user is used.',
            )
        return distinct[0]
    if ctx.readable and not ctx.has_user_item and "userId" not in event:
        ins.add(
            Code.MISSING_USER,
            "/context",
            "No user: neither a 'user' context item nor a top-level 'userId'.",
        )
    return user_id


def _interact(ins: _Inspector, event: dict, ctx: _Context, user: str | None) -> Facts | None:
    payload = ins.field(event, "interact", "", "object")
    distinct_sets = sorted(set(ctx.sets))
    if len(distinct_sets) > 1:
        ins.add(
            Code.AMBIGUOUS_SET,
            "/context",
            f"The context names {len(distinct_sets)} different sets "
            f"({', '.join(distinct_sets)}); the interaction cannot be attributed.",
        )
    elif not ctx.sets and ctx.readable:
        ins.add(
            Code.NO_SET_CONTEXT,
            "/context",
            "No set in the context; the interaction is counted but not attributed to a set.",
        )
    if payload is None:
        return None
    ins.constant(payload, "type", "/interact", "product")
    product = ins.field(payload, "product", "/interact", "object")
    sku = None if product is None else ins.text(product, "sku", "/interact/product")
    action = ins.text(payload, "action", "/interact", required=False)
    if action is not None and (canonical := near_miss(action)) is not None:
        ins.add(
            Code.ACTION_NEAR_MISS,
            "/interact/action",
            f'Action "{action}" looks like "{canonical}"; it is counted as another action.',
        )
    set_id = distinct_sets[0] if len(distinct_sets) == 1 else None
    return Facts("interact", user or "", set_id=set_id, sku=sku, action=action)


def _view(ins: _Inspector, event: dict, user: str | None) -> Facts | None:
    payload = ins.field(event, "view", "", "object")
    if payload is None:
        return None
    ins.constant(payload, "type", "/view", "setCompose")
    if "setCompose" in payload and payload["setCompose"] is None:
        ins.add(Code.NULL_SET, "/view/setCompose", "The view names no set (setCompose is null).")
        return Facts("view", user or "")
    return Facts("view", user or "", set_id=ins.ref_id(payload, "setCompose", "/view"))


def _order_line(ins: _Inspector, line: Any, path: str) -> OrderLine | None:
    if not isinstance(line, dict):
        ins.add(Code.WRONG_TYPE, path, f"An order line must be an object, not {json_type(line)}.")
        return None
    sku = ins.text(line, "sku", path)
    quantity = ins.number(line, "quantity", path)
    if quantity is not None and quantity <= 0:
        ins.add(Code.NOT_POSITIVE, f"{path}/quantity", f"'quantity' must be > 0, not {quantity}.")
    price = ins.field(line, "grossPrice", path, "object")
    if price is None:
        return None
    amount = ins.number(price, "amount", f"{path}/grossPrice")
    currency = ins.field(price, "currency", f"{path}/grossPrice", "string")
    if currency is not None and currency not in CURRENCIES:
        ins.add(
            Code.UNKNOWN_CURRENCY,
            f"{path}/grossPrice/currency",
            f'"{currency}" is not an ISO 4217 currency code.',
        )
    if None in (sku, quantity, amount, currency) or quantity <= 0:
        return None
    return OrderLine(sku, quantity, amount, currency)


def _order(ins: _Inspector, event: dict, user: str | None) -> Facts | None:
    payload = ins.field(event, "order", "", "object")
    if payload is None:
        return None
    order_id = ins.text(payload, "id", "/order")
    lines = ins.field(payload, "lines", "/order", "array")
    parsed = [_order_line(ins, line, f"/order/lines/{i}") for i, line in enumerate(lines or ())]
    return Facts("order", user or "", order_id=order_id, lines=tuple(parsed))


def _api(ins: _Inspector, event: dict, user: str | None) -> Facts | None:
    payload = ins.field(event, "api", "", "object")
    if payload is None:
        return None
    ins.constant(payload, "type", "/api", "setCompose")
    ins.constant(payload, "action", "/api", "query")
    ins.field(payload, "arguments", "/api", "object", required=False)
    return Facts("api", user or "")


def _event_type(ins: _Inspector, event: dict) -> str | None:
    kind = ins.field(event, "type", "", "string")
    if kind is not None and kind not in EVENT_TYPES:
        ins.add(
            Code.UNKNOWN_EVENT_TYPE,
            "/type",
            f'Event type "{kind}" is not one of {", ".join(EVENT_TYPES)}.',
        )
        return None
    return kind


def diagnose(event: Any, time_fields: tuple[str, ...] = ()) -> tuple[Facts | None, list[Finding]]:
    """All findings for one decoded JSON value, and its facts when it has no error."""
    ins = _Inspector()
    if not isinstance(event, dict):
        ins.add(Code.NOT_AN_OBJECT, "", f"An event must be a JSON object, not {json_type(event)}.")
        return None, ins.findings
    kind = _event_type(ins, event)
    ctx = _Context()
    items = ins.field(event, "context", "", "array")
    ctx.readable = items is not None
    for index, item in enumerate(items or ()):
        _context_item(ins, item, f"/context/{index}", ctx)
    user = _resolve_user(ins, event, ctx)
    facts = None
    if kind == "interact":
        facts = _interact(ins, event, ctx, user)
    elif kind == "view":
        facts = _view(ins, event, user)
    elif kind == "order":
        facts = _order(ins, event, user)
    elif kind == "api":
        facts = _api(ins, event, user)
    if facts is None or any(f.severity == "error" for f in ins.findings):
        return None, ins.findings
    return _with_time(facts, event, time_fields), ins.findings


def _time_value(value: Any) -> TimeValue | None:
    if isinstance(value, Decimal):
        return float(value)
    if value is None or type(value) in (str, int):
        return value
    return UNUSABLE_TIME


def _with_time(facts: Facts, event: dict, time_fields: tuple[str, ...]) -> Facts:
    for name in time_fields:
        if name in event:
            return msgspec.structs.replace(facts, time=_time_value(event[name]))
    return facts
