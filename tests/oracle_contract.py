"""The contract's rule book in plain Python: a test oracle only, apart from the product.

The product's rule book is the Rust kernel (src/json.rs, src/rules.rs). This module is
written from the old Python rule book (contract/diagnose.py, removed in 0.2.0) and the
decisions of the issue, with nothing of the product's decoding: the stdlib `json`
module parses, and the catalogue and vocabulary are read as JSON files. It is held to
the kernel by tests/test_kernel_parity.py.

`check_line(line)` -> (valid, [(code, path, message), ...]), like `_core.check_line`.
Only the message of `invalid-json` is worded differently (the reason is Python's).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent.parent / "interact_cli"

# The deepest nesting accepted (arrays and objects, `[[]]` is 2); deeper is `too-deep`.
MAX_DEPTH = 1000
# The most values (scalars and containers, not keys) in one line; more: `too-many-values`.
MAX_VALUES = 1_000_000
# The findings of one line kept in full; the kernel counts the rest by code only.
MAX_FINDINGS = 100

with (PACKAGE / "problems.json").open(encoding="utf-8") as _file:
    _PROBLEMS = {p["code"]: p for p in json.load(_file)["problems"]}
with (PACKAGE / "vocabulary.json").open(encoding="utf-8") as _file:
    _VOCABULARY = json.load(_file)

SEVERITY = {code: p["severity"] for code, p in _PROBLEMS.items()}
CONTEXT_TYPES: list[str] = _VOCABULARY["context_types"]
CLICK: str = _VOCABULARY["actions"]["click"]
ADD_TO_CART: str = _VOCABULARY["actions"]["add_to_cart"]
CURRENCIES = frozenset(
    (_VOCABULARY["currencies_iso_4217"] + " " + _VOCABULARY["currencies_vendor_extra"]).split()
)

Finding = tuple[str, str, str]


# The most characters of one value a message shows (the kernel's MAX_VALUE_CHARS).
MAX_VALUE_CHARS = 200


def message(code: str, **values: Any) -> str:
    def shortened(value: Any) -> str:
        text = str(value)
        return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"

    return _PROBLEMS[code]["message"].format(**{k: shortened(v) for k, v in values.items()})


# --- JSON ------------------------------------------------------------------------------


class Number:
    """A JSON number, kept as its text: only the rules that read it convert it."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Number({self.text})"


class Object(dict):
    """A JSON object: the first value of each key, and how often repeated keys appear."""

    repeats: dict[str, int]


def _object(pairs: list[tuple[str, Any]]) -> Object:
    obj = Object()
    counts: dict[str, int] = {}
    for key, value in pairs:
        counts[key] = counts.get(key, 0) + 1
        if key not in obj:
            obj[key] = value
    obj.repeats = {key: n for key, n in counts.items() if n > 1}
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class NotJson(Exception):
    """The line is not accepted as JSON."""


class TooDeep(Exception):
    """Nested deeper than MAX_DEPTH."""


class TooMany(Exception):
    """More than MAX_VALUES values."""


def _has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(ch) < 0xE000 for ch in text)


def _strict_loads(text: str) -> Any:
    """json.loads with RFC 8259's rules and the kernel's: no NaN, no lone surrogates.

    Every string and key is checked for surrogates, also in the values of repeated keys
    that the object hook does not keep.
    """
    dropped: list[Any] = []

    def hook(pairs: list[tuple[str, Any]]) -> Object:
        seen = set()
        for key, value in pairs:
            if key in seen:
                dropped.append(value)
            seen.add(key)
        return _object(pairs)

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * MAX_DEPTH + 1000))
    try:
        value = json.loads(
            text,
            object_pairs_hook=hook,
            parse_int=Number,
            parse_float=Number,
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError) as error:
        raise NotJson(str(error)) from None
    finally:
        sys.setrecursionlimit(limit)
    stack = [value, *dropped]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _has_surrogate(item):
                raise NotJson("a lone surrogate escape")
        elif isinstance(item, dict):
            for key, member in item.items():
                if _has_surrogate(key):
                    raise NotJson("a lone surrogate escape in a key")
                stack.append(member)
        elif isinstance(item, list):
            stack.extend(item)
    return value


def _skip_token(text: str, at: int) -> int:
    """The end of a string (at its opening quote) or of a number or literal."""
    if text[at] == '"':
        at += 1
        while at < len(text) and text[at] != '"':
            at += 2 if text[at] == "\\" else 1
        return at + 1
    while at < len(text) and text[at] not in ",]}: \t\r\n":
        at += 1
    return at


def _limit_at(text: str) -> tuple[int, list[str], type[Exception]] | None:
    """Where a limit is first passed (outside strings): nesting past MAX_DEPTH at an
    opening bracket, or the value past MAX_VALUES, at its start for a container and its
    end for a scalar (the kernel reads a scalar before it counts it); the open brackets
    then, and which limit."""
    stack: list[str] = []
    values = 0
    key_next = False
    at = 0
    while at < len(text):
        ch = text[at]
        if ch == '"' and key_next:
            at, key_next = _skip_token(text, at), False
            continue
        if ch in "[{":
            if len(stack) == MAX_DEPTH:
                return at, stack, TooDeep
            values += 1
            if values > MAX_VALUES:
                return at, stack, TooMany
            stack.append(ch)
            key_next = ch == "{"
        elif ch in "]}":
            if not stack:
                return None  # a syntax error comes first
            stack.pop()
        elif ch == ",":
            key_next = bool(stack) and stack[-1] == "{"
        elif ch == '"' or ch in "-0123456789tfn":
            at = _skip_token(text, at)
            values += 1
            if values > MAX_VALUES:
                return at, stack, TooMany
            continue
        at += 1
    return None


def parse(line: bytes) -> Any:
    """The value of one line; raises NotJson, TooDeep or TooMany."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        raise NotJson(f"not UTF-8 at byte {error.start}") from None
    limit = _limit_at(text)
    if limit is not None:
        # The kernel stops at the first problem: a limit only if all before is JSON,
        # that is, if the closers (after a value in place of a bracket) make a document.
        at, stack, problem = limit
        closers = "".join("]" if ch == "[" else "}" for ch in reversed(stack))
        filler = " 0" if at < len(text) and text[at] in "[{" else ""
        try:
            _strict_loads(text[:at] + filler + closers)
        except NotJson as error:
            raise NotJson(f"{error} (before the limit)") from None
        raise problem
    return _strict_loads(text)


def kind_of(value: Any) -> str:
    """The JSON type name of a parsed value, as messages say it."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Number):
        return "number"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    raise TypeError(value)


ARTICLE = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


# --- rules -----------------------------------------------------------------------------


def near_miss(action: str) -> str | None:
    """The canonical action `action` misspells by case or separators, if any."""
    if action in (CLICK, ADD_TO_CART):
        return None
    squashed = "".join(ch.lower() for ch in action if ch not in " _-.")
    for canonical in (CLICK, ADD_TO_CART):
        if canonical.lower() == squashed:
            return canonical
    return None


def float_repr(value: float) -> str:
    return repr(value)


class _Context:
    def __init__(self) -> None:
        self.users: list[str] = []
        self.sets: list[str] = []
        self.has_user_item = False
        self.readable = False


class _Walk:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, code: str, path: str, text: str) -> None:
        self.findings.append((code, path, text))

    @property
    def errors(self) -> int:
        return sum(1 for code, _, _ in self.findings if SEVERITY[code] == "error")

    def wrong_type(self, path: str, subject: str, expected: str, actual: str) -> None:
        self.add(
            "wrong-type",
            path,
            message("wrong-type", subject=subject, expected=ARTICLE[expected], actual=actual),
        )

    def field(self, obj: Object, key: str, path: str, expected: str, required: bool) -> Any:
        """obj[key] if present once and of the expected type, else None (reported)."""
        where = f"{path}/{key}"
        if key not in obj:
            if required:
                self.add("missing-field", where, message("missing-field", key=key))
            return None
        count = obj.repeats.get(key, 1)
        if count > 1:
            self.add("duplicate-field", where, message("duplicate-field", key=key, count=count))
            return None
        value = obj[key]
        actual = kind_of(value)
        if actual != expected:
            self.wrong_type(where, f"'{key}'", expected, actual)
            return None
        return value

    def text(self, obj: Object, key: str, path: str, required: bool = True) -> str | None:
        value = self.field(obj, key, path, "string", required)
        if value == "":
            self.add("empty-string", f"{path}/{key}", message("empty-string", key=key))
            return None
        return value

    def number(self, obj: Object, key: str, path: str) -> float | None:
        value = self.field(obj, key, path, "number", True)
        if value is None:
            return None
        as_float = float(value.text)  # inf beyond the double range, never an error
        if as_float in (float("inf"), float("-inf")):
            why = "it does not fit a 64-bit float"
            self.add("out-of-range", f"{path}/{key}", message("out-of-range", key=key, why=why))
            return None
        return as_float

    def constant(self, obj: Object, key: str, path: str, expected: str) -> bool:
        value = self.field(obj, key, path, "string", True)
        if value is None:
            return False
        if value != expected:
            self.add(
                "invalid-value",
                f"{path}/{key}",
                message("invalid-value", key=key, expected=expected, value=value),
            )
            return False
        return True

    def ref_id(self, obj: Object, key: str, path: str) -> str | None:
        payload = self.field(obj, key, path, "object", True)
        return None if payload is None else self.text(payload, "id", f"{path}/{key}")

    def context_item(self, item: Any, path: str, ctx: _Context) -> None:
        if not isinstance(item, dict):
            self.wrong_type(path, "A context item", "object", kind_of(item))
            return
        kind = self.field(item, "type", path, "string", True)
        if kind is None:
            return
        if kind == "user":
            ctx.has_user_item = True
            user = self.ref_id(item, "user", path)
            if user is not None:
                ctx.users.append(user)
        elif kind == "setCompose":
            set_id = self.ref_id(item, "setCompose", path)
            if set_id is not None:
                ctx.sets.append(set_id)
        elif kind == "content":
            self.content_item(item, path, ctx)
        elif kind == "api":
            api = self.field(item, "api", path, "object", False)
            if api is not None:
                self.text(api, "id", f"{path}/api")
                self.field(api, "sourceIp", f"{path}/api", "string", False)
                self.field(api, "userAgent", f"{path}/api", "string", False)
        elif kind == "page":
            page = self.field(item, "page", path, "object", True)
            if page is not None:
                self.text(page, "url", f"{path}/page")
        elif kind == "session":
            self.ref_id(item, "session", path)
        elif kind == "widget":
            widget = self.field(item, "widget", path, "object", True)
            if widget is not None:
                self.text(widget, "id", f"{path}/widget")
                self.text(widget, "type", f"{path}/widget")
        else:
            self.add(
                "unknown-context-type",
                f"{path}/type",
                message(
                    "unknown-context-type",
                    what="Context item",
                    kind=kind,
                    known=", ".join(CONTEXT_TYPES),
                ),
            )

    def content_item(self, item: Object, path: str, ctx: _Context) -> None:
        content = self.field(item, "content", path, "object", True)
        if content is None:
            return
        inner = f"{path}/content"
        kind = self.field(content, "type", inner, "string", True)
        if kind is None:
            return
        if kind == "setCompose":
            set_id = self.ref_id(content, "setCompose", inner)
            if set_id is not None:
                ctx.sets.append(set_id)
        else:
            self.add(
                "unknown-context-type",
                f"{inner}/type",
                message("unknown-context-type", what="Content", kind=kind, known="setCompose"),
            )

    def resolve_user(self, event: Object, ctx: _Context) -> None:
        user_id = self.text(event, "userId", "", required=False)
        distinct = sorted(set(ctx.users))
        if len(distinct) > 1:
            self.add(
                "ambiguous-user",
                "/context",
                message("ambiguous-user", count=len(distinct), ids=", ".join(distinct)),
            )
            return
        if distinct:
            if user_id is not None and user_id != distinct[0]:
                self.add(
                    "user-mismatch",
                    "/userId",
                    message("user-mismatch", top=user_id, context=distinct[0]),
                )
            return
        if ctx.readable and not ctx.has_user_item and "userId" not in event:
            self.add("missing-user", "/context", message("missing-user"))

    def interact(self, event: Object, ctx: _Context) -> bool:
        payload = self.field(event, "interact", "", "object", True)
        sets = sorted(set(ctx.sets))
        if len(sets) > 1:
            self.add(
                "ambiguous-set",
                "/context",
                message("ambiguous-set", count=len(sets), ids=", ".join(sets)),
            )
        elif not ctx.sets and ctx.readable:
            self.add("no-set-context", "/context", message("no-set-context"))
        if payload is None:
            return False
        self.constant(payload, "type", "/interact", "product")
        product = self.field(payload, "product", "/interact", "object", True)
        if product is not None:
            self.text(product, "sku", "/interact/product")
        action = self.text(payload, "action", "/interact", required=False)
        if action is not None and (canonical := near_miss(action)) is not None:
            self.add(
                "action-near-miss",
                "/interact/action",
                message("action-near-miss", action=action, canonical=canonical),
            )
        return True

    def view(self, event: Object) -> bool:
        payload = self.field(event, "view", "", "object", True)
        if payload is None:
            return False
        self.constant(payload, "type", "/view", "setCompose")
        # Null set only when setCompose appears once and is null; repeated, it is
        # reported by the field helper as a duplicate.
        if (
            "setCompose" in payload
            and payload.repeats.get("setCompose", 1) == 1
            and payload["setCompose"] is None
        ):
            self.add("null-set", "/view/setCompose", message("null-set"))
            return True
        self.ref_id(payload, "setCompose", "/view")
        return True

    def order_line(self, line: Any, path: str) -> None:
        if not isinstance(line, dict):
            self.wrong_type(path, "An order line", "object", kind_of(line))
            return
        self.text(line, "sku", path)
        quantity = self.number(line, "quantity", path)
        if quantity is not None and quantity <= 0:
            self.add(
                "not-positive",
                f"{path}/quantity",
                message("not-positive", key="quantity", value=float_repr(quantity)),
            )
        price = self.field(line, "grossPrice", path, "object", True)
        if price is None:
            return
        inner = f"{path}/grossPrice"
        amount = self.number(price, "amount", inner)
        currency = self.field(price, "currency", inner, "string", True)
        if currency is not None and currency not in CURRENCIES:
            self.add(
                "unknown-currency", f"{inner}/currency", message("unknown-currency", value=currency)
            )
            return
        # The line's revenue in millionths must fit 64 bits, to be summed exactly.
        product = None if quantity is None or amount is None else quantity * amount * 1_000_000
        if (
            product is not None
            and quantity > 0
            and (not math.isfinite(product) or abs(round(product)) >= 2**63)
        ):
            why = "quantity × amount must stay below 9.2e12, to be summed exactly"
            self.add(
                "out-of-range",
                f"{inner}/amount",
                message("out-of-range", key="amount", why=why),
            )

    def order(self, event: Object) -> bool:
        payload = self.field(event, "order", "", "object", True)
        if payload is None:
            return False
        self.text(payload, "id", "/order")
        lines = self.field(payload, "lines", "/order", "array", True)
        for index, line in enumerate(lines or ()):
            self.order_line(line, f"/order/lines/{index}")
        return True

    def api(self, event: Object) -> bool:
        payload = self.field(event, "api", "", "object", True)
        if payload is None:
            return False
        self.constant(payload, "type", "/api", "setCompose")
        self.constant(payload, "action", "/api", "query")
        self.field(payload, "arguments", "/api", "object", False)
        return True

    def event_type(self, event: Object) -> str | None:
        kind = self.field(event, "type", "", "string", True)
        if kind is None:
            return None
        if kind not in ("interact", "view", "order", "api"):
            self.add("unknown-event-type", "/type", message("unknown-event-type", value=kind))
            return None
        return kind


def check_value(event: Any) -> tuple[bool, list[Finding]]:
    """The verdict and findings of one parsed value."""
    walk = _Walk()
    if not isinstance(event, dict):
        walk.add("not-an-object", "", message("not-an-object", actual=kind_of(event)))
        return False, walk.findings
    kind = walk.event_type(event)
    ctx = _Context()
    items = walk.field(event, "context", "", "array", True)
    ctx.readable = items is not None
    for index, item in enumerate(items or ()):
        walk.context_item(item, f"/context/{index}", ctx)
    walk.resolve_user(event, ctx)
    if kind is None:
        return False, walk.findings
    if kind == "interact":
        has_payload = walk.interact(event, ctx)
    elif kind == "view":
        has_payload = walk.view(event)
    elif kind == "order":
        has_payload = walk.order(event)
    else:
        has_payload = walk.api(event)
    return has_payload and walk.errors == 0, walk.findings


def check_line(line: bytes) -> tuple[bool, list[Finding]]:
    """The verdict and findings of one line's body (no newline), like `_core.check_line`."""
    try:
        value = parse(line)
    except NotJson as error:
        return False, [("invalid-json", "", message("invalid-json", reason=str(error)))]
    except TooDeep:
        return False, [("too-deep", "", message("too-deep", limit=MAX_DEPTH))]
    except TooMany:
        return False, [("too-many-values", "", message("too-many-values", limit=MAX_VALUES))]
    return check_value(value)


# --- files -----------------------------------------------------------------------------

# The longest line body read, in bytes; longer lines are `line-too-long`.
MAX_LINE = 64 * 1024 * 1024


def file_lines(data: bytes) -> list[bytes]:
    """The line bodies of a file: cut at '\\n', one '\\r' off, a BOM at its start dropped.

    Lines are counted before the BOM is dropped: a file of a BOM alone has one (blank)
    line, as the product has always counted (tests/test_properties.py).
    """
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    if lines:
        lines[0] = lines[0].removeprefix(b"\xef\xbb\xbf")
    return [line.removesuffix(b"\r") for line in lines]


def check_file(data: bytes, max_line: int = MAX_LINE) -> tuple[dict, list[tuple]]:
    """Counts of a file's lines, and its problems as (line, code, path, message)."""
    summary = dict(lines=0, valid=0, invalid=0, blank=0, warnings=0)
    problems: list[tuple] = []
    for number, body in enumerate(file_lines(data), 1):
        summary["lines"] += 1
        if not body.strip(b" \t") and len(body) <= max_line:
            summary["blank"] += 1
            continue
        if len(body) > max_line:
            text = message("line-too-long", size=len(body), limit=max_line)
            valid, findings = False, [("line-too-long", "", text)]
        else:
            valid, findings = check_line(body)
        summary["valid" if valid else "invalid"] += 1
        summary["warnings"] += sum(1 for code, _, _ in findings if SEVERITY[code] == "warning")
        problems.extend((number, *finding) for finding in findings[:MAX_FINDINGS])
    return summary, problems
