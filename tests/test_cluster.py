"""--cluster: Dask runs give exactly the local numbers, for any range size and worker count."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from interact_cli import cluster
from interact_cli.cluster import ClusterSpec
from interact_cli.errors import ClusterError, InputError, OptionError
from interact_cli.inputs import resolve_inputs
from interact_cli.reporting import ReportOptions, build_report
from interact_cli.units import Job, plan
from interact_cli.validation import validate

from .conftest import SAMPLE
from .dask_helpers import Hooks, killing, moto_s3, two_workers
from .test_threads import mixed_export

distributed = pytest.importorskip("distributed")
DASK = Path(sys.executable).with_name("dask")


@pytest.fixture(scope="module")
def address():
    """A LocalCluster of two worker processes; tests pass its scheduler's address."""
    with two_workers() as (scheduler_address, _):
        yield scheduler_address


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> list[str]:
    """Files that test each edge of a byte range: a BOM at the start and one inside,
    CRLF, blank lines, broken lines, no final newline, an empty file, a gzipped one."""
    folder = tmp_path_factory.mktemp("exports")
    odd = b"\xef\xbb\xbf" + (SAMPLE / "events.ndjson").read_bytes()[:3000]
    odd += b"\r\n\n  \n\xef\xbb\xbf{}\n" + (SAMPLE / "broken.ndjson").read_bytes() + b"{"
    files = {
        "a.ndjson": mixed_export(1),
        "b.ndjson": odd,
        "c.ndjson": b"",
        "d.ndjson.gz": gzip.compress(mixed_export(2)),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return [str(folder / name) for name in files]


def plain(result) -> dict:
    return json.loads(json.dumps(result.to_dict()))


@pytest.mark.parametrize("range_bytes", [1 << 20, 4096, 333])
def test_validate_on_a_cluster_equals_the_local_run(address, exports, range_bytes):
    files = exports if range_bytes > 1000 else exports[1:]  # tiny ranges: the small files
    local = validate(files, max_problems=50)
    remote = validate(files, max_problems=50, cluster=ClusterSpec(address, range_bytes))
    assert plain(remote) == plain(local)
    assert local.summary.invalid > 0 and len(local.problems) == 50


@pytest.mark.parametrize(
    ("range_bytes", "options"),
    [
        (1 << 20, ReportOptions()),
        (4096, ReportOptions(interval="day", tz="Europe/Berlin", table="set_products")),
        (333, ReportOptions(actions=True, since="2026-10-01")),
    ],
)
def test_report_on_a_cluster_equals_the_local_run(address, exports, range_bytes, options):
    every = [exports, exports[:1]]  # with times; in file order only (seed 1)
    for files in every if range_bytes > 1000 else [exports[1:]]:
        local = build_report(files, options)
        remote = build_report(files, options, cluster=ClusterSpec(address, range_bytes))
        assert plain(remote) == plain(local)
        assert local.summary["valid"] > 0 and (local.sets.height or options.since)


def test_units_cover_every_byte_once(exports):
    sources = resolve_inputs(exports)
    units = plan(sources, 1000)
    for number, source in enumerate(sources):
        mine = [u for u in units if u.file == number]
        if mine[0].end is None:
            assert len(mine) == 1
            continue
        assert mine[0].start == 0 and mine[-1].end == source.size
        assert all(a.end == b.start for a, b in itertools.pairwise(mine))
    assert [u.index for u in units] == list(range(len(units)))


def test_a_killed_worker_is_retried_and_the_numbers_stay_exact(exports):
    with two_workers() as (address, pids):
        # A worker killed at the first result: tasks are still running on both.
        hooks = Hooks(on_first_result=killing(pids[0]))
        sources = resolve_inputs(exports[:2])
        job = Job(keep=20, report=True)
        spec = ClusterSpec(address, range_bytes=2048)
        found, partial = cluster.scan(spec, sources, job, hooks)
        assert hooks.fired
        expected = validate(exports[:2], max_problems=20)
        assert found["summary"] == plain(expected)["summary"]
        assert found["problems"] == plain(expected)["problems"]
        assert found["by_code"] == plain(expected)["by_code"]
        assert partial.counters()["events"]["interact"] > 0


def test_a_report_with_a_worker_killed_mid_run_is_the_local_report(exports):
    """The whole JSON, not only the counts: the killed worker's units are run again and
    merged in input order, whatever the order their results come back in."""
    options = ReportOptions(interval="day", tz="America/Havana", actions=True)
    expected = plain(build_report(exports[:2], options))
    with two_workers() as (address, pids):
        hooks = Hooks(on_first_result=killing(pids[1]))
        spec = ClusterSpec(address, range_bytes=3000)
        report = build_report(exports[:2], options, progress=hooks, cluster=spec)
    assert hooks.fired and plain(report) == expected


def test_one_worker_gives_the_local_numbers_too(exports):
    local = validate(exports, max_problems=30)
    assert plain(validate(exports, max_problems=30, cluster="local:1")) == plain(local)


def test_streams_and_split_outputs_to_one_file_are_refused_with_a_cluster(exports):
    with pytest.raises(OptionError, match="on a cluster the lines go to a folder"):
        validate(exports, max_problems=1, valid_out="v.ndjson", cluster="local:1")
    with pytest.raises(OptionError, match="not streams"):
        plan(resolve_inputs(["-"]))


def test_max_problems_beyond_64_bits_is_all_on_a_cluster_too(address, exports):
    # The workers' kernel is made as the local one (engine.new_scan): it was an
    # OverflowError there, exit 3, after the local run was fixed.
    huge = 10**20
    local = validate(exports, max_problems=huge)
    assert plain(validate(exports, max_problems=huge, cluster=address)) == plain(local)


def test_a_version_mismatch_names_both_versions(address, exports):
    client_of_another_version = ClusterSpec(address, version="9.9.9")
    with pytest.raises(ClusterError, match=r"workers run interact-cli 0\..* the client 9\.9\.9"):
        validate(exports, max_problems=1, cluster=client_of_another_version)


def test_an_unreachable_scheduler_is_one_error():
    unreachable = ClusterSpec("tcp://127.0.0.1:9", timeout=1)
    with pytest.raises(ClusterError, match="cannot use the cluster"), cluster.connect(unreachable):
        pass
    with pytest.raises(OptionError, match="local:N"), cluster.connect(ClusterSpec("local:zero")):
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(DASK), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _wait_for_workers(address: str, count: int) -> None:
    with distributed.Client(address, timeout="20s") as client:
        client.wait_for_workers(count, timeout=60)


@pytest.fixture
def scheduler():
    """A `dask scheduler` and two `dask worker` processes on 127.0.0.1, stopped by pid."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = [_start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")]
    for _ in range(2):
        worker = ("worker", address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard")
        processes.append(_start(*worker))
    try:
        _wait_for_workers(address, 2)
        yield address, processes
    finally:
        for process in processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and any(p.poll() is None for p in processes):
            time.sleep(0.05)
        for process in processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait()


def test_a_lost_scheduler_is_one_line_and_no_numbers(scheduler, exports):
    address, processes = scheduler

    kill_the_scheduler = Hooks(on_begin=killing(processes[0].pid))
    started = time.monotonic()
    with pytest.raises(ClusterError, match="lost the cluster scheduler"):
        validate(exports, max_problems=1, cluster=address, progress=kill_the_scheduler)
    assert time.monotonic() - started < 60


def test_end_to_end_cli_on_dask_processes_reading_s3(scheduler):
    """The real CLI, a `dask scheduler`, two `dask worker`s and moto's S3 on 127.0.0.1."""
    address, _ = scheduler
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    with moto_s3("exports") as (endpoint, s3):
        data = {"a.ndjson": mixed_export(2), "b.ndjson.gz": gzip.compress(mixed_export(3))}
        for key, body in data.items():
            s3.put_object(Bucket="exports", Key=key, Body=body)
        store = ["--storage-option", f"endpoint_url={endpoint}"]
        store += ["--storage-option", "key=testing", "--storage-option", "secret=testing"]

        def run(*args: str) -> subprocess.CompletedProcess:
            command = [sys.executable, "-m", "interact_cli", *args, *store]
            env = {**os.environ, **credentials}
            return subprocess.run(command, capture_output=True, env=env, timeout=300)

        for command in (["report", "--interval", "day"], ["validate"]):
            spec = ["s3://exports/*", "-f", "json"]
            here = run(*command, *spec)
            there = run(*command, *spec, "--cluster", address)
            assert there.returncode == here.returncode, there.stderr
            assert json.loads(there.stdout) == json.loads(here.stdout)
        stdin = run("validate", "-", "--cluster", address)
        assert stdin.returncode == 2 and b"not streams" in stdin.stderr


def test_auto_interval_and_the_html_page_run_on_a_cluster(address, exports, tmp_path):
    options = ReportOptions(interval="auto")
    local = build_report(exports[:2], options)
    remote = build_report(exports[:2], options, cluster=ClusterSpec(address, 4096))
    assert plain(remote) == plain(local) and local.summary["interval"] == "day"
    page = tmp_path / "r.html"
    command = [sys.executable, "-m", "interact_cli", "report", exports[0], "-f", "html"]
    made = subprocess.run([*command, "-o", str(page), "--cluster", address], capture_output=True)
    assert made.returncode == 0, made.stderr
    assert page.stat().st_size > 100_000


def test_bad_cluster_inputs_and_addresses_are_usage_errors(tmp_path):
    fake = tmp_path / "x.ndjson.gz"
    fake.write_bytes(b"not gzip\n")
    with pytest.raises(InputError, match="not a gzip file"):
        plan(resolve_inputs([str(fake)]))  # refused as a local run refuses it
    for address in ("local:²", "local:-1", "tcp://", "tcp://[::1"):
        with pytest.raises(OptionError), cluster.connect(ClusterSpec(address, timeout=1)):
            pass
    assert cluster.local_workers("local:99999") == cluster.cores()
    command = [sys.executable, "-m", "interact_cli", "validate", str(SAMPLE / "events.ndjson")]
    capped = subprocess.run([*command, "--cluster", "local:999"], capture_output=True)
    assert capped.returncode == 0 and b"capped at" in capped.stderr


def test_ingest_on_a_cluster_equals_the_local_ingest(address, exports, tmp_path):
    from interact_cli.generate import generate_lines
    from interact_cli.state import describe, ingest

    # Over three 1 MiB ranges, with a line longer than a range across two of them.
    body = b"".join(line + b"\n" for line in generate_lines(6000, seed=3))
    big = tmp_path / "big.ndjson"
    big.write_bytes(body[:900_000] + b'{"x": "' + b"y" * (1 << 21) + b'"}\n' + body[900_000:])
    files = [*exports, str(big)]
    states = {}
    for where, spec in [("here", None), ("there", ClusterSpec(address, 4096))]:
        states[where] = str(tmp_path / f"{where}.state")
        ingest(files, states[where], tz="Europe/Berlin", cluster=spec)
    here, there = describe(states["here"]), describe(states["there"])
    for found in (here, there):
        # The partial merged from units may keep a few more bytes of dictionary than
        # one pass: the same numbers (the report below), another size.
        for key in ("state", "created", "size"):
            found.pop(key)
        for record in found["inputs"]:
            record.pop("ingested_at")
    assert there == here
    assert len(plan(resolve_inputs([str(big)]), 1 << 20)) == 4  # the test's premise
    options = ReportOptions(interval="day")
    assert plain(build_report([], options, state=states["there"])) == plain(
        build_report(files, replace(options, tz="Europe/Berlin"))
    )


def test_compare_on_a_cluster_equals_the_local_run(address, tmp_path):
    from interact_cli.comparing import CompareOptions, build_comparison
    from interact_cli.generate_changes import write_changes

    weeks = tmp_path / "weeks.ndjson"
    write_changes(30_000, 5, str(weeks), sets=20, plant=(3, 0.6))
    halves = [tmp_path / "a.ndjson", tmp_path / "b.ndjson.gz"]
    lines = weeks.read_bytes().splitlines(keepends=True)
    halves[0].write_bytes(b"".join(lines[:15_000]))
    halves[1].write_bytes(gzip.compress(b"".join(lines[15_000:])))
    ranged = CompareOptions(
        table="set_products", baseline="2026-10-01..2026-10-06", current="2026-10-08..2026-10-15"
    )
    spec = ClusterSpec(address, 100_000)
    local = build_comparison([str(weeks)], ranged)
    remote = build_comparison([str(weeks)], ranged, cluster=spec)
    assert remote.to_json() == local.to_json() and local.summary["outside_windows"] > 0
    groups = CompareOptions(table="sets")
    sides = [str(halves[0])], [str(halves[1])]
    local = build_comparison([], groups, *sides)
    remote = build_comparison([], groups, *sides, cluster=spec)
    assert remote.to_json() == local.to_json() and local.summary["rows"] == 20


def test_compare_through_the_command_with_local_workers(tmp_path):
    from interact_cli.generate_changes import write_changes

    weeks = tmp_path / "weeks.ndjson"
    write_changes(20_000, 6, str(weeks), sets=10, plant=(2, 0.5))
    command = [sys.executable, "-m", "interact_cli", "compare", str(weeks), "-f", "json"]
    command += ["--baseline", "2026-10-01..2026-10-08", "--current", "2026-10-08..2026-10-15"]
    local = subprocess.run(command, capture_output=True, timeout=300)
    remote = subprocess.run([*command, "--cluster", "local:2"], capture_output=True, timeout=300)
    assert local.returncode == remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout and json.loads(local.stdout)["summary"]["rows"] == 10
