"""The incremental state (issue 24): `ingest`, `report --state` and `state`, through the
real CLI; the state file against truncation, corruption, forgery, a kill and a lock."""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import random
import signal
import struct
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interact_cli.generate import generate_lines
from tests.test_core_misuse import MAGIC as PARTIAL_MAGIC
from tests.test_edges import run

DAYS = 30
PER_DAY = 300
START = datetime(2026, 10, 1, tzinfo=UTC)


def _spread(lines: list[bytes]) -> list[bytes]:
    """Give the events times spread evenly over DAYS days (broken lines stay as they are)."""
    step = timedelta(days=DAYS) / len(lines)
    out = []
    for index, line in enumerate(lines):
        try:
            event = json.loads(line)
        except ValueError:
            out.append(line)
            continue
        if isinstance(event, dict) and isinstance(event.get("timestamp"), str):
            moment = START + step * index
            event["timestamp"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            line = json.dumps(event, separators=(",", ":")).encode()
        out.append(line)
    return out


@pytest.fixture(scope="module")
def daily(tmp_path_factory) -> Path:
    """DAYS daily dumps (every third one gzipped), and one state that ingested them one
    at a time, in name order."""
    folder = tmp_path_factory.mktemp("daily")
    lines = _spread(list(generate_lines(DAYS * PER_DAY, seed=5, broken_ratio=0.02)))
    for day in range(DAYS):
        body = b"\n".join(lines[day * PER_DAY : (day + 1) * PER_DAY]) + b"\n"
        name = folder / f"day-{day + 1:02d}.ndjson"
        if day % 3 == 2:
            name.with_suffix(".ndjson.gz").write_bytes(gzip.compress(body))
        else:
            name.write_bytes(body)
    for dump in sorted(folder.glob("day-*")):
        done = run("ingest", str(dump), "--state", str(folder / "all.state"))
        assert done.returncode == 0, done.stderr
        assert "ingested 1 input" in done.stdout
    return folder


def _dumps(folder: Path) -> list[str]:
    return [str(p) for p in sorted(folder.glob("day-*"))]


@pytest.mark.parametrize(
    "options",
    [
        ["-f", "json"],
        ["-f", "csv"],
        ["-f", "markdown"],
        ["-f", "csv", "--by", "set-product"],
        ["-f", "json", "--actions", "--top", "7"],  # from the partial, not the summary
        ["-f", "json", "--interval", "day"],
        ["-f", "csv", "--interval", "day", "--by", "product"],
        ["-f", "json", "--interval", "week", "--top", "5", "--actions"],
        ["-f", "markdown", "--interval", "auto", "--by", "set-product"],
        ["-f", "json", "--interval", "month", "--top", "3", "--by", "product"],
    ],
)
def test_a_report_from_the_state_is_the_report_over_the_dumps(daily, options):
    over_dumps = run("report", *_dumps(daily), *options)
    from_state = run("report", "--state", str(daily / "all.state"), *options)
    assert over_dumps.returncode == from_state.returncode
    assert from_state.stdout == over_dumps.stdout
    assert from_state.stderr == over_dumps.stderr  # the same notes (--set, invalid lines)
    assert len(from_state.stdout) > 500


def test_the_same_bytes_again_are_refused_and_the_state_is_unchanged(daily, tmp_path):
    state = daily / "all.state"
    before = state.read_bytes()
    again = run("ingest", str(daily / "day-07.ndjson"), "--state", str(state))
    assert again.returncode == 2
    assert "day-07.ndjson: already ingested on 20" in again.stderr
    assert again.stderr.count("\n") == 1 and "Traceback" not in again.stderr
    # Renamed, or given decompressed while it was ingested as .gz: the same bytes.
    copy = tmp_path / "renamed.ndjson"
    copy.write_bytes(gzip.decompress((daily / "day-03.ndjson.gz").read_bytes()))
    renamed = run("ingest", str(daily / "day-31.missing"), str(copy), "--state", str(state))
    assert renamed.returncode == 2  # the missing input: nothing is read
    renamed = run("ingest", str(copy), "--state", str(state))
    assert renamed.returncode == 2
    assert "(as " in renamed.stderr and "day-03.ndjson.gz, same bytes" in renamed.stderr
    assert state.read_bytes() == before


def test_one_input_given_twice_in_a_run_adds_nothing(tmp_path):
    dump = tmp_path / "a.ndjson"
    dump.write_bytes(b"".join(line + b"\n" for line in generate_lines(50, seed=2)))
    (tmp_path / "copy.ndjson").write_bytes(dump.read_bytes())
    state = tmp_path / "s.state"
    done = run("ingest", str(dump), str(tmp_path / "copy.ndjson"), "--state", str(state))
    assert done.returncode == 2
    assert "already ingested in this run" in done.stderr
    assert not state.exists()


def test_empty_inputs_add_nothing_and_are_never_duplicates(tmp_path):
    for name in ("a", "b"):
        (tmp_path / f"{name}.ndjson").write_bytes(b"")
    state = str(tmp_path / "s.state")
    for name in ("a", "b", "a"):
        assert run("ingest", str(tmp_path / f"{name}.ndjson"), "--state", state).returncode == 0
    shown = json.loads(run("state", state, "-f", "json").stdout)
    assert [i["name"] for i in shown["inputs"]] == [str(tmp_path / n) + ".ndjson" for n in "aba"]
    assert shown["holds"]["lines"] == 0
    report = json.loads(run("report", "--state", state, "-f", "json").stdout)
    assert report["summary"]["lines"] == 0 and report["sets"] == []


def test_state_shows_inputs_settings_and_totals(daily):
    shown = run("state", str(daily / "all.state"), "-f", "json")
    assert shown.returncode == 0
    found = json.loads(shown.stdout)
    assert [Path(i["name"]).name for i in found["inputs"]] == [Path(p).name for p in _dumps(daily)]
    assert found["settings"] == {"time_field": None, "tz": "UTC", "period": "day"}
    assert found["holds"]["inputs"] == DAYS and found["holds"]["lines"] == DAYS * PER_DAY
    report = json.loads(run("report", *_dumps(daily), "-f", "json").stdout)["summary"]
    for key in ("lines", "valid", "invalid", "blank", "warnings", "users"):
        assert found["holds"][key] == report[key], key
    assert all(len(i["fingerprint"]) == 32 for i in found["inputs"])
    table = run("state", str(daily / "all.state"), env={"COLUMNS": "200"})
    assert "30 inputs" in table.stdout and "day-30.ndjson" in table.stdout


def test_options_the_state_cannot_answer_are_exit_2(daily):
    state = str(daily / "all.state")
    cases = [
        (["report", "--state", state, "--interval", "day", "--tz", "Asia/Tokyo"], "in UTC"),
        (["report", "--state", state, "--time-field", "receivedAt"], "counts times of"),
        (["report", "--state", state, "--since", "2026-10-02"], "not of a time range"),
        (["report", "--state", state, _dumps(daily)[0]], "not inputs"),
        (["report", "--state", state, "--cluster", "local:1"], "not --cluster"),
        (["ingest", _dumps(daily)[0], "--state", state, "--tz", "Europe/Berlin"], "in UTC"),
        (["report"], "give the inputs"),
        (["report", "--state", str(daily / "none.state")], "no such state file"),
        (["ingest", _dumps(daily)[0], "--state", str(daily)], "is a directory"),
        (["ingest", _dumps(daily)[0], "--state", "/dev/null"], "a regular file"),
        (["ingest", _dumps(daily)[0], "--state", _dumps(daily)[0]], "overwrite an input"),
    ]
    for args, message in cases:
        done = run(*args)
        assert done.returncode == 2, args
        assert message in done.stderr, (args, done.stderr)
        assert done.stderr.count("\n") == 1, done.stderr
    # Without --interval the zone is only named: the state answers it.
    named = run("report", "--state", state, "--tz", "Asia/Tokyo", "-f", "json")
    assert named.returncode == 0 and json.loads(named.stdout)["summary"]["tz"] == "Asia/Tokyo"


def test_a_state_in_a_zone_counts_its_days_there(tmp_path):
    dump = tmp_path / "a.ndjson"
    dump.write_bytes(b"\n".join(_spread(list(generate_lines(400, seed=9)))) + b"\n")
    state = str(tmp_path / "s.state")
    assert run("ingest", str(dump), "--state", state, "--tz", "America/Havana").returncode == 0
    for interval in ("day", "week"):
        over = run(
            "report", str(dump), "--tz", "America/Havana", "--interval", interval, "-f", "json"
        )
        held = run("report", "--state", state, "--interval", interval, "-f", "json")
        assert held.stdout == over.stdout


def _valid_state(tmp_path: Path) -> Path:
    dump = tmp_path / "a.ndjson"
    dump.write_bytes(b"".join(line + b"\n" for line in generate_lines(300, seed=3)))
    state = tmp_path / "s.state"
    assert run("ingest", str(dump), "--state", str(state)).returncode == 0
    return state


def _sections(data: bytes) -> list[bytes]:
    """The header, summary and partial of a well-formed state's bytes (in the file: the
    header, the partial, the summary)."""
    from interact_cli.statefile import CHECKSUM, MAGIC

    at, found = len(MAGIC) + 4, []
    for _ in range(3):
        (size,) = struct.unpack_from("<Q", data, at)
        found.append(data[at + 8 : at + 8 + size])
        at += 8 + size + CHECKSUM
    assert at == len(data)
    header, partial, summary = found
    return [header, summary, partial]


def _sealed(sections: list[bytes], version: int = 1) -> bytes:
    """A state of these sections (header, summary, partial), each with a checksum that
    matches (as a forger would write it): independent of statefile.py, after its
    documented layout."""
    import xxhash

    from interact_cli.statefile import MAGIC

    header, summary, partial = sections
    out = MAGIC + struct.pack("<I", version)
    for section in (header, partial, summary):
        out += struct.pack("<Q", len(section)) + section + xxhash.xxh3_128_digest(section)
    return out


def _forged(good: bytes, **replaced: bytes | dict) -> bytes:
    """A state with its header (a dict), summary or partial replaced, sealed again."""
    header, summary, partial = _sections(good)
    if isinstance(replaced.get("header"), dict):
        replaced["header"] = msgspec.json.encode(replaced["header"])
    found = {"header": header, "summary": summary, "partial": partial, **replaced}
    return _sealed([found["header"], found["summary"], found["partial"]])


# What reads what: `report --state` the header and the summary; with --interval the
# header and the partial; `state` and `ingest` all of it.
COMMANDS = {
    "state": ("header", "summary", "partial"),
    "report": ("header", "summary"),
    "report --interval": ("header", "partial"),
    "ingest": ("header", "summary", "partial"),
}


def test_hostile_state_files_are_exit_2_in_one_line(tmp_path):
    from interact_cli.statefile import CHECKSUM, MAGIC

    good_state = _valid_state(tmp_path)
    good = good_state.read_bytes()
    header_bytes, summary_bytes, partial_bytes = _sections(good)
    header = json.loads(header_bytes)
    summary = msgspec.msgpack.decode(summary_bytes)
    huge = {"lines": 2**62, "valid": 2**62 - 1, "invalid": 1, "blank": 0}
    absurd = dict(header, inputs=[dict(header["inputs"][0], **huge)])
    negative = dict(header, inputs=[dict(header["inputs"][0], lines=-1)])
    twice = dict(header, inputs=header["inputs"] * 2)
    nowhere = dict(header, settings=dict(header["settings"], tz="Mars/Olympus_Mons"))
    empty = dict(header, inputs=[])
    uneven = dict(summary, sets=dict(summary["sets"], click=summary["sets"]["click"][:-1]))
    typed = dict(summary, products=dict(summary["products"], users=["many"]))
    counted = dict(summary, counters=dict(summary["counters"], events=dict.fromkeys("x", 1)))
    rich = dict(
        summary,
        revenue=dict(summary["revenue"], micros=["9" * 39] * len(summary["revenue"]["micros"])),
    )
    everything = ("header", "summary", "partial")
    in_partial = len(MAGIC) + 4 + 8 + len(header_bytes) + CHECKSUM + 8 + 100
    in_summary = len(good) - CHECKSUM - len(summary_bytes) // 2
    cases = {
        "random bytes": (os.urandom(5000), everything),
        "empty": (b"", everything),
        "the magic only": (MAGIC, everything),
        "cut in the header": (good[:100], everything),
        "cut in the partial": (good[: len(good) // 2], everything),
        "without its last checksum": (good[:-CHECKSUM], everything),
        "a byte flipped in the partial": (_flipped(good, in_partial), ("partial",)),
        "a byte flipped in the summary": (_flipped(good, in_summary), ("summary",)),
        "another version": (_sealed([header_bytes, summary_bytes, partial_bytes], 99), everything),
        "absurd counts": (_forged(good, header=absurd), everything),
        "a negative count": (_forged(good, header=negative), everything),
        "an input twice": (_forged(good, header=twice), everything),
        "a zone that is none": (_forged(good, header=nowhere), everything),
        "no input over full sections": (_forged(good, header=empty), everything),
        "a header of another kind": (_forged(good, header={"inputs": 1}), everything),
        "a summary of random bytes": (_forged(good, summary=os.urandom(300)), ("summary",)),
        "summary columns of two lengths": (
            _forged(good, summary=msgspec.msgpack.encode(uneven)),
            ("summary",),
        ),
        "a summary of other types": (
            _forged(good, summary=msgspec.msgpack.encode(typed)),
            ("summary",),
        ),
        "revenue past 128 bits": (
            _forged(good, summary=msgspec.msgpack.encode(rich)),
            ("summary",),
        ),
        "a summary of other counts": (
            _forged(good, summary=msgspec.msgpack.encode(counted)),
            ("summary",),
        ),
        "absurd partial lengths": (
            _forged(good, partial=PARTIAL_MAGIC + b"\xff" * 200),
            ("partial",),
        ),
        "no partial": (_forged(good, partial=b""), ("partial",)),
        "a partial of other counts": (
            _forged(good, partial=_sections(_other_state(tmp_path))[2]),
            ("partial",),
        ),
    }
    target = tmp_path / "hostile.state"
    dump = tmp_path / "a.ndjson"
    expected = run("report", "--state", str(good_state), "-f", "json").stdout
    for what, (data, broken) in cases.items():
        target.write_bytes(data)
        for command, reads in COMMANDS.items():
            args = {
                "state": ["state", str(target)],
                "report": ["report", "--state", str(target), "-f", "json"],
                "report --interval": ["report", "--state", str(target), "--interval", "day"],
                "ingest": ["ingest", str(dump), "--state", str(target)],
            }[command]
            started = time.monotonic()
            done = run(*args)
            if broken and not set(broken) & set(reads):
                # What it does not read cannot fool it: the numbers are the good state's.
                assert done.returncode == 0, (what, command, done.stderr)
                if command == "report":
                    assert done.stdout == expected, what
                continue
            assert done.returncode == 2, (what, command, done.stderr)
            assert str(target) in done.stderr and done.stderr.count("\n") == 1, (what, done.stderr)
            assert "Traceback" not in done.stderr and "panic" not in done.stderr
            assert time.monotonic() - started < 20, what
        assert target.read_bytes() == data, what  # ingest left it as it was


def test_a_fifo_or_a_folder_as_the_state_is_exit_2_at_once(tmp_path):
    fifo = tmp_path / "fifo.state"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path):
        for args in (["state", str(path)], ["report", "--state", str(path), "-f", "json"]):
            done = run(*args)  # a FIFO waited for a writer forever
            assert done.returncode == 2 and str(path) in done.stderr, done.stderr
            assert done.stderr.count("\n") == 1


def test_a_name_that_is_not_utf8_and_the_state_as_the_output(tmp_path):
    odd = tmp_path / os.fsdecode(b"c\xff.ndjson")
    odd.write_bytes(b"".join(line + b"\n" for line in generate_lines(50, seed=4)))
    state = tmp_path / "s.state"
    assert run("ingest", str(odd), "--state", str(state)).returncode == 0
    (record,) = json.loads(run("state", str(state), "-f", "json").stdout)["inputs"]
    assert record["name"].endswith("c\ufffd.ndjson")
    before = state.read_bytes()
    link = tmp_path / "link.state"
    link.symlink_to(state)
    for output in (state, link):
        done = run("report", "--state", str(state), "-f", "csv", "-o", str(output))
        assert done.returncode == 2 and "refusing to overwrite an input" in done.stderr
    assert state.read_bytes() == before


def test_a_period_outside_the_calendar_is_exit_2(tmp_path):
    """A forged partial whose first period starts past year 9999 (re-sealed)."""
    good = _valid_state(tmp_path).read_bytes()
    header, summary, partial = _sections(good)
    day = 86_400_000_000

    def start_at(at: int) -> bool:  # a UTC midnight in the 2020s: the first period's start
        value = int.from_bytes(partial[at : at + 8], "little", signed=True)
        return value % day == 0 and 1_577_836_800_000_000 <= value < 1_893_456_000_000_000

    at = next(at for at in range(len(partial) - 8) if start_at(at))
    forged = partial[:at] + (2**62).to_bytes(8, "little") + partial[at + 8 :]
    target = tmp_path / "far.state"
    target.write_bytes(_sealed([header, summary, forged]))
    done = run("report", "--state", str(target), "--interval", "day", "-f", "json")
    assert done.returncode == 2 and "a period outside the calendar" in done.stderr, done.stderr


def _flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


def _other_state(tmp_path: Path) -> bytes:
    """The state of another dump: well formed, but not the counts of the one above."""
    other = tmp_path / "other"
    other.mkdir(exist_ok=True)
    dump = other / "b.ndjson"
    dump.write_bytes(b"".join(line + b"\n" for line in generate_lines(100, seed=8)))
    state = other / "b.state"
    state.unlink(missing_ok=True)
    assert run("ingest", str(dump), "--state", str(state)).returncode == 0
    return state.read_bytes()


def test_a_second_ingest_while_one_holds_the_lock_exits_2(tmp_path):
    state = _valid_state(tmp_path)
    before = state.read_bytes()
    dump = tmp_path / "b.ndjson"
    dump.write_bytes(b"".join(line + b"\n" for line in generate_lines(30, seed=4)))
    with open(str(state) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.write("4242\n")
        lock.flush()
        done = run("ingest", str(dump), "--state", str(state))
    assert done.returncode == 2
    assert "another ingest (process 4242) is updating this state" in done.stderr
    assert state.read_bytes() == before
    assert run("ingest", str(dump), "--state", str(state)).returncode == 0  # lock released


def test_a_full_disk_while_writing_leaves_the_state_as_it_was(tmp_path):
    import resource

    state = _valid_state(tmp_path)
    before = state.read_bytes()
    dump = tmp_path / "b.ndjson"
    dump.write_bytes(b"".join(line + b"\n" for line in generate_lines(500, seed=6)))

    def small_files() -> None:  # writing past 40 KB fails as a full disk does (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (len(before) + 100, len(before) + 100))

    done = subprocess.run(
        [sys.executable, "-m", "interact_cli", "ingest", str(dump), "--state", str(state)],
        capture_output=True,
        text=True,
        preexec_fn=small_files,
        timeout=60,
    )
    assert done.returncode == 2 and "cannot write" in done.stderr, done.stderr
    assert state.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.ndjson",
        "b.ndjson",
        "s.state",
        "s.state.lock",
    ]


def test_sigkill_while_ingest_writes_leaves_the_state_before(tmp_path):
    """Killed as soon as its temporary file appears: the state is the one before, byte
    for byte, and a report reads it."""
    dump = tmp_path / "big.ndjson"
    dump.write_bytes(b"".join(line + b"\n" for line in generate_lines(60_000, seed=12)))
    state = tmp_path / "s.state"
    first = tmp_path / "first.ndjson"
    first.write_bytes(b"".join(line + b"\n" for line in generate_lines(2_000, seed=13)))
    assert run("ingest", str(first), "--state", str(state)).returncode == 0
    before = state.read_bytes()
    expected = run("report", "--state", str(state), "-f", "json").stdout
    caught = 0
    for _attempt in range(5):
        process = subprocess.Popen(
            [sys.executable, "-m", "interact_cli", "ingest", str(dump), "--state", str(state)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while process.poll() is None:
            if any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):
                process.send_signal(signal.SIGKILL)
                caught += 1
                break
        process.wait()
        if process.returncode != -signal.SIGKILL:  # it finished first: start again
            state.write_bytes(before)
            continue
        assert state.read_bytes() == before
        assert run("report", "--state", str(state), "-f", "json").stdout == expected
        for left in tmp_path.glob(".interact-cli-*.tmp"):
            left.unlink()
        break
    assert caught, "ingest was never caught while writing"


def tree_fingerprint(data: bytes, block: int = 1 << 20) -> str:
    """The inputs' fingerprint as docs/usage.md defines it, by an independent XXH3."""
    import xxhash

    digests = b"".join(
        xxhash.xxh3_128_digest(data[at : at + block]) for at in range(0, len(data), block)
    )
    return xxhash.xxh3_128_hexdigest(digests + len(data).to_bytes(8, "little"))


def test_fingerprints_are_a_tree_of_xxh3_128_of_the_decompressed_bytes(tmp_path):
    from interact_cli._core import Fingerprint

    assert Fingerprint().hexdigest() == "99aa06d3014798d86001c324468d497f"  # XXH3 of b""
    for size, pieces in [(0, 1), (1, 1), (1 << 20, 3), ((1 << 20) + 1, 7), (3 << 20, 2)]:
        data = random.Random(size).randbytes(size)
        tree = Fingerprint(1 << 20)
        for at in range(0, size, -(-size // pieces) or 1):
            tree.update(data[at : at + -(-size // pieces)])
        assert tree.hexdigest() == tree_fingerprint(data), size
        assert Fingerprint.combine(tree.digests(), size) == tree.hexdigest()
    body = b"".join(line + b"\n" for line in generate_lines(40, seed=1))
    (tmp_path / "a.ndjson.zst").write_bytes(__import__("zstandard").compress(body))
    state = str(tmp_path / "s.state")
    assert run("ingest", str(tmp_path / "a.ndjson.zst"), "--state", state).returncode == 0
    record = json.loads(run("state", state, "-f", "json").stdout)["inputs"][0]
    assert record["fingerprint"] == tree_fingerprint(body) and record["size"] == len(body)


@pytest.fixture(scope="module")
def sealed_state(tmp_path_factory) -> bytes:
    return _valid_state(tmp_path_factory.mktemp("sealed")).read_bytes()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_change_to_a_sealed_state_is_read_or_refused_never_a_crash(
    sealed_state, data, tmp_path
):
    """A forger who re-seals the checksums: every change to a section is a StateError or
    a state whose counts add up and that reports (read in time linear in its size)."""
    from interact_cli.errors import StateError
    from interact_cli.reporting import ReportOptions, build_report
    from interact_cli.statefile import read_state

    sections = [bytearray(section) for section in _sections(sealed_state)]
    for _ in range(data.draw(st.integers(1, 8))):
        section = sections[data.draw(st.integers(0, 2))]
        if section:
            section[data.draw(st.integers(0, len(section) - 1))] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        index = data.draw(st.integers(0, 2))
        sections[index] = sections[index][: data.draw(st.integers(0, len(sections[index])))]
    path = tmp_path / "forged.state"
    path.write_bytes(_sealed([bytes(section) for section in sections]))
    for read in ("all", "merge", "summary", "total"):
        try:
            state = read_state(str(path), read)
            totals = state.totals()
            assert totals["lines"] == totals["valid"] + totals["invalid"] + totals["blank"]
            if read in ("summary", "total"):  # what report --state does with it
                interval = "day" if read == "total" else None
                build_report([], ReportOptions(interval=interval), state=str(path)).to_json()
        except StateError as error:
            assert str(path) in str(error)


def test_the_python_api_ingests_and_reports_as_the_commands_do(tmp_path):
    import interact_cli

    first, second = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    first.write_bytes(b"".join(line + b"\n" for line in generate_lines(200, seed=21)))
    second.write_bytes(b"".join(line + b"\n" for line in generate_lines(200, seed=22)))
    state = tmp_path / "s.state"
    added = interact_cli.ingest(first, state)
    assert added["added"]["inputs"] == 1 and added["holds"]["lines"] == 200
    interact_cli.ingest([str(second)], str(state))
    with pytest.raises(interact_cli.StateError, match="already ingested"):
        interact_cli.ingest(second, state)
    with pytest.raises(interact_cli.OptionError, match="--tz"):
        interact_cli.ingest(second, state, tz="Asia/Tokyo")
    report = interact_cli.report(state=state, interval="day")
    cli = run("report", str(first), str(second), "-f", "json", "--interval", "day")
    assert report.to_json().decode() == cli.stdout
    assert interact_cli.describe_state(state) == json.loads(
        run("state", str(state), "-f", "json").stdout
    )
    with pytest.raises(interact_cli.StateError, match="no such state file"):
        interact_cli.report(state=tmp_path / "none.state")
    with pytest.raises(interact_cli.OptionError, match="not inputs"):
        interact_cli.report(first, state=state)
