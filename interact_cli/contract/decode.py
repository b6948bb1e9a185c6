"""Decoding one line: the fast typed path first, the full diagnosis when it declines."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

import msgspec

from interact_cli.contract.diagnose import diagnose
from interact_cli.contract.facts import Facts
from interact_cli.contract.fast import DECODE_FAILURES, RESERVED_FIELDS, FastPath
from interact_cli.contract.vocabulary import TIME_FIELD_CANDIDATES
from interact_cli.problems import Code, Finding

_NOTHING: tuple[Finding, ...] = ()


class Decoded(NamedTuple):
    """The verdict on one line: facts when it has no error, and every finding."""

    facts: Facts | None
    findings: tuple[Finding, ...] | list[Finding]

    @property
    def is_valid(self) -> bool:
        return self.facts is not None


class EventDecoder:
    """Decodes lines of an export against the contract; reusable and cheap per line."""

    def __init__(self, time_fields: tuple[str, ...] = TIME_FIELD_CANDIDATES) -> None:
        clash = RESERVED_FIELDS.intersection(time_fields)
        if clash:
            raise ValueError(f"time field cannot be a contract field: {', '.join(sorted(clash))}")
        self.time_fields = time_fields
        # fast_facts(line): Facts of a line with nothing to report, else None (then
        # call `diagnose`). Bound once: it runs for every line.
        self.fast_facts = FastPath(time_fields).line_facts
        # Decimal floats: the full path must not fail on a number out of double range in
        # an extra field, which the typed path skips without parsing.
        self._generic = msgspec.json.Decoder(float_hook=Decimal)

    def decode(self, line: bytes) -> Decoded:
        """Decode one line (a trailing newline, CR or other JSON whitespace is fine)."""
        facts = self.fast_facts(line)
        return Decoded(facts, _NOTHING) if facts is not None else self.diagnose(line)

    def diagnose(self, line: bytes) -> Decoded:
        """Decode one line through the full rule book only (the slow, thorough path)."""
        try:
            value = self._generic.decode(line)
        except DECODE_FAILURES as error:
            return Decoded(None, [Finding(Code.INVALID_JSON, "", _json_message(error))])
        facts, findings = diagnose(value, self.time_fields)
        return Decoded(facts, findings)


def _json_message(error: BaseException) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"Not valid UTF-8 (byte {error.start} of a string)."
    if isinstance(error, RecursionError):
        return "Not accepted as JSON: nested too deeply."
    text = str(error).removeprefix("JSON is malformed: ")
    return f"Not valid JSON: {text}."
