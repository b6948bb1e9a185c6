"""The kernel's Python face misused: ordinary exceptions, never a panic or lost data."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from interact_cli import _core
from interact_cli.periods import Calendar

from .conftest import SAMPLE

LINE = (
    b'{"type":"interact","interact":{"type":"product","action":"click","product":{"sku":"k"}},'
    b'"context":[{"type":"setCompose","setCompose":{"id":"s"}},{"type":"user","user":{"id":"u"}}],'
    b'"timestamp":"2026-10-01T10:00:00Z"}\n'
)


def report_scan(**options) -> _core.Scan:
    return _core.Scan(keep=10, report=True, **options)


def partial_of(data: bytes) -> _core.Partial:
    scan = report_scan()
    scan.begin_file("a")
    scan.feed(data)
    scan.end_file()
    return scan.partial()


@pytest.mark.parametrize("threads", [0, -1, 1025, 2**62])
def test_a_thread_count_out_of_range_is_an_error(threads):
    with pytest.raises((ValueError, OverflowError)):
        _core.Scan(keep=1, threads=threads)


def test_beginning_a_file_before_ending_the_last_is_an_error():
    scan = _core.Scan(keep=1)
    scan.begin_file("a")
    scan.feed(LINE + LINE[:20])  # an unfinished half line
    with pytest.raises(ValueError, match="end_file"):
        scan.begin_file("b")
    scan.end_file()  # the half line is still counted, in its file
    assert [f["lines"] for f in scan.result()["files"]] == [2]


def test_feeding_outside_a_file_and_after_the_partial_is_an_error():
    scan = report_scan()
    with pytest.raises(ValueError, match="begin_file"):
        scan.feed(LINE)
    scan.begin_file("a")
    scan.feed(LINE)
    with pytest.raises(ValueError, match="end the file"):
        scan.partial()
    scan.end_file()
    scan.partial()
    with pytest.raises(ValueError, match="taken"):
        scan.partial()
    with pytest.raises(ValueError, match="taken"):
        scan.begin_file("b")


def test_a_table_is_had_once_and_then_the_partial_cannot_be_merged_or_written():
    partial, other = partial_of(LINE), partial_of(LINE)
    partial.table("skus")
    with pytest.raises(ValueError, match="taken already"):
        partial.table("skus")
    with pytest.raises(ValueError, match="'skus' was taken"):
        partial.merge(other)
    with pytest.raises(ValueError, match="'skus' was taken"):
        other.merge(partial)
    with pytest.raises(ValueError, match="'skus' was taken"):
        partial.to_bytes()
    other.merge(partial_of(LINE))  # the untouched one is still whole
    assert len(other.table("counts")["n"]) == 1


def test_merging_a_partial_into_itself_is_an_error():
    partial = partial_of(LINE)
    with pytest.raises(RuntimeError):
        partial.merge(partial)


def test_a_buffer_changed_by_another_thread_meanwhile_never_breaks_the_scan():
    # The kernel copies a mutable buffer before it releases the GIL: the writer thread
    # changes it between feeds only, and every line still gets a verdict.
    lines = 20_000
    data = bytearray(LINE * lines)
    stop = threading.Event()
    places = [at for at in range(0, len(data), 4097) if data[at] != ord("\n")]

    def scribble() -> None:
        flip = 0
        while not stop.is_set():
            for at in places:
                data[at] = (0xFF, 0x7B)[flip]  # not UTF-8 / '{'
            flip ^= 1

    writer = threading.Thread(target=scribble)
    writer.start()
    try:
        scan = _core.Scan(keep=0, threads=2)
        for _ in range(20):
            scan.begin_file("a")
            scan.feed(data)
            scan.feed(memoryview(data)[:100])
            scan.end_file()
    finally:
        stop.set()
        writer.join()
    summary = scan.result()["summary"]
    assert summary["lines"] == 20 * (lines + 1)
    assert summary["valid"] + summary["invalid"] + summary["blank"] == summary["lines"]


def test_a_calendar_that_fails_is_an_error_of_the_scan():
    def broken(moment: int) -> tuple[int, int] | None:
        raise KeyError("no such zone")

    scan = report_scan(calendar=broken)
    scan.begin_file("a")
    with pytest.raises(RuntimeError, match=r"calendar failed.*no such zone"):
        scan.feed(LINE)
    with pytest.raises(RuntimeError, match="the scan failed"):
        scan.end_file()


@pytest.mark.parametrize(
    "answer",
    [lambda m: (m + 1, m + 2), lambda m: (m, m), lambda m: "a period", lambda m: (0, 2**70)],
)
def test_a_calendar_that_answers_nonsense_is_an_error_of_the_scan(answer):
    scan = report_scan(calendar=answer)
    scan.begin_file("a")
    with pytest.raises(RuntimeError, match="calendar"):
        scan.feed(LINE)


def test_overlapping_periods_from_a_calendar_are_an_error():
    periods = iter([(0, 10**18), (-(10**18), 10**16)])
    scan = report_scan(calendar=lambda m: next(periods))
    scan.begin_file("a")
    scan.feed(LINE)
    early = LINE.replace(b"2026-10-01T10:00:00Z", b"1969-01-01T00:00:00Z")
    with pytest.raises(RuntimeError, match="overlaps"):
        scan.feed(early)


def test_the_real_calendar_in_the_kernel():
    scan = report_scan(calendar=Calendar("day", "America/Havana"))
    scan.begin_file("a")
    scan.feed(LINE.replace(b"2026-10-01T10:00:00Z", b"2023-11-05T04:30:00Z"))
    scan.end_file()
    starts = scan.partial().table("periods")["start"]
    assert len(starts) == 1


# The magic of this version's partials, from one: a literal went stale with each version,
# and its bytes were then refused for their magic, never reaching the checks after it.
MAGIC = partial_of(b"").to_bytes()[:8]


@pytest.mark.parametrize(
    "data",
    [b"", MAGIC, MAGIC + b"\xff" * 100, partial_of(LINE).to_bytes()[:-1]],
)
def test_bytes_that_are_not_a_partial_are_a_value_error(data):
    with pytest.raises(ValueError):
        _core.Partial.from_bytes(data)
    for periods in (True, False):
        with pytest.raises(ValueError):
            _core.Tables.from_bytes(data, periods=periods)


def test_tables_from_bytes_are_the_partials_tables_each_had_once():
    data = partial_of(LINE).to_bytes()
    for start, end in [(-1, None), (0, len(data) + 1), (5, 4)]:
        with pytest.raises((ValueError, OverflowError)):
            _core.Tables.from_bytes(data, start, end)
    tables = _core.Tables.from_bytes(b"xx" + data + b"yy", 2, 2 + len(data))
    assert tables.counters() == partial_of(LINE).counters()
    assert len(tables.table("counts")["n"]) == len(partial_of(LINE).table("counts")["n"]) == 1
    with pytest.raises(ValueError, match="taken already"):
        tables.table("counts")
    with pytest.raises(ValueError, match="no table"):
        tables.table("nothing")
    with pytest.raises(ValueError, match="ask for its total before"):
        tables.table("counts_total")
    with pytest.raises(ValueError, match="no table"):
        tables.table("sets_total")
    partial = partial_of(LINE)
    assert len(partial.table("counts_total")["n"]) == len(partial.table("counts")["n"]) == 1


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` as the CLI runs a command's work (typer.Exit carries the exit code)."""
    script = f"import sys, typer\ntry:\n    {code}\nexcept typer.Exit as end:\n    sys.exit(end.exit_code)\n"
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )


def test_a_panic_is_silent_in_rust_and_one_line_from_the_cli():
    # The panic hook prints nothing; the CLI shows the exception in one line, exit 3.
    done = run_python(
        "from interact_cli import _core, outcome; outcome.run(False, lambda: _core._panic('boom'))"
    )
    assert done.stderr == (
        "interact-cli: internal error: PanicException: boom (rerun with --debug for details)\n"
    )
    assert done.returncode == 3


def test_with_debug_a_panic_shows_rusts_message():
    done = run_python(
        "from interact_cli import _core, outcome; outcome.run(True, lambda: _core._panic('boom'))"
    )
    assert "panicked at" in done.stderr and "boom" in done.stderr
    assert "Traceback" in done.stderr and done.returncode == 3  # 1 is invalid data


def test_the_kernels_buffer_is_read_in_place_or_copied_while_a_view_lives():
    buffer = _core.Buffer(len(LINE) * 3)
    memoryview(buffer)[: len(LINE) * 2] = LINE * 2
    scan = _core.Scan(keep=0)
    scan.begin_file("a")
    scan.feed(buffer, len(LINE))  # in place
    view = memoryview(buffer)  # alive while the kernel reads: it copies
    scan.feed(buffer, len(LINE))
    view.release()
    with pytest.raises(ValueError, match="bytes of a buffer"):
        scan.feed(buffer, len(buffer) + 1)
    scan.end_file()
    assert scan.result()["summary"]["valid"] == 2
    with pytest.raises(ValueError, match="at most"):
        _core.Buffer(2**40)


def scanning_in_a_thread(buffer: _core.Buffer) -> threading.Thread:
    """A scan of the whole buffer, begun on another thread (it releases the GIL)."""

    def scan() -> None:
        kernel = _core.Scan(keep=0, threads=2)
        kernel.begin_file("a")
        kernel.feed(buffer)
        kernel.end_file()

    thread = threading.Thread(target=scan)
    thread.start()
    return thread


def views_refused_while(thread: threading.Thread, buffer: _core.Buffer) -> int:
    """How often a view of `buffer` was refused until `thread` ended."""
    refused = 0
    while thread.is_alive():
        try:
            with memoryview(buffer):
                pass
        except BufferError:
            refused += 1
    thread.join()
    return refused


def test_the_kernels_buffer_lends_no_view_while_a_scan_reads_it():
    buffer = _core.Buffer(len(LINE) * 400_000)  # ~80 MB: a scan of some 100 ms
    memoryview(buffer)[:] = LINE * 400_000
    assert views_refused_while(scanning_in_a_thread(buffer), buffer) > 0
    with memoryview(buffer) as view:  # and lent again once the scan is done
        view[0] = ord("{")


def test_a_buffer_read_by_two_scans_lends_no_view_until_both_are_done():
    buffer = _core.Buffer(len(LINE) * 400_000)
    memoryview(buffer)[:] = LINE * 400_000
    long_scan = scanning_in_a_thread(buffer)
    short = _core.Scan(keep=0)  # begun and done while the long one still reads
    short.begin_file("b")
    short.feed(buffer, len(LINE))
    short.end_file()
    if long_scan.is_alive():
        with pytest.raises(BufferError):
            memoryview(buffer)
    views_refused_while(long_scan, buffer)
    memoryview(buffer).release()


def test_a_calendar_is_asked_once_for_times_before_year_one():
    asked: list[int] = []

    def calendar(moment: int) -> tuple[int, int] | None:
        asked.append(moment)
        return Calendar("day", "America/New_York")(moment)

    early = LINE.replace(b'"2026-10-01T10:00:00Z"', b"-62135596700")  # year 1, in UTC
    scan = report_scan(calendar=calendar)
    scan.begin_file("a")
    scan.feed(early * 1000)
    scan.end_file()
    assert len(asked) == 1  # its local date is year 0 in New York: no period, once


@pytest.mark.parametrize("rows", ["nope", "", "sets\x00"])
def test_per_user_rows_of_no_table_are_an_error(rows):
    with pytest.raises(ValueError, match="rows: no table"):
        _core.Scan(0, report=True, rows=rows)


def test_a_per_user_scan_keeps_only_its_table():
    scan = _core.Scan(0, report=True, rows="products")
    data = (SAMPLE / "events.ndjson").read_bytes()
    scan.begin_file("x")
    scan.feed(data, len(data))
    scan.end_file()
    partial = scan.partial()
    assert len(partial.table("user_sums")["user"]) > 0
    assert len(partial.table("counts")["n"]) == 0 and len(partial.table("orders")["user"]) == 0


@pytest.mark.parametrize("windows", [((5, 1), (6, 7)), ((0, 10), (5, 20)), ((0, 1), (0, 1))])
def test_compare_windows_that_are_not_ranges_apart_are_an_error(windows):
    with pytest.raises(ValueError, match="windows: give two ranges"):
        _core.Scan(0, report=True, rows="sets", windows=windows)


def test_rows_are_an_export_scans_and_each_row_is_had_once():
    with pytest.raises(ValueError, match="not an export scan"):
        report_scan().rows()
    scan = _core.Scan(keep=1, threads=2, export=True)
    with pytest.raises(ValueError, match="not a report scan"):
        scan.partial()
    scan.begin_file("a")
    scan.feed(LINE * 3)
    assert scan.rows(4) == (None, 0)  # fewer held than asked: kept for later
    scan.feed(LINE)
    columns, rounded = scan.rows(4)
    assert columns is not None and rounded == 0
    assert len(columns["line"]) == 4 and scan.rows() == (None, 0)
    with pytest.raises(ValueError, match="exported already"):
        for _ in range(2):
            columns["line"].__arrow_c_array__()
    with pytest.raises(OverflowError):
        scan.rows(-1)
