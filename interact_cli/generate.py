"""A deterministic generator of realistic exports, and of labelled broken lines."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from interact_cli.contract.vocabulary import DOCUMENTED_ACTIONS
from interact_cli.engine import Progress
from interact_cli.wide_catalogue import Prices, SetIds, Skus

Event = dict[str, Any]  # a generated event, before it is encoded

_ACTIONS = [*DOCUMENTED_ACTIONS, None, "addtocart", "add_to_cart", "Click"]
_ACTION_WEIGHTS = [50, 20, 6, 5, 4, 3, 10, 1, 0.5, 0.5]
_START = datetime(2026, 10, 1, tzinfo=UTC)
_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True)
class Broken:
    """A broken or suspicious line with the verdict and code `validate` must give it."""

    label: str
    verdict: str
    code: str
    line: bytes


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class _World:
    """Sets, products and users of a shop, all drawn from one seed."""

    def __init__(self, rng: random.Random, events: int, products: int | None = None) -> None:
        self.rng = rng
        scale = max(1, events // 5000)
        self.sets: Sequence[str]
        self.skus: Sequence[str]
        self.price: dict[str, float]
        self.products_of: dict[str, list[str]] = {}
        # Drawn in this order from the seed: the shipped sample_data/ depends on it.
        if products is None:
            self.sets = [_uuid(rng) for _ in range(min(40 * scale, 2000))]
            self.skus = [
                f"{rng.randrange(100000, 999999)}-{rng.randrange(1000, 9999)}"
                for _ in range(min(400 * scale, 20000))
            ]
        else:  # distinct SKUs, 8 to a set, met in turn (see _event), made as they are met
            self.skus = Skus(products)
            self.sets = SetIds(-(-products // 8), rng.getrandbits(64))
        self.users = [_uuid(rng) for _ in range(min(600 * scale, 100000))]
        if products is None:
            self.price = {sku: round(rng.uniform(9.9, 199.0), 2) for sku in self.skus}
            self.products_of = {s: rng.sample(self.skus, 8) for s in self.sets}
        else:
            self.price = Prices(random.Random(rng.getrandbits(64)))
        self.turn: int | None = None if products is None else 0
        self.carts: dict[str, list[str]] = {}
        self.recent_carters: list[str] = []
        self.clock = _START

    def tick(self) -> str:
        """The next event time, a few seconds after the last."""
        self.clock += timedelta(milliseconds=self.rng.randrange(0, 4000))
        return self.clock.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _context(
    world: _World, user: str, set_id: str | None, dialect: int
) -> tuple[list[Event], Event]:
    """A context array in one of the three dialects, and extra top-level fields."""
    rng = world.rng
    items: list[Event] = []
    top: Event = {}
    if set_id is not None:
        if dialect == 3:
            items.append(
                {"type": "content", "content": {"type": "setCompose", "setCompose": {"id": set_id}}}
            )
        else:
            items.append({"type": "setCompose", "setCompose": {"id": set_id}})
    if dialect == 1:
        top["userId"] = user
        items.append({"type": "api"})
    else:
        items.append({"type": "user", "user": {"id": user}})
    if rng.random() < 0.2:
        items.append(
            {"type": "page", "page": {"url": f"https://shop.example/p/{rng.randrange(1000)}"}}
        )
    if rng.random() < 0.1:
        items.append({"type": "widget", "widget": {"id": "pdp-set", "type": "setCompose"}})
    return items, top


def _event(world: _World) -> Event:
    rng = world.rng
    user = rng.choice(world.users)
    set_id = rng.choice(world.sets)
    roll = rng.random()
    dialect = rng.choice((1, 2, 3))
    if roll < 0.55:
        context, top = _context(world, user, None, dialect)
        body = {"view": {"type": "setCompose", "setCompose": {"id": set_id}}}
    elif roll < 0.90:
        if world.turn is None:
            sku = rng.choice(world.products_of[set_id])
        else:  # every product in turn: a wide catalogue is all met
            sku = world.skus[world.turn % len(world.skus)]
            set_id = world.sets[(world.turn % len(world.skus)) // 8]
            world.turn += 1
        action = rng.choices(_ACTIONS, _ACTION_WEIGHTS)[0]
        interact: Event = {"type": "product", "product": {"sku": sku}}
        if action is not None:
            interact["action"] = action
        if action == "addToCart":
            world.carts.setdefault(user, []).append(sku)
            world.recent_carters = [*world.recent_carters[-200:], user]
        attributed = rng.random() >= 0.02
        context, top = _context(world, user, set_id if attributed else None, dialect)
        body = {"interact": interact}
    elif roll < 0.98:
        if world.recent_carters and rng.random() < 0.7:
            user = rng.choice(world.recent_carters)
        context, top = _context(world, user, None, dialect)
        body = {"order": _order(world, user)}
    else:
        context, top = _context(world, user, None, dialect)
        body = {"api": {"type": "setCompose", "action": "query", "arguments": {"limit": 8}}}
    kind = next(iter(body))
    return {
        "type": kind,
        **body,
        "context": context,
        **top,
        "timestamp": world.tick(),
        "eventId": _uuid(rng),
    }


def _order(world: _World, user: str) -> Event:
    rng = world.rng
    carted = world.carts.pop(user, [])
    skus = (
        carted[: rng.randrange(1, 4)]
        if carted and rng.random() < 0.8
        else rng.sample(world.skus, min(len(world.skus), rng.randrange(1, 3)))
    )
    currency = "EUR" if rng.random() < 0.85 else "CHF"
    lines = [
        {
            "sku": sku,
            "quantity": rng.randrange(1, 4),
            "grossPrice": {"amount": world.price[sku], "currency": currency},
        }
        for sku in skus
    ]
    return {"id": f"o-{rng.randrange(10**9)}", "lines": lines}


def broken_catalogue(world_seed: int = 7) -> list[Broken]:
    """One broken or suspicious line per problem code, with what `validate` must say."""
    rng = random.Random(world_seed)
    world = _World(rng, 5000)
    good = _encode(_event_good_interact(world))

    def mutate(change: Callable[[Event], object]) -> bytes:
        event = msgspec.json.decode(good)
        change(event)
        return _encode(event)

    def set_item(event: Event, set_id: object) -> None:
        event["context"].append({"type": "setCompose", "setCompose": {"id": set_id}})

    E, W = "invalid", "valid"
    return [
        Broken("truncated line", E, "invalid-json", good[: len(good) // 2]),
        Broken("trailing comma", E, "invalid-json", good[:-1] + b",}"),
        Broken("NaN is not JSON", E, "invalid-json", good[:-1] + b',"score":NaN}'),
        Broken("invalid UTF-8 in a string", E, "invalid-json", good[:-1] + b',"note":"\xff\xfe"}'),
        Broken("array, not an object", E, "not-an-object", b"[" + good + b"]"),
        Broken("no event type", E, "missing-field", mutate(lambda e: e.pop("type"))),
        Broken("no context", E, "missing-field", mutate(lambda e: e.pop("context"))),
        Broken(
            "sku is a number",
            E,
            "wrong-type",
            mutate(lambda e: e["interact"]["product"].update(sku=654321)),
        ),
        Broken(
            "event type is an action",
            E,
            "unknown-event-type",
            mutate(lambda e: e.update(type="click")),
        ),
        Broken(
            "interaction with a category",
            E,
            "invalid-value",
            mutate(lambda e: e["interact"].update(type="category")),
        ),
        Broken(
            "empty sku",
            E,
            "empty-string",
            mutate(lambda e: e["interact"]["product"].update(sku="")),
        ),
        Broken(
            "no user anywhere",
            E,
            "missing-user",
            mutate(
                lambda e: (
                    e.pop("userId", None),
                    e.update(context=[c for c in e["context"] if c["type"] != "user"]),
                )
            ),
        ),
        Broken(
            "two different sets", E, "ambiguous-set", mutate(lambda e: set_item(e, world.sets[1]))
        ),
        Broken(
            "two different users",
            E,
            "ambiguous-user",
            mutate(lambda e: e["context"].append({"type": "user", "user": {"id": "someone-else"}})),
        ),
        Broken("order quantity 0", E, "not-positive", _encode(_order_event(world, quantity=0))),
        Broken(
            "currency is not ISO 4217",
            E,
            "unknown-currency",
            _encode(_order_event(world, currency="EURO")),
        ),
        Broken(
            "view without setCompose (docs line 7)",
            E,
            "missing-field",
            _encode(
                {
                    "type": "view",
                    "view": {"type": "setCompose"},
                    "context": [{"type": "user", "user": {"id": world.users[0]}}],
                }
            ),
        ),
        Broken(
            "action near miss",
            W,
            "action-near-miss",
            mutate(lambda e: e["interact"].update(action="add_to_cart")),
        ),
        Broken(
            "interaction without a set",
            W,
            "no-set-context",
            mutate(lambda e: e.update(context=[c for c in e["context"] if c["type"] == "user"])),
        ),
        Broken(
            "view of a null set",
            W,
            "null-set",
            _encode(
                {
                    "type": "view",
                    "view": {"type": "setCompose", "setCompose": None},
                    "context": [{"type": "user", "user": {"id": world.users[0]}}],
                }
            ),
        ),
        Broken(
            "userId differs from user item",
            W,
            "user-mismatch",
            mutate(lambda e: e.update(userId="another-user")),
        ),
        Broken(
            "unknown context item",
            W,
            "unknown-context-type",
            mutate(
                lambda e: e["context"].append({"type": "experiment", "experiment": {"id": "b"}})
            ),
        ),
    ]


def _event_good_interact(world: _World) -> Event:
    set_id = world.sets[0]
    user = world.users[0]
    context, _ = _context(world, user, set_id, 2)
    sku = world.products_of[set_id][0]
    return {
        "type": "interact",
        "interact": {"action": "click", "type": "product", "product": {"sku": sku}},
        "context": context,
    }


def _order_event(world: _World, quantity: int = 1, currency: str = "EUR") -> Event:
    line = {
        "sku": world.skus[0],
        "quantity": quantity,
        "grossPrice": {"amount": 59.9, "currency": currency},
    }
    return {
        "type": "order",
        "order": {"id": "o-1", "lines": [line]},
        "context": [{"type": "user", "user": {"id": world.users[0]}}],
    }


def generate_lines(
    events: int, seed: int = 1, broken_ratio: float = 0.0, products: int | None = None
) -> Iterator[bytes]:
    """`events` lines of a realistic export; about `broken_ratio` of them broken. With
    `products`, a catalogue of that many SKUs whose interactions meet each in turn."""
    rng = random.Random(seed)
    world = _World(rng, events, products)
    catalogue = [b for b in broken_catalogue(seed) if b.verdict == "invalid"]
    for _ in range(events):
        if broken_ratio and rng.random() < broken_ratio:
            yield rng.choice(catalogue).line
        else:
            yield _encode(_event(world))


def write_export(
    events: int,
    seed: int,
    broken_ratio: float,
    path: str | None,
    progress: Progress | None = None,
    products: int | None = None,
) -> None:
    """Write a generated export to stdout (None or '-'), a stream, or a file (atomically)."""
    from interact_cli.sinks import open_output

    if progress is not None:
        progress.begin(events)
    try:
        with open_output(path) as stream:
            for count, line in enumerate(
                generate_lines(events, seed, broken_ratio, products), start=1
            ):
                stream.write(line + b"\n")
                if progress is not None and count % 10_000 == 0:
                    progress.update(count)
    finally:
        if progress is not None:
            progress.end()


def broken_sample(seed: int = 7) -> tuple[bytes, list[tuple[int, str, str, str]]]:
    """A file of labelled broken lines among good ones, and its labels (line, verdict, code, label).

    It starts with a UTF-8 BOM and holds blank, whitespace-only and CRLF lines too.
    """
    good = list(generate_lines(6, seed))
    parts: list[bytes] = []
    labels: list[tuple[int, str, str, str]] = []

    def add(raw: bytes, verdict: str, code: str, label: str) -> None:
        parts.append(raw)
        labels.append((len(parts), verdict, code, label))

    add(b"\xef\xbb\xbf" + good[0] + b"\n", "valid", "", "good line after a UTF-8 BOM")
    add(b"\n", "blank", "", "empty line")
    add(good[1] + b"\r\n", "valid", "", "good line ending in CRLF")
    add(b" \t \n", "blank", "", "spaces and a tab only")
    for i, broken in enumerate(broken_catalogue(seed)):
        add(broken.line + b"\n", broken.verdict, broken.code, broken.label)
        if i % 5 == 4:
            add(good[2 + i % 4] + b"\n", "valid", "", "good line")
    for code, line, label in _rules_and_limits(good[2]):
        add(line + b"\n", "invalid", code, label)
    add(good[5], "valid", "", "good last line without a final newline")
    return b"".join(parts), labels


def _rules_and_limits(good: bytes) -> list[tuple[str, bytes, str]]:
    """Lines of the codes added after the catalogue: two rules and the nesting limit."""
    event = msgspec.json.decode(good)
    first = msgspec.json.encode(event).decode()
    twice = first.replace('"type":', '"type":"view","type":', 1).encode()
    order = {
        "type": "order",
        "order": {"id": "o-1", "lines": [{"sku": "k1", "quantity": 1, "grossPrice": {}}]},
        "context": [{"type": "user", "user": {"id": "u1"}}],
    }
    huge = _encode(order).replace(
        b'"grossPrice":{}', b'"grossPrice":{"amount":1e400,"currency":"EUR"}'
    )
    deep = b'{"type":"view","pad":' + b"[" * 1001 + b"]" * 1001 + b"}"
    return [
        ("duplicate-field", twice, "the event's type written twice"),
        ("out-of-range", huge, "an amount beyond a 64-bit float (1e400)"),
        ("too-deep", deep, "1,001 levels of nesting"),
    ]


def limit_lines() -> bytes:
    """Two lines of the reader's limits, megabytes each: more than 1,000,000 values, and
    a line over 64 MiB (sample_data/limits.ndjson.gz holds them, compressed)."""
    many = b'{"type":"view","pad":[' + b"0," * 1_000_000 + b"0]}"
    long = b'{"type":"view","pad":"' + b"x" * (64 * 1024 * 1024) + b'"}'
    return many + b"\n" + long + b"\n"
