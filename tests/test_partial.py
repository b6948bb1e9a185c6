"""The report's partial result merges exactly: two halves merged equal the whole."""

from __future__ import annotations

import pytest

from interact_cli._core import Partial, Scan
from interact_cli.frames import load, tables

from .conftest import SAMPLE
from .test_threads import mixed_export


def partial_of(*files: bytes):
    scan = Scan(keep=0, threads=2, report=True)
    for index, data in enumerate(files):
        scan.begin_file(f"f{index}")
        scan.feed(data)
        scan.end_file()
    return scan.partial()


def rows(partial, basis: str) -> dict[str, list[dict]]:
    counters = partial.counters()
    computed = tables(load(partial), basis)
    out = {name: sorted(frame.to_dicts(), key=repr) for name, frame in computed.items()}
    return out | {"counters": [counters]}


@pytest.mark.parametrize("basis", ["seq", "time"])
@pytest.mark.parametrize("seed", [1, 2])
def test_merged_halves_equal_the_whole(basis, seed):
    data = mixed_export(seed)
    lines = data.split(b"\n")
    first, second = b"\n".join(lines[:1500]) + b"\n", b"\n".join(lines[1500:])
    merged = partial_of(first)
    merged.merge(partial_of(second))
    whole = partial_of(first, second)
    assert rows(merged, basis) == rows(whole, basis)


def test_a_merge_keeps_file_order_for_attribution():
    # A cart in the first part and its order in the second: attributed by file order.
    sample = (SAMPLE / "events.ndjson").read_bytes().split(b"\n")
    first, second = b"\n".join(sample[:2500]) + b"\n", b"\n".join(sample[2500:])
    merged = partial_of(first)
    merged.merge(partial_of(second))
    got = rows(merged, "seq")
    assert got == rows(partial_of(first, second), "seq")
    assert sum(row["ordered"] for row in got["sets"]) > 0


def test_each_table_is_taken_once():
    partial = partial_of(mixed_export(3))
    partial.table("counts")
    with pytest.raises(ValueError, match="no table"):
        partial.table("nonsense")
    with pytest.raises(ValueError, match="taken already"):
        partial.table("counts")  # a second time would be an empty table, silently


def test_a_partial_survives_bytes_and_pickle_exactly():
    import pickle

    data = mixed_export(5)
    lines = data.split(b"\n")
    first, second = b"\n".join(lines[:1000]) + b"\n", b"\n".join(lines[1000:])
    shipped = Partial.from_bytes(partial_of(first).to_bytes())
    shipped.merge(pickle.loads(pickle.dumps(partial_of(second))))
    assert rows(shipped, "seq") == rows(partial_of(first, second), "seq")


def test_bytes_that_are_not_a_partial_are_a_value_error():
    good = partial_of(mixed_export(6)).to_bytes()
    for bad in (b"", b"nonsense", good[:-1], good[: len(good) // 2], good + b"x"):
        with pytest.raises(ValueError):
            Partial.from_bytes(bad)
    assert len(good) < len(mixed_export(6)) // 2
