"""The catalogue of `generate --products N`: SKUs, set ids and prices made when asked for,
so that ten events of a catalogue of ten million products cost ten, not ten million."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from typing import Any


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class _Made(Sequence[str]):
    """A sequence of `size` strings, each made from its index when asked for."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, n: Any) -> Any:
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(self.size))]
        if not -self.size <= n < self.size:
            raise IndexError(n)
        return self.make(n % self.size)

    def make(self, n: int) -> str:
        """The string at index `n` (0 <= n < size)."""
        raise NotImplementedError


class Skus(_Made):
    """The SKUs of a wide catalogue (--products)."""

    def make(self, n: int) -> str:
        """SKU n."""
        return f"{100000 + n // 10000}-{n % 10000:04d}"


class SetIds(_Made):
    """The set ids of a wide catalogue, each a UUID drawn from its own seed."""

    def __init__(self, size: int, salt: int) -> None:
        super().__init__(size)
        self.salt = salt

    def make(self, n: int) -> str:
        """Set id n."""
        return _uuid(random.Random(f"{self.salt}:{n}"))


class Prices(dict[str, float]):
    """A product's price, drawn the first time it is sold."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, sku: str) -> float:
        price = self[sku] = round(self.rng.uniform(9.9, 199.0), 2)
        return price
