"""A plain-Python report oracle, written apart from the kernel and Polars, for exact comparison.

Lines are judged by the test oracle of the contract (`oracle_contract`, stdlib json) and
times parsed by Python's `datetime.fromisoformat`, not by the product's code.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from . import oracle_contract as contract

TIME_FIELD_CANDIDATES = ("timestamp", "receivedAt", "time")  # as documented, written here

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(value: object) -> int | None:
    """Microseconds since the epoch of a time field value, or None if it is not a time."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        delta = moment - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, float) and math.isfinite(value):
        seconds = value / 1000 if abs(value) > 1e11 else value
        if abs(seconds) < 253_402_300_800:  # before year 10000
            return round(seconds * 1_000_000)
    return None


def _iso(moment: int, tz: str) -> str:
    return (_EPOCH + timedelta(microseconds=moment)).astimezone(ZoneInfo(tz)).isoformat()


def parse_bound(text: str, end_of_day: bool = False, tz: str = "UTC") -> int:
    """A --since/--until bound as Python reads it: a bare date is its local midnight in
    `tz` (a bare --until date: the next day's), a time without an offset its wall clock
    in `tz` (zones without a gap or repeat at midnight only: the tests' own)."""
    if len(text) == 10:
        day = date.fromisoformat(text) + timedelta(days=1 if end_of_day else 0)
        local = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(tz))
    else:
        local = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if local.tzinfo is None:
            local = local.replace(tzinfo=ZoneInfo(tz))
    return (local - _EPOCH) // timedelta(microseconds=1)


def _time_value(event: dict, time_fields: tuple[str, ...]) -> Any:
    """The first present time field's value: str, float, None (null) or a marker."""
    for name in time_fields:
        if name in event:
            if getattr(event, "repeats", {}).get(name, 1) > 1:
                return "<written twice>"  # ambiguous: no time is read
            value = event[name]
            if isinstance(value, contract.Number):
                return float(value.text)
            if value is None or isinstance(value, str):
                return value
            return "<not a string or number>"
    return None


def facts_of(event: dict, time_fields: tuple[str, ...]) -> SimpleNamespace:
    """What the report reads from a valid event."""
    users = [i["user"]["id"] for i in event["context"] if i.get("type") == "user"]
    sets = set()
    for item in event["context"]:
        if item.get("type") == "setCompose":
            sets.add(item["setCompose"]["id"])
        elif item.get("type") == "content" and item["content"].get("type") == "setCompose":
            sets.add(item["content"]["setCompose"]["id"])
    kind = event["type"]
    facts = SimpleNamespace(
        kind=kind,
        user=users[0] if users else event.get("userId"),
        set_id=None,
        sku=None,
        action=None,
        lines=[],
        time=_time_value(event, time_fields),
    )
    if kind == "interact":
        facts.set_id = next(iter(sets)) if len(sets) == 1 else None
        facts.sku = event["interact"]["product"]["sku"]
        facts.action = event["interact"].get("action")
    elif kind == "view":
        payload = event["view"]["setCompose"]
        facts.set_id = None if payload is None else payload["id"]
    elif kind == "order":
        facts.lines = [
            SimpleNamespace(
                sku=line["sku"],
                quantity=float(line["quantity"].text),
                amount=float(line["grossPrice"]["amount"].text),
                currency=line["grossPrice"]["currency"],
            )
            for line in event["order"]["lines"]
        ]
    return facts


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


Z = 1.959964


def ratio_interval(a: int, b: int) -> tuple[float | None, float | None]:
    """The Wilson interval of a/(a+b), in its textbook form, mapped to a ratio a/b."""
    if b == 0:
        return None, None
    n = a + b
    root = Z * math.sqrt(a * b / n + Z * Z / 4)
    low_p = (a + Z * Z / 2 - root) / (n + Z * Z)
    high_p = (a + Z * Z / 2 + root) / (n + Z * Z)
    low_p = 0.0 if a == 0 else low_p
    return low_p / (1 - low_p), high_p / (1 - high_p)


def with_rates(row: dict) -> dict:
    """A row with its rates, their intervals and low_sample, in the documented order."""
    out = {k: v for k, v in row.items() if k not in ("ordered", "order_revenue")}
    if "views" in row:
        out["ctr"] = _rate(row["click"], row["views"])
        out["ctr_low"], out["ctr_high"] = ratio_interval(row["click"], row["views"])
    out["cart_per_click"] = _rate(row["addToCart"], row["click"])
    low, high = ratio_interval(row["addToCart"], row["click"])
    out["cart_per_click_low"], out["cart_per_click_high"] = low, high
    out["low_sample"] = row["click"] < 30
    for key in ("ordered", "order_revenue"):
        if key in row:
            out[key] = row[key]
    return out


class Close(float):
    """An interval bound that equals another within 1e-9 (relative): the product and the
    oracle compute it by different, equally valid float arithmetic."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, float) and math.isclose(self, other, rel_tol=1e-9, abs_tol=0)

    __hash__ = float.__hash__


def comparable(document: dict) -> dict:
    """A report document whose interval bounds compare as `Close` to the oracle's."""

    def fix(row: dict) -> dict:
        bound = ("_low", "_high")
        return {k: Close(v) if k.endswith(bound) and v is not None else v for k, v in row.items()}

    return {
        key: value if key == "summary" else [fix(row) for row in value]
        for key, value in document.items()
    }


def period_of(moment: int | None, interval: str, tz: str) -> str:
    """The label of the period holding a moment, by the local calendar of `tz`."""
    if moment is None:
        return "unknown"
    local = (_EPOCH + timedelta(microseconds=moment)).astimezone(ZoneInfo(tz)).date()
    if interval == "week":
        local -= timedelta(days=local.weekday())
    elif interval == "month":
        local = local.replace(day=1)
    return local.isoformat()


def _bucket(action: str | None) -> str:
    return action if action in ("click", "addToCart") else "other"


def _physical_lines(data: bytes) -> list[bytes]:
    data = data.removeprefix(b"\xef\xbb\xbf")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def oracle_report(
    files: list[bytes],
    time_field: str | None = None,
    since: str | None = None,
    until: str | None = None,
    interval: str | None = None,
    tz: str = "UTC",
    table: str = "sets",
) -> dict:
    """The report document of the given file contents, computed with dicts and sets."""
    time_fields = (time_field,) if time_field else TIME_FIELD_CANDIDATES
    low = parse_bound(since, False, tz) if since else None
    high = parse_bound(until, True, tz) if until else None
    window = low is not None or high is not None
    summary = dict(lines=0, valid=0, invalid=0, blank=0, warnings=0)
    events = dict(interact=0, view=0, order=0, api=0)
    counts = defaultdict(lambda: dict(click=0, addToCart=0, other=0))  # (set|None, sku)
    # (period, set|None, sku) -> buckets; (period, set|None) -> views
    period_counts = defaultdict(lambda: dict(click=0, addToCart=0, other=0))
    period_views = defaultdict(int)
    views, set_users, sku_users, sku_sets = (
        defaultdict(int),
        defaultdict(set),
        defaultdict(set),
        defaultdict(set),
    )
    users, carts, orders = set(), [], []
    unattributed = untimed = outside = seq = 0
    saw_time = False
    for data in files:
        for body in _physical_lines(data):
            summary["lines"] += 1
            if not body.strip(b" \t"):
                summary["blank"] += 1
                continue
            valid, findings = contract.check_line(body)
            summary["warnings"] += sum(1 for f in findings if contract.SEVERITY[f[0]] == "warning")
            if not valid:
                summary["invalid"] += 1
                continue
            summary["valid"] += 1
            facts = facts_of(contract.parse(body), time_fields)
            saw_time = saw_time or facts.time is not None
            moment = parse_time(facts.time)
            # untimed: every event when a range is given, else add-to-carts and orders.
            needs_time = (
                window
                or facts.kind == "order"
                or (
                    facts.kind == "interact"
                    and facts.set_id is not None
                    and facts.action == "addToCart"
                )
            )
            if moment is None and needs_time:
                untimed += 1
            if window:
                if moment is None:
                    continue
                if (low is not None and moment < low) or (high is not None and moment >= high):
                    outside += 1
                    continue
            seq += 1
            events[facts.kind] += 1
            users.add(facts.user)
            period = period_of(moment, interval, tz) if interval else None
            if facts.kind == "view":
                period_views[(period, facts.set_id)] += 1
            if facts.kind == "interact":
                counts[(facts.set_id, facts.sku)][_bucket(facts.action)] += 1
                period_counts[(period, facts.set_id, facts.sku)][_bucket(facts.action)] += 1
                sku_users[facts.sku].add(facts.user)
                if facts.set_id is None:
                    unattributed += 1
                    continue
                set_users[facts.set_id].add(facts.user)
                sku_sets[facts.sku].add(facts.set_id)
                if facts.action == "addToCart":
                    carts.append((facts.user, facts.sku, facts.set_id, seq, moment))
            elif facts.kind == "view" and facts.set_id is not None:
                views[facts.set_id] += 1
            elif facts.kind == "order":
                for line in facts.lines:
                    micros = round(line.quantity * line.amount * 1_000_000)
                    orders.append((facts.user, line.sku, seq, moment, micros, line.currency))
    timed = saw_time or time_field is not None or window
    ordered, revenue = defaultdict(int), defaultdict(lambda: defaultdict(int))
    for user, sku, order_seq, order_moment, micros, currency in orders:
        order_t = order_moment if timed else order_seq
        earliest: dict[str, int] = {}
        for c_user, c_sku, c_set, cart_seq, cart_moment in carts:
            cart_t = cart_moment if timed else cart_seq
            if c_user == user and c_sku == sku and cart_t is not None:
                earliest[c_set] = min(earliest.get(c_set, cart_t), cart_t)
        for set_id, cart_t in earliest.items():
            if order_t is not None and cart_t < order_t:
                ordered[set_id] += 1
                revenue[set_id][currency] += micros
    set_totals = defaultdict(lambda: dict(click=0, addToCart=0, other=0))
    sku_totals = defaultdict(lambda: dict(click=0, addToCart=0, other=0))
    set_products = []
    for (set_id, sku), c in counts.items():
        for bucket, n in c.items():
            sku_totals[sku][bucket] += n
            if set_id is not None:
                set_totals[set_id][bucket] += n
        if set_id is not None:
            total = c["click"] + c["addToCart"] + c["other"]
            set_products.append(with_rates(dict(set_id=set_id, sku=sku, **c, interactions=total)))
    sets = []
    for set_id in set(set_totals) | set(views):
        c = set_totals[set_id]
        sets.append(
            with_rates(
                dict(
                    set_id=set_id,
                    views=views[set_id],
                    **c,
                    interactions=sum(c.values()),
                    users=len(set_users[set_id]),
                    ordered=ordered[set_id],
                    order_revenue={k: v / 1_000_000 for k, v in sorted(revenue[set_id].items())},
                )
            )
        )
    products = [
        with_rates(
            dict(
                sku=sku,
                sets=len(sku_sets[sku]),
                **c,
                interactions=sum(c.values()),
                users=len(sku_users[sku]),
            )
        )
        for sku, c in sku_totals.items()
    ]
    sets.sort(key=lambda r: (-r["interactions"], r["set_id"]))
    products.sort(key=lambda r: (-r["interactions"], r["sku"]))
    set_products.sort(key=lambda r: (-r["interactions"], r["set_id"], r["sku"]))
    document = {
        "summary": {
            **summary,
            "events": events,
            "unattributed": unattributed,
            "sets": len(sets),
            "products": len(products),
            "users": len(users),
            "currencies": sorted({o[5] for o in orders}),
            "time_field": time_field or "auto (" + ", ".join(TIME_FIELD_CANDIDATES) + ")",
            "attribution_basis": "time" if timed else "file order",
            "untimed": untimed if timed else 0,
            "outside_time_range": outside,
            "interval": interval,
            "tz": tz,
            "since": None if low is None else _iso(low, tz),
            "until": None if high is None else _iso(high, tz),
        },
        "sets": sets,
        "products": products,
        "set_products": set_products,
    }
    if interval:
        document.update(_trends(document, period_counts, period_views, table))
    return document


def _trends(document: dict, period_counts: dict, period_views: dict, table: str) -> dict:
    """`trend` and `<table>_trend`: counts per period (unknown last), rows in table order."""
    key_of = {
        "sets": lambda s, sku: None if s is None else (s,),
        "products": lambda s, sku: (sku,),
        "set_products": lambda s, sku: None if s is None else (s, sku),
    }[table]
    ids = {"sets": ("set_id",), "products": ("sku",), "set_products": ("set_id", "sku")}[table]
    rank = {tuple(row[i] for i in ids): n for n, row in enumerate(document[table])}
    whole = defaultdict(lambda: dict(views=0, click=0, addToCart=0, other=0))
    per_row = defaultdict(lambda: dict(click=0, addToCart=0, other=0))
    for (period, set_id), n in period_views.items():
        whole[period]["views"] += n
        if table == "sets" and set_id is not None:
            per_row[(period, (set_id,))].setdefault("views", 0)
            per_row[(period, (set_id,))]["views"] += n
    for (period, set_id, sku), c in period_counts.items():
        key = key_of(set_id, sku)
        for bucket, n in c.items():
            whole[period][bucket] += n
            if key is not None:
                per_row[(period, key)][bucket] += n
    order = lambda period: (period == "unknown", period)  # noqa: E731
    trend = [
        with_rates(
            dict(
                period=p,
                views=c["views"],
                click=c["click"],
                addToCart=c["addToCart"],
                other=c["other"],
                interactions=c["click"] + c["addToCart"] + c["other"],
            )
        )
        for p, c in sorted(whole.items(), key=lambda item: order(item[0]))
    ]
    rows = []
    for (period, key), c in sorted(per_row.items(), key=lambda i: (order(i[0][0]), rank[i[0][1]])):
        row = dict(period=period, **dict(zip(ids, key, strict=True)))
        if table == "sets":
            row["views"] = c.get("views", 0)
        row.update(click=c["click"], addToCart=c["addToCart"], other=c["other"])
        row["interactions"] = c["click"] + c["addToCart"] + c["other"]
        rows.append(with_rates(row))
    name = {"sets": "set_trend", "products": "product_trend", "set_products": "set_product_trend"}
    return {"trend": trend, name[table]: rows}
