"""Constants of the contract, read from vocabulary.json (which the Rust kernel includes too)."""

from __future__ import annotations

import json
from pathlib import Path

_VOCABULARY = json.loads(
    Path(__file__).parent.parent.joinpath("vocabulary.json").read_text(encoding="utf-8")
)

EVENT_TYPES: tuple[str, ...] = tuple(_VOCABULARY["event_types"])

CLICK: str = _VOCABULARY["actions"]["click"]
ADD_TO_CART: str = _VOCABULARY["actions"]["add_to_cart"]
DOCUMENTED_ACTIONS: tuple[str, ...] = tuple(_VOCABULARY["documented_actions"])

# Time fields looked for when --time-field is not given, first present wins.
TIME_FIELD_CANDIDATES: tuple[str, ...] = tuple(_VOCABULARY["time_field_candidates"])


# ISO 4217 codes in use, plus the withdrawn or unofficial codes the vendor's schema
# lists, so that old exports that passed the vendor's own check stay valid here.
CURRENCIES = frozenset(
    (_VOCABULARY["currencies_iso_4217"] + " " + _VOCABULARY["currencies_vendor_extra"]).split()
)
