"""Constants of the contract: event types, context item types, actions and currencies."""

from __future__ import annotations

EVENT_TYPES = ("interact", "view", "order", "api")

# Context item types with a known payload; any other type is a warning, not an error.
CONTEXT_TYPES = ("user", "setCompose", "content", "api", "page", "session", "widget")

CLICK = "click"
ADD_TO_CART = "addToCart"
DOCUMENTED_ACTIONS = ("click", "addToCart", "navigateTo", "addToWishlist", "like", "share")

# Time fields looked for when --time-field is not given, first present wins.
TIME_FIELD_CANDIDATES = ("timestamp", "receivedAt", "time")


def _squash(action: str) -> str:
    return "".join(ch for ch in action.casefold() if ch not in " _-.")


_CANONICAL_BY_SQUASHED = {_squash(a): a for a in (CLICK, ADD_TO_CART)}


def near_miss(action: str) -> str | None:
    """The canonical action that `action` misspells by case or separators, if any."""
    canonical = _CANONICAL_BY_SQUASHED.get(_squash(action))
    return canonical if canonical is not None and canonical != action else None


# ISO 4217 codes in use (2025 list, including fund and precious-metal codes) ...
_ISO_4217_CURRENT = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD
EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD
IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL
MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN
PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP
STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED
VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR
ZMW ZWG ZWL
"""
# ... plus the withdrawn or unofficial codes the vendor's schema lists, so that old
# exports that passed the vendor's own check stay valid here.
_VENDOR_EXTRA = "BYR CUC GGP HRK IMP JEP MRO SPL STD TVD VEF ZWD"

CURRENCIES = frozenset((_ISO_4217_CURRENT + _VENDOR_EXTRA).split())
