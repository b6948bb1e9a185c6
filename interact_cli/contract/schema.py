"""The contract as a JSON Schema (draft 2020-12) that accepts exactly the error-free events.

Some rules compare values across the document or look at the JSON text itself and cannot
be written in JSON Schema; the catalogue marks them (`schema_exceptions`) and only
`validate` enforces them.
"""

from __future__ import annotations

from typing import Any

from interact_cli.contract.vocabulary import CURRENCIES, EVENT_TYPES
from interact_cli.problems import schema_exceptions

_TEXT = {"type": "string", "minLength": 1}
_DOUBLE_MAX = 1.7976931348623157e308
_FINITE = {"type": "number", "minimum": -_DOUBLE_MAX, "maximum": _DOUBLE_MAX}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _when(key: str, value: str, then: dict[str, Any]) -> dict[str, Any]:
    """`then` applies when obj[key] == value (and only when the key is there)."""
    return {"if": {"required": [key], "properties": {key: {"const": value}}}, "then": then}


def _context_item() -> dict[str, Any]:
    content = {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"type": "string"}},
        "allOf": [_when("type", "setCompose", _object(["setCompose"], setCompose=_ref("idRef")))],
    }
    api = _object(["id"], id=_TEXT, sourceIp={"type": "string"}, userAgent={"type": "string"})
    rules = [
        _when("type", "user", _object(["user"], user=_ref("idRef"))),
        _when("type", "setCompose", _object(["setCompose"], setCompose=_ref("idRef"))),
        _when("type", "content", _object(["content"], content=content)),
        _when("type", "api", _object([], api=api)),
        _when("type", "page", _object(["page"], page=_object(["url"], url=_TEXT))),
        _when("type", "session", _object(["session"], session=_ref("idRef"))),
        _when(
            "type",
            "widget",
            _object(["widget"], widget=_object(["id", "type"], id=_TEXT, type=_TEXT)),
        ),
    ]
    return {**_object(["type"], type={"type": "string"}), "allOf": rules}


def _payloads() -> dict[str, dict[str, Any]]:
    line = _object(
        ["sku", "quantity", "grossPrice"],
        sku=_TEXT,
        quantity={**_FINITE, "exclusiveMinimum": 0},
        grossPrice=_object(
            ["amount", "currency"],
            amount=_FINITE,
            currency={"enum": sorted(CURRENCIES)},
        ),
    )
    return {
        "interact": _object(
            ["type", "product"],
            type={"const": "product"},
            product=_object(["sku"], sku=_TEXT),
            action=_TEXT,
        ),
        "view": _object(
            ["type", "setCompose"],
            type={"const": "setCompose"},
            setCompose={"anyOf": [{"type": "null"}, _ref("idRef")]},
        ),
        "order": _object(["id", "lines"], id=_TEXT, lines={"type": "array", "items": line}),
        "api": _object(
            ["type", "action"],
            type={"const": "setCompose"},
            action={"const": "query"},
            arguments={"type": "object"},
        ),
    }


def json_schema() -> dict[str, Any]:
    """The event contract as a JSON Schema document."""
    user_item = {"required": ["type"], "properties": {"type": {"const": "user"}}}
    payloads = _payloads()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/interact-cli/interact-cli/event-contract.json",
        "title": "8.LYTICS v3 tracking event, as interact-cli validates it",
        "description": (
            "Accepts exactly the events that `interact-cli validate` finds no error in, except "
            + "; ".join(schema_exceptions().values())
            + ", which JSON Schema cannot express. Extra fields are allowed everywhere."
        ),
        **_object(
            ["type", "context"],
            type={"enum": list(EVENT_TYPES)},
            context={"type": "array", "items": _ref("contextItem")},
            userId=_TEXT,
        ),
        "anyOf": [
            {"required": ["userId"]},
            {"properties": {"context": {"contains": user_item}}},
        ],
        "allOf": [
            _when("type", kind, _object([kind], **{kind: body})) for kind, body in payloads.items()
        ],
        "$defs": {"idRef": _object(["id"], id=_TEXT), "contextItem": _context_item()},
    }
