"""Validation problems as plain data: the catalogue of codes, and the Problem record.

Every code, severity, message template and hint is written once, in problems.json,
which the Rust kernel includes at compile time; this module reads the same file
without importing the kernel (so `interact-cli codes` starts fast).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

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
def _entries() -> tuple[dict[str, str], ...]:
    return tuple(json.loads(CATALOGUE.read_text(encoding="utf-8"))["problems"])


def problem_types() -> tuple[ProblemType, ...]:
    """Every problem code, in the catalogue's order."""
    fields = ("code", "severity", "message", "hint", "example")
    return tuple(ProblemType(**{k: entry[k] for k in fields}) for entry in _entries())


def schema_exceptions() -> dict[str, str]:
    """Codes whose rule JSON Schema cannot express, with what they catch."""
    return {e["code"]: e["not_in_json_schema"] for e in _entries() if "not_in_json_schema" in e}


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of one input line: where it is, how bad, and what is wrong."""

    file: str
    line: int
    severity: str
    code: str
    path: str
    message: str

    def to_dict(self) -> dict[str, object]:
        """The problem as a JSON-ready dict."""
        return asdict(self)
