"""The event-time grammar: one table (tests/fixtures/times.tsv) shared with the Rust tests."""

from __future__ import annotations

import csv

import pytest

from interact_cli._core import parse_time

from .conftest import FIXTURES
from .oracle import parse_time as python_micros  # datetime.fromisoformat, as before


def _rows() -> list[tuple[str, str, str]]:
    with open(FIXTURES / "times.tsv", newline="", encoding="utf-8") as table:
        lines = [line for line in table if not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return [(row["kind"], row["input"], row["expected"]) for row in reader]


ROWS = _rows()


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
    assert python_micros(text) == (None if expected == "reject" else int(expected))
