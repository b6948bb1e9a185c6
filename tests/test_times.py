"""The event-time grammar: one table (tests/fixtures/times.tsv) shared with the Rust tests."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest

from interact_cli._core import parse_time

from .conftest import FIXTURES


def _rows() -> list[tuple[str, str, str]]:
    with open(FIXTURES / "times.tsv", newline="", encoding="utf-8") as table:
        lines = [line for line in table if not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return [(row["kind"], row["input"], row["expected"]) for row in reader]


ROWS = _rows()


def _python_micros(text: str) -> int | None:
    """What Python's datetime.fromisoformat, the parser before the kernel, made of it."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def test_the_table_is_large_and_has_both_verdicts():
    verdicts = {expected == "reject" for _, _, expected in ROWS}
    assert len(ROWS) > 90 and verdicts == {True, False}


@pytest.mark.parametrize(("kind", "text", "expected"), ROWS, ids=[r[1] for r in ROWS])
def test_the_kernel_follows_the_table(kind, text, expected):
    value = text if kind == "iso" else float(text)
    want = None if expected == "reject" else int(expected)
    assert parse_time(value) == want


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for k, t, e in ROWS if k == "iso"], ids=lambda v: str(v)
)
def test_the_table_is_what_python_accepted_before_the_kernel(text, expected):
    assert _python_micros(text) == (None if expected == "reject" else int(expected))
