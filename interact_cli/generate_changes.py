"""A generated export for `compare`: two weeks of shopping sessions by users who differ,
with changes planted in the second week.

Each user has their own click and add-to-cart propensity (Gamma, mean 1) and activity,
so clicks cluster within users as they do in real exports; each set has its own rates
and popularity (log-normal). With `plant` = (N, factor), the N most popular sets have
both their click-through and cart-per-click rates multiplied by `factor` from the
second week on: `compare --baseline` the first week `--current` the second should flag
them, and (N = 0) nothing else beyond the false discovery rate.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from interact_cli.engine import Progress

START = datetime(2026, 10, 1, tzinfo=UTC)
DAYS = 14
"""Days generated: the first 7 are the baseline week, the last 7 the current one."""
_MICROS_A_DAY = 86_400_000_000


def parse_plant(text: str) -> tuple[int, float]:
    """--plant N:FACTOR as (N, FACTOR): a count of sets and a positive factor."""
    from interact_cli.errors import OptionError, shortened

    count, colon, factor = text.partition(":")
    try:
        planted = int(count), float(factor)
    except ValueError:
        planted = (-1, 0.0)
    if not colon or planted[0] < 0 or not 0 < planted[1] < 1000:  # NaN fails too
        raise OptionError(
            f"--plant {shortened(text)!r}: give N:FACTOR, e.g. 10:0.7 (a 30% drop in 10 sets)"
        )
    return planted


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _time(micros: int) -> str:
    moment = START + timedelta(microseconds=micros)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _line(kind: str, body: str, set_id: str, user: str, micros: int, rng: random.Random) -> str:
    """One event in one of the three context dialects (the set's item only with an
    interaction: a view names its set in its body)."""
    dialect = rng.randrange(3)
    items = []
    if kind == "interact":
        item = f'{{"type":"setCompose","setCompose":{{"id":"{set_id}"}}}}'
        items.append(f'{{"type":"content","content":{item}}}' if dialect == 2 else item)
    top = ""
    if dialect == 0:
        items.append('{"type":"api"}')
        top = f',"userId":"{user}"'
    else:
        items.append(f'{{"type":"user","user":{{"id":"{user}"}}}}')
    return (
        f'{{"type":"{kind}","{kind}":{body},"context":[{",".join(items)}]{top},'
        f'"timestamp":"{_time(micros)}","eventId":"{_uuid(rng)}"}}'
    )


class _Shop:
    """Sets (rates, popularity, products) and users (propensities, activity)."""

    def __init__(self, rng: random.Random, events: int, sets: int, plant: tuple[int, float]):
        self.rng = rng
        self.sets = [_uuid(rng) for _ in range(sets)]
        popularity = sorted((rng.lognormvariate(0, 1) for _ in range(sets)), reverse=True)
        self.set_weights = _cumulative(popularity)
        self.ctr = [rng.uniform(0.25, 0.45) for _ in range(sets)]
        self.cpc = [rng.uniform(0.2, 0.4) for _ in range(sets)]
        self.products = [
            [f"{rng.randrange(100000, 999999)}-{rng.randrange(1000, 9999)}" for _ in range(8)]
            for _ in range(sets)
        ]
        users = max(50, events // 40)
        self.users = [_uuid(rng) for _ in range(users)]
        self.user_weights = _cumulative([rng.gammavariate(0.7, 1 / 0.7) for _ in range(users)])
        self.clicky = [rng.gammavariate(2.0, 0.5) for _ in range(users)]
        self.carty = [rng.gammavariate(2.0, 0.5) for _ in range(users)]
        count, factor = plant
        self.planted = set(range(min(count, sets)))  # the most popular sets
        self.factor = factor

    def session(self, day: int) -> list[tuple[int, str]]:
        """One user's visit to one set on a day: its events as (time, line)."""
        rng = self.rng
        (s,) = rng.choices(range(len(self.sets)), cum_weights=self.set_weights)
        (u,) = rng.choices(range(len(self.users)), cum_weights=self.user_weights)
        set_id, user = self.sets[s], self.users[u]
        at = day * _MICROS_A_DAY + rng.randrange(_MICROS_A_DAY)
        factor = self.factor if s in self.planted and at >= 7 * _MICROS_A_DAY else 1.0
        views = 1 + _poisson(rng, 1.5)
        clicks = _poisson(rng, views * self.ctr[s] * self.clicky[u] * factor)
        cart = min(1.0, self.cpc[s] * self.carty[u] * factor)
        out = []
        view = f'{{"type":"setCompose","setCompose":{{"id":"{set_id}"}}}}'
        for _ in range(views):
            out.append((at, _line("view", view, set_id, user, at, rng)))
            at += rng.randrange(1_000_000, 20_000_000)
        for _ in range(clicks):
            sku = rng.choice(self.products[s])
            actions = ["click"] + (["addToCart"] if rng.random() < cart else [])
            for action in actions:
                body = f'{{"type":"product","product":{{"sku":"{sku}"}},"action":"{action}"}}'
                out.append((at, _line("interact", body, set_id, user, at, rng)))
                at += rng.randrange(1_000_000, 30_000_000)
        return out


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: the means here are small)."""
    if mean <= 0:
        return 0
    limit, k, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def change_lines(
    events: int, seed: int = 1, sets: int = 200, plant: tuple[int, float] = (0, 1.0)
) -> tuple[list[str], Iterator[str]]:
    """The planted sets' ids, and `events` lines, a day at a time in time order (a
    day's sessions are made until it has its share, then sorted: memory for one day)."""
    rng = random.Random(seed)
    shop = _Shop(rng, events, sets, plant)
    planted = [shop.sets[s] for s in sorted(shop.planted)]

    def lines() -> Iterator[str]:
        """The lines, day after day."""
        for day in range(DAYS):
            share = events * (day + 1) // DAYS - events * day // DAYS
            made: list[tuple[int, str]] = []
            while len(made) < share:
                made.extend(shop.session(day))
            del made[share:]  # the day's last session may be cut
            made.sort(key=lambda event: event[0])
            yield from (line for _, line in made)

    return planted, lines()


def write_changes(
    events: int,
    seed: int,
    path: str | None,
    sets: int = 200,
    plant: tuple[int, float] = (0, 1.0),
    progress: Progress | None = None,
) -> list[str]:
    """Write the export to stdout (None or '-') or a file (atomically); the planted
    sets' ids."""
    from interact_cli.sinks import open_output

    planted, lines = change_lines(events, seed, sets, plant)
    if progress is not None:
        progress.begin(events)
    try:
        with open_output(path) as stream:
            for count, line in enumerate(lines, start=1):
                stream.write(line.encode() + b"\n")
                if progress is not None and count % 10_000 == 0:
                    progress.update(count)
    finally:
        if progress is not None:
            progress.end()
    return planted
