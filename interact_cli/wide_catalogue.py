"""The catalogue of `generate --products N`: SKUs, set ids and prices made when asked for,
so that ten events of a catalogue of ten million products cost ten, not ten million."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from typing import Any


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class Skus(Sequence[str]):
    """The SKUs of a wide catalogue (--products), each made when asked for: ten events of
    a catalogue of ten million products cost ten, not ten million."""

    def __init__(self, count: int) -> None:
        self.size = count

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, n: Any) -> Any:
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(self.size))]
        if not -self.size <= n < self.size:
            raise IndexError(n)
        n %= self.size
        return f"{100000 + n // 10000}-{n % 10000:04d}"


class SetIds(Sequence[str]):
    """The set ids of a wide catalogue, each a UUID drawn from its own seed when asked for."""

    def __init__(self, count: int, salt: int) -> None:
        self.size, self.salt = count, salt

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, n: Any) -> Any:
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(self.size))]
        if not -self.size <= n < self.size:
            raise IndexError(n)
        return _uuid(random.Random(f"{self.salt}:{n % self.size}"))


class Prices(dict[str, float]):
    """A product's price, drawn the first time it is sold."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, sku: str) -> float:
        price = self[sku] = round(self.rng.uniform(9.9, 199.0), 2)
        return price
