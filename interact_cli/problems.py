"""Validation problems as plain data: the catalogue of codes, and the Problem record.

Every code, severity, message template and hint is written once, in problems.json,
which the Rust kernel includes at compile time; this module reads the same file
without importing the kernel (so `interact-cli codes` starts fast).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import NamedTuple

CATALOGUE = Path(__file__).with_name("problems.json")


@dataclass(frozen=True)
class ProblemType:
    """One entry of the catalogue: a stable code and what it means."""

    code: str
    severity: str
    message: str
    hint: str
    example: str

    def to_dict(self) -> dict[str, str]:
        """The entry as a JSON-ready dict."""
        return asdict(self)


@cache
def problem_types() -> tuple[ProblemType, ...]:
    """Every problem code, in the catalogue's order."""
    entries = json.loads(CATALOGUE.read_text(encoding="utf-8"))["problems"]
    fields = ("code", "severity", "message", "hint", "example")
    return tuple(ProblemType(**{k: entry[k] for k in fields}) for entry in entries)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Code(StrEnum):
    """Stable problem codes; renaming one is a breaking change for users' scripts."""

    INVALID_JSON = "invalid-json"
    NOT_AN_OBJECT = "not-an-object"
    MISSING_FIELD = "missing-field"
    WRONG_TYPE = "wrong-type"
    INVALID_VALUE = "invalid-value"
    EMPTY_STRING = "empty-string"
    NOT_POSITIVE = "not-positive"
    UNKNOWN_CURRENCY = "unknown-currency"
    UNKNOWN_EVENT_TYPE = "unknown-event-type"
    MISSING_USER = "missing-user"
    AMBIGUOUS_USER = "ambiguous-user"
    AMBIGUOUS_SET = "ambiguous-set"
    USER_MISMATCH = "user-mismatch"
    NO_SET_CONTEXT = "no-set-context"
    NULL_SET = "null-set"
    ACTION_NEAR_MISS = "action-near-miss"
    UNKNOWN_CONTEXT_TYPE = "unknown-context-type"


WARNING_CODES = frozenset(
    {
        Code.USER_MISMATCH,
        Code.NO_SET_CONTEXT,
        Code.NULL_SET,
        Code.ACTION_NEAR_MISS,
        Code.UNKNOWN_CONTEXT_TYPE,
    }
)


def severity_of(code: Code) -> Severity:
    """The fixed severity of a problem code."""
    return Severity.WARNING if code in WARNING_CODES else Severity.ERROR


class Finding(NamedTuple):
    """A problem inside one event, before it is placed in a file and line."""

    code: Code
    path: str
    message: str

    @property
    def severity(self) -> Severity:
        return severity_of(self.code)


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of one input line: where it is, how bad, and what is wrong."""

    file: str
    line: int
    severity: str
    code: str
    path: str
    message: str

    @classmethod
    def at(cls, file: str, line: int, finding: Finding) -> Problem:
        """Place a finding at a physical line of a file."""
        return cls(
            file, line, str(finding.severity), str(finding.code), finding.path, finding.message
        )

    def to_dict(self) -> dict[str, object]:
        """The problem as a JSON-ready dict."""
        return asdict(self)
