"""`--cluster`: validate and report on a Dask cluster, with the numbers of a local run.

The client plans units (byte ranges of plain files and objects, whole compressed ones,
largest first); each task runs the native kernel on one unit and returns its counts,
first problems and (for a report) its partial result as bytes: never rows. The client
merges them in input order, so line numbers, first problems and attribution in file
order come out exactly as in one pass.

A byte range [start, end) holds the lines that begin inside it: a task skips to the first
line start at or after `start`, and reads past `end` to finish the last line it began.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from interact_cli import __version__, remote
from interact_cli.engine import Progress
from interact_cli.errors import ClusterError, InputError, OptionError
from interact_cli.inputs import GZIP_MAGIC, ZSTD_MAGIC, InputSource, read_chunks

RANGE_BYTES = 64 * 1024 * 1024  # a task's share of a plain file: ~250k events
BLOCK = 4 * 1024 * 1024  # a task reads its range in blocks of this size
INSTALL = "--cluster needs Dask: pip install 'interact-cli[cluster]'"


@dataclass(frozen=True)
class Unit:
    """One task's share of the inputs: a byte range of a plain file, or a whole file."""

    index: int  # in input order: the order results are merged in
    file: int
    name: str
    location: str  # a local path or a URL
    start: int
    end: int | None  # None: the whole file (compressed, or read as a stream)
    size: int
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def weight(self) -> int:
        """The bytes this unit reads (for the progress bar and to schedule big ones first)."""
        return self.size if self.end is None else self.end - self.start


@dataclass(frozen=True)
class Job:
    """What every task computes: the kernel's settings."""

    keep: int = 0
    report: bool = False
    time_fields: tuple[str, ...] | None = None
    since: int | None = None
    until: int | None = None
    interval: str | None = None
    tz: str = "UTC"


def _location(source: InputSource) -> str:
    if source.fs is None:
        if source.path is None or not source.regular:
            raise OptionError(f"{source.name}: --cluster reads files and URLs, not streams")
        return os.path.abspath(source.path)
    return str(source.fs.unstrip_protocol(source.path))


def _compressed(source: InputSource) -> bool:
    if source.fs is not None:
        head = remote.head(source.fs, source.path, source.name, source.size or 0, {})
    else:
        with open(source.path or "", "rb") as stream:
            head = stream.read(4)
    return head.startswith((GZIP_MAGIC, ZSTD_MAGIC))


def plan(sources: Sequence[InputSource], range_bytes: int = RANGE_BYTES) -> list[Unit]:
    """The units of the inputs, in input order."""
    units: list[Unit] = []
    for number, source in enumerate(sources):
        location = _location(source)
        size = source.size if source.size is not None else os.path.getsize(location)
        options = dict(source.options or {})
        common = dict(file=number, name=source.name, location=location, size=size)
        if size == 0 or _compressed(source):
            units.append(Unit(len(units), start=0, end=None, options=options, **common))
            continue
        for start in range(0, size, range_bytes):
            end = min(size, start + range_bytes)
            units.append(Unit(len(units), start=start, end=end, options=options, **common))
    return units


class _Reader:
    """Byte ranges of a unit's file: one request per block for an object."""

    def __init__(self, unit: Unit) -> None:
        self.unit = unit
        self.fs: Any = None
        self.stream: Any = None
        if remote.is_url(unit.location):
            self.fs, self.path = remote.filesystem(unit.location, unit.options)
        else:
            try:
                self.stream = open(unit.location, "rb")  # noqa: SIM115 (closed by close())
            except OSError as error:
                raise InputError(f"{unit.name}: cannot read: {error.strerror}") from None

    def read(self, start: int, end: int) -> bytes:
        end = min(end, self.unit.size)
        if start >= end:
            return b""
        if self.stream is not None:
            self.stream.seek(start)
            return bytes(self.stream.read(end - start))
        try:
            return bytes(self.fs.cat_file(self.path, start=start, end=end))
        except Exception as error:
            raise remote.read_error(self.unit.name, error, self.unit.options) from None

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


def _first_line_start(reader: _Reader, start: int) -> int | None:
    """Where the first line beginning at or after `start` begins (None: none does)."""
    if start == 0:
        return 0
    at = start - 1  # a line begins at `start` when the byte before it ends a line
    while at < reader.unit.size:
        block = reader.read(at, at + BLOCK)
        newline = block.find(b"\n")
        if newline >= 0:
            return at + newline + 1
        at += len(block)
    return None


def range_blocks(unit: Unit) -> Iterator[bytes]:
    """The bytes of the lines that begin in a unit's range, in blocks."""
    assert unit.end is not None
    reader = _Reader(unit)
    try:
        at = _first_line_start(reader, unit.start)
        if at is None or at >= unit.end:
            return
        last = b"\n"
        while at < unit.end:
            block = reader.read(at, min(unit.end, at + BLOCK))
            if not block:
                raise InputError(f"{unit.name}: cannot read: the file ends early")
            yield block
            at += len(block)
            last = block[-1:]
        while last != b"\n" and at < unit.size:  # finish the line begun in the range
            block = reader.read(at, at + BLOCK)
            if not block:
                return
            newline = block.find(b"\n")
            if newline >= 0:
                yield block[: newline + 1]
                return
            yield block
            at += len(block)
    finally:
        reader.close()


def _whole_blocks(unit: Unit) -> Iterator[bytes]:
    if remote.is_url(unit.location):
        fs, path = remote.filesystem(unit.location, unit.options)
        source = InputSource(unit.name, path, unit.size, True, fs, dict(unit.options))
    else:
        source = InputSource(unit.name, unit.location, unit.size)
    buffers = iter(lambda: bytearray(BLOCK), None)
    for chunk, _ in read_chunks(source, buffers):
        yield bytes(chunk)


def run_unit(unit: Unit, job: Job, version: str) -> dict[str, Any]:
    """A task: the kernel over one unit; its counts, first problems and partial bytes."""
    from interact_cli._core import Scan
    from interact_cli.periods import Calendar

    if version != __version__:
        raise ClusterError(f"the workers run interact-cli {__version__}, the client {version}")
    calendar = Calendar(job.interval, job.tz) if job.interval else None
    time_fields = list(job.time_fields) if job.time_fields is not None else None
    scan = Scan(
        keep=job.keep,
        threads=1,
        time_fields=time_fields,
        report=job.report,
        since=job.since,
        until=job.until,
        calendar=calendar,
    )
    scan.begin_file(unit.name, continued=unit.start > 0)
    for block in _whole_blocks(unit) if unit.end is None else range_blocks(unit):
        scan.feed(block)
    scan.end_file()
    out: dict[str, Any] = {"found": scan.result()}
    if job.report:
        import zstandard

        # Zstandard at its fastest level halves a partial (ids are hex text) in ~20 ms
        # per 64 MiB unit: the result is then under 5% of the bytes it read.
        out["partial"] = zstandard.ZstdCompressor(level=1).compress(scan.partial().to_bytes())
    return out


def merge_found(units: Sequence[Unit], founds: Sequence[dict[str, Any]], keep: int) -> dict:
    """The units' kernel results as one, as if one scan had read the files in order."""
    files: dict[int, dict[str, Any]] = {}
    lines_before: dict[int, int] = {}
    by_code: dict[str, dict[str, Any]] = {}
    problems: list[dict[str, Any]] = []
    for unit, found in zip(units, founds, strict=True):
        offset = lines_before.get(unit.file, 0)
        (tally,) = found["files"]
        into = files.setdefault(unit.file, dict.fromkeys(tally, 0) | {"path": unit.name})
        for key, value in tally.items():
            if key != "path":
                into[key] += value
        lines_before[unit.file] = offset + tally["lines"]
        for row in found["by_code"]:
            if row["code"] in by_code:
                by_code[row["code"]]["count"] += row["count"]
            else:
                by_code[row["code"]] = row | {"first_line": row["first_line"] + offset}
        room = keep - len(problems)
        problems += [p | {"line": p["line"] + offset} for p in found["problems"][:room]]
    counts = ("lines", "valid", "invalid", "blank", "warnings")
    summary = {key: sum(f[key] for f in files.values()) for key in counts}
    ordered = sorted(by_code.values(), key=lambda row: (-row["count"], row["code"]))
    return {
        "summary": summary,
        "files": [files[number] for number in sorted(files)],
        "by_code": ordered,
        "problems": problems,
    }


def _quiet_dask() -> None:
    """Dask logs reconnects, restarts and tracebacks on stderr, also from its own thread
    after a run has failed: our one-line errors say what matters, so for good."""
    import logging

    # Dask's configuration gives some of its loggers levels of their own: set them all.
    names = [n for n in logging.root.manager.loggerDict if n.partition(".")[0] == "distributed"]
    for name in ["distributed", *names]:
        logging.getLogger(name).setLevel(logging.CRITICAL)


@contextlib.contextmanager
def connect(spec: str, timeout: float = 10) -> Iterator[Any]:
    """A Dask client: `tcp://HOST:PORT` (a running scheduler) or `local[:N]`."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise OptionError(INSTALL) from None
    _quiet_dask()
    with contextlib.ExitStack() as stack:
        if spec == "local" or spec.startswith("local:"):
            count = spec.partition(":")[2]
            if count and (not count.isdigit() or int(count) < 1):
                raise OptionError(f"--cluster {spec}: N in local:N is a number of workers")
            workers = int(count) if count else os.cpu_count() or 1
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=50,  # logging.CRITICAL: its chatter is not our output
                )
            )
            address: Any = cluster
        elif "://" in spec:
            address = spec
        else:
            raise OptionError(f"--cluster {spec}: give tcp://HOST:PORT or local[:N]")
        try:
            client = stack.enter_context(Client(address, timeout=f"{timeout}s"))
            client.wait_for_workers(1, timeout=3 * timeout)
        except (OSError, TimeoutError) as error:
            raise ClusterError(f"cannot use the cluster at {spec}: {error}") from None
        _check_versions(client)
        yield client


def _version() -> str:
    from interact_cli import __version__ as theirs

    return theirs


def _check_versions(client: Any) -> None:
    found = client.run(_version)
    other = sorted({v for v in found.values() if v != __version__})
    if other:
        raise ClusterError(
            f"the workers run interact-cli {', '.join(other)}, the client {__version__}: "
            "install the same version on both"
        )


def _merged_partial(ready: dict[int, bytes], start: int, into: Any) -> tuple[int, Any]:
    """Merge the partials ready from unit `start` on, in order; where it stopped."""
    import zstandard

    from interact_cli._core import Partial

    while start in ready:
        part = Partial.from_bytes(zstandard.ZstdDecompressor().decompress(ready.pop(start)))
        if into is None:
            into = part
        else:
            into.merge(part)
        start += 1
    return start, into


def scan(
    spec: str,
    sources: Sequence[InputSource],
    job: Job,
    progress: Progress | None = None,
    range_bytes: int | None = None,
) -> tuple[dict[str, Any], Any]:
    """Run the kernel over the inputs on a cluster: the merged result and partial (None
    unless `job.report`), exactly those of one local pass."""
    units = plan(sources, range_bytes or RANGE_BYTES)
    founds: dict[int, dict[str, Any]] = {}
    ready: dict[int, bytes] = {}
    merged_upto, partial = 0, None
    with connect(spec) as client:
        from distributed import as_completed

        # Largest first (higher priority runs sooner): a big unit last would run alone.
        futures = {
            client.submit(run_unit, u, job, __version__, priority=u.weight, pure=False): u
            for u in sorted(units, key=lambda u: -u.weight)
        }
        if progress is not None:
            progress.begin(sum(u.weight for u in units))
        done = 0
        try:
            for future in as_completed(futures):
                unit = futures[future]
                result = future.result()
                founds[unit.index] = result["found"]
                if job.report:
                    # Merged in input order as soon as a prefix is complete: less held.
                    ready[unit.index] = result["partial"]
                    merged_upto, partial = _merged_partial(ready, merged_upto, partial)
                done += unit.weight
                if progress is not None:
                    progress.update(done)
        except _cluster_errors() as error:
            raise ClusterError(_lost(spec, error)) from None
    found = merge_found(units, [founds[u.index] for u in units], job.keep)
    return found, partial


def _cluster_errors() -> tuple[type[BaseException], ...]:
    """What a lost scheduler or dead workers raise (a task's own errors pass through)."""
    import asyncio
    import concurrent.futures

    from distributed import KilledWorker
    from distributed.comm.core import CommClosedError

    return (
        KilledWorker,
        CommClosedError,
        asyncio.CancelledError,
        concurrent.futures.CancelledError,
        TimeoutError,
        OSError,
    )


def _lost(spec: str, error: BaseException) -> str:
    name = type(error).__name__
    if name == "KilledWorker":
        return f"a task failed on every worker that tried it (workers died): {error}"
    lost = ("CancelledError", "FutureCancelledError", "CommClosedError", "StreamClosedError")
    if name in lost or "connection-lost" in str(error):
        return f"lost the cluster scheduler at {spec}; no numbers were printed"
    return f"the cluster at {spec} failed: {name}: {error}"
