"""Units of work for a cluster: byte ranges of plain files and objects, whole compressed
ones, and the task that runs the native kernel on one unit (on a worker).

A byte range [start, end) holds the lines that begin inside it: a task skips to the first
line start at or after `start`, and reads past `end` to finish the last line it began.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from interact_cli import __version__, remote
from interact_cli.errors import ClusterError, InputError, OptionError
from interact_cli.inputs import GZIP_MAGIC, ZSTD_MAGIC, InputSource, check_name, read_chunks
from interact_cli.parts import Folder, Parts

RANGE_BYTES = 64 * 1024 * 1024  # a task's share of a plain file: ~200k events
BLOCK = 4 * 1024 * 1024  # a task reads its range in blocks of this size


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
    fingerprint: bool = False
    """Hash each unit's bytes (a range's own bytes, block-aligned) for `ingest`."""
    rows: str | None = None
    """`compare`: per-user sums of this table's rows (and no other table)."""
    windows: tuple[tuple[int, int], tuple[int, int]] | None = None
    """`compare` of two time windows: each event's window (or none) is counted."""
    parts: tuple[Folder | None, ...] = ()
    """`validate`'s split outputs (valid, invalid): each task writes its part there."""
    width: int = 5
    """Digits in the parts' names (`parts.name_width` of the number of units)."""


def _location(source: InputSource) -> str:
    if source.fs is None:
        if source.path is None or not source.regular:
            raise OptionError(f"{source.name}: --cluster reads files and URLs, not streams")
        return os.path.abspath(source.path)
    return str(source.fs.unstrip_protocol(source.path))


def _compressed(source: InputSource) -> bool:
    if source.fs is not None:
        head = remote.head(source.fs, source.path or "", source.name, source.size or 0, {})
    else:
        with open(source.path or "", "rb") as stream:
            head = stream.read(4)
    check_name(source, head)  # a .gz that is not gzip is refused here as in a local run
    return head.startswith((GZIP_MAGIC, ZSTD_MAGIC))


def plan(sources: Sequence[InputSource], range_bytes: int = RANGE_BYTES) -> list[Unit]:
    """The units of the inputs, in input order."""
    units: list[Unit] = []
    for number, source in enumerate(sources):
        location = _location(source)
        try:
            size = source.size if source.size is not None else os.path.getsize(location)
            compressed = bool(size) and _compressed(source)
        except OSError as error:  # gone (or unreadable) since it was found
            raise InputError(f"{source.name}: cannot read: {error.strerror or error}") from None
        options = dict(source.options or {})
        ranges: list[tuple[int, int | None]] = [(0, None)]  # whole: empty or compressed
        if size and not compressed:
            ranges = [(at, min(size, at + range_bytes)) for at in range(0, size, range_bytes)]
        for start, end in ranges:
            unit = Unit(len(units), number, source.name, location, start, end, size, options)
            units.append(unit)
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


def _pieces(reader: _Reader, start: int, end: int) -> Iterator[bytes]:
    while start < end:
        block = reader.read(start, min(end, start + BLOCK))
        if not block:
            raise InputError(f"{reader.unit.name}: cannot read: the file ends early")
        yield block
        start += len(block)


def range_blocks(unit: Unit, seen: Callable[[bytes], None] | None = None) -> Iterator[bytes]:
    """The bytes of the lines that begin in a unit's range, in blocks. With `seen`, every
    byte of the range itself, [start, end), is passed to it once, in order (to hash it)."""
    if unit.end is None:
        raise ValueError("range_blocks: a unit of a whole file")
    reader = _Reader(unit)
    try:
        at = _first_line_start(reader, unit.start)
        if seen is not None:  # the end of a line begun before the range: not its lines
            for piece in _pieces(reader, unit.start, unit.end if at is None else min(at, unit.end)):
                seen(piece)
        if at is None or at >= unit.end:
            return
        last = b"\n"
        for block in _pieces(reader, at, unit.end):
            if seen is not None:
                seen(block)
            yield block
            last = block[-1:]
        at = unit.end
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
    for chunk, size, _ in read_chunks(source, buffers):
        yield bytes(memoryview(chunk)[:size])


def run_unit(unit: Unit, job: Job, version: str) -> dict[str, Any]:
    """A task: the kernel over one unit; its counts, first problems and partial bytes."""
    from interact_cli.engine import new_scan
    from interact_cli.periods import Calendar

    if version != __version__:
        raise ClusterError(f"the workers run interact-cli {__version__}, the client {version}")
    calendar = Calendar(job.interval, job.tz) if job.interval else None
    # One thread: a worker's cores are shared by the tasks Dask runs on it.
    split = any(folder is not None for folder in job.parts)
    scan = new_scan(
        job.keep,
        1,
        split,
        job.report,
        job.time_fields,
        job.since,
        job.until,
        calendar,
        job.rows,
        job.windows,
    )
    parts = Parts(job.parts, unit.index, job.width) if split else None
    try:
        fingerprint = _feed(unit, scan, job.fingerprint, parts)
        written = None if parts is None else parts.commit()
    except BaseException:
        if parts is not None:
            parts.discard()
        raise
    out: dict[str, Any] = {"found": scan.result()}
    if written is not None:
        out["parts"] = written
    if fingerprint is not None:
        out["fingerprint"] = (fingerprint.digests(), fingerprint.size)
    if job.report:
        out["partial"] = _pack(scan.partial())
    return out


def _feed(unit: Unit, scan: Any, fingerprinted: bool, parts: Parts | None) -> Any:
    """Feed a unit's lines to the kernel (and its split lines to the parts); the unit's
    fingerprint, if asked for."""
    from interact_cli.engine import input_fingerprint

    scan.begin_file(unit.name, continued=unit.start > 0)
    fingerprint = input_fingerprint() if fingerprinted else None
    whole = unit.end is None
    blocks = (
        _whole_blocks(unit) if whole else range_blocks(unit, fingerprint and fingerprint.update)
    )
    for block in blocks:
        if fingerprint is not None and whole:
            fingerprint.update(block)
        lines = scan.feed(block)
        if parts is not None:
            parts.write(*lines)
    lines = scan.end_file()
    if parts is not None:
        parts.write(*lines)
    return fingerprint


def aligned(range_bytes: int, block: int) -> int:
    """`range_bytes` rounded up to whole blocks (ranges hashed apart must align)."""
    return -(-range_bytes // block) * block


def _pack(partial: Any) -> bytes:
    import zstandard

    # Zstandard at its fastest level halves a partial (ids are hex text) in ~20 ms per
    # 64 MiB unit: a task's result is then under 5% of the bytes it read.
    partial.compact()
    return zstandard.ZstdCompressor(level=1).compress(partial.to_bytes())


def unpack(data: bytes) -> Any:
    """A partial from a task's bytes."""
    import zstandard

    from interact_cli._core import Partial

    return Partial.from_bytes(zstandard.ZstdDecompressor().decompress(data))
