"""-f parquet: the report's and the comparison's tables as Parquet files in one folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import interact_cli
from interact_cli.errors import InputError
from interact_cli.sinks import TEMP_PREFIX, plan_folder

from .conftest import SAMPLE

EVENTS = str(SAMPLE / "events.ndjson")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "interact_cli", *args], capture_output=True, timeout=120
    )


def test_every_table_of_the_report_reads_back_as_the_library_gives_it(tmp_path):
    out = tmp_path / "report"
    done = cli("report", EVENTS, "--interval", "day", "--actions", "-f", "parquet", "-o", str(out))
    assert done.returncode == 0, done.stderr
    report = interact_cli.report(EVENTS, interval="day", actions=True)
    names = {p.name for p in out.iterdir()}
    assert names == {f"{name}.parquet" for name in report.tables()} | {"summary.json"}
    for name, frame in report.tables().items():
        back = pl.read_parquet(out / f"{name}.parquet")
        assert back.columns == frame.columns and back.equals(frame), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary == json.loads(report.to_json())["summary"]


def test_a_comparison_reads_back_too_and_an_empty_folder_is_filled(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    weeks = ["--baseline", "2026-10-01T00:00..2026-10-01T02:00"]
    weeks += ["--current", "2026-10-01T02:00..2026-10-01T05:00"]
    done = cli("compare", EVENTS, *weeks, "--by", "product", "-f", "parquet", "-o", str(out))
    assert done.returncode == 0, done.stderr
    found = interact_cli.compare(
        EVENTS,
        baseline="2026-10-01T00:00..2026-10-01T02:00",
        current="2026-10-01T02:00..2026-10-01T05:00",
        by="product",
    )
    assert pl.read_parquet(out / "products.parquet").equals(found.table("products"))


@pytest.mark.parametrize("spec", [None, "-", "holds", "a-file", "missing/deeper"])
def test_a_folder_that_cannot_be_made_whole_is_refused_before_reading(tmp_path, spec, monkeypatch):
    (tmp_path / "holds").mkdir()
    (tmp_path / "holds" / "x").write_text("x")
    (tmp_path / "a-file").write_text("x")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError):
        plan_folder(spec)
    args = ["report", EVENTS, "-f", "parquet"] + ([] if spec is None else ["-o", spec])
    done = cli(*args)
    assert done.returncode == 2 and done.stderr.count(b"\n") == 1


def test_a_failure_while_writing_leaves_no_folder_and_no_temporary(tmp_path, monkeypatch):
    from interact_cli.output.parquet import write_folder

    report = interact_cli.report(EVENTS)
    target = plan_folder(str(tmp_path / "out"))

    def broken(self: pl.DataFrame, path: str, **options: object) -> None:
        Path(path).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", broken)
    with pytest.raises(InputError, match="No space left"):
        write_folder(report, target)
    assert list(tmp_path.iterdir()) == []
    assert not any(p.name.startswith(TEMP_PREFIX) for p in tmp_path.iterdir())
