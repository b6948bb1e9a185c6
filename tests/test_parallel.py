"""Parallel runs give exactly the single-process results: reports, problems, line numbers."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import os
import random
import sys
import tempfile
from pathlib import Path

import pytest

from interact_cli import parallel
from interact_cli.aggregate import SpilledFrames
from interact_cli.generate import broken_catalogue, generate_lines
from interact_cli.inputs import InputSource, plan_units
from interact_cli.report import ReportOptions, build_report
from interact_cli.validation import validate

from .conftest import SAMPLE
from .oracle import oracle_report


@pytest.fixture
def split_everything(monkeypatch):
    """Split even small files into byte ranges, so that several units and workers run."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)


def mixed_export(seed: int, events: int = 3000) -> bytes:
    rng = random.Random(seed)
    broken = [b.line for b in broken_catalogue()]
    lines = []
    for line in generate_lines(events, seed=seed):
        if seed % 2:  # file order instead of time order
            line = json.dumps(
                {k: v for k, v in json.loads(line).items() if k != "timestamp"}
            ).encode()
        roll = rng.random()
        if roll < 0.02:
            lines.append(rng.choice(broken))
        elif roll < 0.03:
            lines.append(rng.choice([b"", b"  ", b"\r"]))
        lines.append(line)
    return b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n"


def test_plan_splits_at_line_starts_and_covers_the_file(tmp_path):
    path = tmp_path / "e.ndjson"
    path.write_bytes(mixed_export(1))
    source = InputSource(str(path), str(path), path.stat().st_size)
    units = plan_units([source], 8, 0)
    data = path.read_bytes()
    assert len(units) == 8 and units[0].start == 0 and units[-1].end == len(data)
    for before, after in itertools.pairwise(units):
        assert before.end == after.start and data[after.start - 1 : after.start] == b"\n"


@pytest.mark.parametrize("workers", [1, 2])
def test_sample_files_report_matches_the_oracle(split_everything, workers):
    paths = [SAMPLE / "events.ndjson", SAMPLE / "broken.ndjson"]
    got = build_report([str(p) for p in paths], ReportOptions(), workers=workers).to_dict()
    assert got == oracle_report([p.read_bytes() for p in paths])


def test_units_hand_over_through_arrow_files_that_are_then_removed(
    tmp_path, monkeypatch, split_everything
):
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    loaded, load = [], SpilledFrames.load
    monkeypatch.setattr(
        SpilledFrames, "load", lambda self: loaded.append(self.folder) or load(self)
    )
    paths = [SAMPLE / "events.ndjson", SAMPLE / "broken.ndjson"]
    got = build_report([str(p) for p in paths], ReportOptions(), workers=2).to_dict()
    assert got == oracle_report([p.read_bytes() for p in paths])
    # Two byte ranges of each file, each one unit.
    assert len(loaded) == 4 and {Path(f).parent.parent for f in loaded} == {root}
    assert list(root.iterdir()) == []


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_exports_report_matches_the_oracle(tmp_path, split_everything, workers, seed):
    files = [mixed_export(seed), mixed_export(seed + 10, 500)]
    paths = []
    for index, data in enumerate(files):
        path = tmp_path / f"e{index}.ndjson"
        path.write_bytes(data)
        paths.append(str(path))
    got = build_report(paths, ReportOptions(), workers=workers).to_dict()
    assert got == oracle_report(files)


def test_time_window_report_matches_the_oracle_with_two_workers(tmp_path, split_everything):
    data = mixed_export(2)
    path = tmp_path / "e.ndjson"
    path.write_bytes(data)
    options = ReportOptions(since="2026-10-01T01:00:00Z", until="2026-10-01T02:00:00Z")
    got = build_report([str(path)], options, workers=2).to_dict()
    assert got == oracle_report([data], since=options.since, until=options.until)
    assert got["summary"]["outside_time_range"] > 0


def test_validate_is_the_same_with_one_and_two_workers(tmp_path, split_everything):
    paths = []
    for seed in (1, 2):
        path = tmp_path / f"e{seed}.ndjson"
        path.write_bytes(mixed_export(seed))
        paths.append(str(path))
    one = validate(paths, max_problems=10_000, workers=1).to_dict()
    two = validate(paths, max_problems=10_000, workers=2).to_dict()
    assert one == two
    assert one["summary"]["invalid"] > 50
    cut = validate(paths, max_problems=7, workers=2).to_dict()
    assert cut["problems"] == one["problems"][:7] and cut["by_code"] == one["by_code"]


def test_compressed_and_stdin_inputs_match_the_oracle_with_two_workers(
    tmp_path, split_everything, monkeypatch
):
    data = mixed_export(3)
    gz = tmp_path / "e.ndjson.gz"
    gz.write_bytes(gzip.compress(data))
    assert build_report([str(gz)], ReportOptions(), workers=2).to_dict() == oracle_report([data])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert build_report(["-"], ReportOptions(), workers=2).to_dict() == oracle_report([data])


class RecordingProgress:
    """A Progress that records what it was told."""

    def __init__(self) -> None:
        self.total = None
        self.updates: list[int] = []
        self.ended = False

    def begin(self, total: int) -> None:
        self.total = total

    def update(self, done: int) -> None:
        self.updates.append(done)

    def end(self) -> None:
        self.ended = True


@pytest.mark.parametrize(
    ("workers", "split"),
    [(1, False), (2, False), (1, True)],
    ids=["one-process", "two-workers", "split-files"],
)
def test_progress_reaches_the_total_bytes_monotonically(tmp_path, split_everything, workers, split):
    paths = []
    for seed in (1, 2):
        path = tmp_path / f"e{seed}.ndjson"
        path.write_bytes(mixed_export(seed, 6000))
        paths.append(str(path))
    total = sum(os.path.getsize(p) for p in paths)
    progress = RecordingProgress()
    outputs = {"valid_out": str(tmp_path / "v.ndjson")} if split else {}
    validate(paths, max_problems=10, progress=progress, workers=workers, **outputs)
    assert progress.total == total and progress.ended
    assert progress.updates and progress.updates[-1] == total
    assert progress.updates == sorted(progress.updates)
