"""Thread counts and chunk sizes change nothing: reports, problems, line numbers, progress."""

from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys

import pytest

from interact_cli.generate import broken_catalogue, generate_lines
from interact_cli.reporting import ReportOptions, build_report
from interact_cli.validation import validate

from .conftest import SAMPLE
from .oracle import comparable, oracle_report

# (kernel threads, bytes per chunk): results must not depend on either.
SPLITS = [(1, 4 << 20), (2, 997), (7, 64 << 10)]
SPLIT_IDS = ["1-thread", "2-threads-tiny-chunks", "7-threads"]


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


@pytest.mark.parametrize(("workers", "chunk"), SPLITS, ids=SPLIT_IDS)
def test_sample_files_report_matches_the_oracle(workers, chunk):
    paths = [SAMPLE / "events.ndjson", SAMPLE / "broken.ndjson"]
    options = ReportOptions()
    got = build_report([str(p) for p in paths], options, workers=workers, chunk_bytes=chunk)
    assert comparable(got.to_dict()) == oracle_report([p.read_bytes() for p in paths])


@pytest.mark.parametrize(("workers", "chunk"), SPLITS, ids=SPLIT_IDS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_exports_report_matches_the_oracle(tmp_path, workers, chunk, seed):
    files = [mixed_export(seed), mixed_export(seed + 10, 500)]
    paths = []
    for index, data in enumerate(files):
        path = tmp_path / f"e{index}.ndjson"
        path.write_bytes(data)
        paths.append(str(path))
    got = build_report(paths, ReportOptions(), workers=workers, chunk_bytes=chunk).to_dict()
    assert comparable(got) == oracle_report(files)


@pytest.mark.parametrize(("workers", "chunk"), SPLITS, ids=SPLIT_IDS)
def test_time_window_report_matches_the_oracle(tmp_path, workers, chunk):
    data = mixed_export(2)
    path = tmp_path / "e.ndjson"
    path.write_bytes(data)
    options = ReportOptions(since="2026-10-01T01:00:00Z", until="2026-10-01T02:00:00Z")
    got = build_report([str(path)], options, workers=workers, chunk_bytes=chunk).to_dict()
    assert comparable(got) == oracle_report([data], since=options.since, until=options.until)
    assert got["summary"]["outside_time_range"] > 0


def test_validate_is_the_same_for_any_threads_and_chunks(tmp_path):
    paths = []
    for seed in (1, 2):
        path = tmp_path / f"e{seed}.ndjson"
        path.write_bytes(mixed_export(seed))
        paths.append(str(path))
    results = [
        validate(paths, max_problems=10_000, workers=workers, chunk_bytes=chunk).to_dict()
        for workers, chunk in SPLITS
    ]
    assert all(result == results[0] for result in results)
    assert results[0]["summary"]["invalid"] > 50
    cut = validate(paths, max_problems=7, workers=2, chunk_bytes=1000).to_dict()
    assert cut["problems"] == results[0]["problems"][:7]
    assert cut["by_code"] == results[0]["by_code"]


def test_compressed_and_stdin_inputs_match_the_oracle_with_two_workers(tmp_path):
    data = mixed_export(3)
    gz = tmp_path / "e.ndjson.gz"
    gz.write_bytes(gzip.compress(data))
    got = build_report([str(gz)], ReportOptions(), workers=2).to_dict()
    assert comparable(got) == oracle_report([data])
    command = [sys.executable, "-m", "interact_cli", "report", "-", "-f", "json", "--workers", "2"]
    piped = subprocess.run(command, input=data, capture_output=True, timeout=60)
    assert comparable(json.loads(piped.stdout)) == oracle_report([data])


class RecordingProgress:
    """A Progress that records what it was told."""

    def __init__(self) -> None:
        self.total = None
        self.updates: list[int] = []
        self.stages: list[str] = []
        self.ended = False

    def begin(self, total: int, streams: bool = False) -> None:
        self.total = total

    def update(self, done: int) -> None:
        self.updates.append(done)

    def stage(self, name: str) -> None:
        self.stages.append(name)

    def end(self) -> None:
        self.ended = True


@pytest.mark.parametrize(
    ("workers", "split"),
    [(1, False), (2, False), (2, True)],
    ids=["one-thread", "two-threads", "split-files"],
)
def test_progress_reaches_the_total_bytes_monotonically(tmp_path, workers, split):
    paths = []
    for seed in (1, 2):
        path = tmp_path / f"e{seed}.ndjson"
        path.write_bytes(mixed_export(seed, 6000))
        paths.append(str(path))
    total = sum(os.path.getsize(p) for p in paths)
    progress = RecordingProgress()
    outputs = {"valid_out": str(tmp_path / "v.ndjson")} if split else {}
    validate(
        paths, max_problems=10, progress=progress, workers=workers, chunk_bytes=4096, **outputs
    )
    assert progress.total == total and progress.ended
    assert progress.updates and progress.updates[-1] == total
    assert progress.updates == sorted(progress.updates)


def test_the_report_bar_covers_the_aggregation(tmp_path):
    path = tmp_path / "e.ndjson"
    path.write_bytes(mixed_export(1))
    progress = RecordingProgress()
    build_report([str(path)], ReportOptions(), progress=progress, chunk_bytes=4096)
    assert progress.updates[-1] == path.stat().st_size
    assert progress.stages == ["aggregating"] and progress.ended
