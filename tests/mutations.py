"""Deterministic and hypothesis-driven mutations of valid events, for corpus tests."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

JSON_SAMPLES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2.5,
    "",
    "x",
    "addtocart",
    [],
    {},
    [1],
    {"id": 5},
    {"id": ""},
]


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside a JSON document."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def _parent(doc: Any, path: tuple) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def delete_at(doc: Any, path: tuple) -> Any:
    if not path:
        return doc
    parent = _parent(doc, path)
    del parent[path[-1]]
    return doc


def replace_at(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    _parent(doc, path)[path[-1]] = value
    return doc


def mutate(event: dict, rng: random.Random) -> Any:
    """One random structural mutation of a copy of `event`."""
    doc = copy.deepcopy(event)
    where = rng.choice(paths(doc))
    kind = rng.randrange(4)
    if kind == 0:
        return delete_at(doc, where)
    if kind == 1:
        return replace_at(doc, where, copy.deepcopy(rng.choice(JSON_SAMPLES)))
    if kind == 2 and isinstance(doc, dict) and isinstance(doc.get("context"), list):
        item = rng.choice(
            [
                {"type": "setCompose", "setCompose": {"id": "other-set"}},
                {"type": "user", "user": {"id": "other-user"}},
                {"type": "content", "content": {"type": "banner"}},
                {"type": "mystery"},
                {"type": "api", "api": {}},
            ]
        )
        doc["context"].append(item)
        return doc
    return replace_at(
        doc,
        where,
        "" if rng.random() < 0.5 else rng.choice(["product", "setCompose", "query", "XXX"]),
    )


def encode(value: Any) -> bytes:
    return json.dumps(value, allow_nan=False).encode()
