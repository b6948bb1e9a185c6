"""The engine: inputs -> byte chunks -> the native kernel, which scans them on threads.

The kernel releases the GIL while it works on a chunk. When every input is a plain local
file (by its name: no .gz or .zst), the next chunk is read in the loop; otherwise all are
read (and decompressed) on another thread meanwhile. Ctrl-C and the progress bar are
served between chunks.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from interact_cli.contract.vocabulary import EVENT_TYPES, TIME_FIELD_CANDIDATES
from interact_cli.errors import OptionError
from interact_cli.inputs import (
    CHUNK_BYTES,
    GZIP_SUFFIXES,
    ZSTD_SUFFIXES,
    InputSource,
    as_sources,
    read_chunks,
    resolve_inputs,
)
from interact_cli.remote import parse_storage_options

# What the library (api.py, reporting.py, validation.py) takes from the layers below, through here.
__all__ = [
    "CHUNK_BYTES",
    "EVENT_TYPES",
    "FINGERPRINT_BLOCK",
    "TIME_FIELD_CANDIDATES",
    "InputSource",
    "Progress",
    "as_sources",
    "feed_sources",
    "input_fingerprint",
    "new_scan",
    "parse_storage_options",
    "preload_frames",
    "resolve_inputs",
    "show_kernel_panics",
    "thread_count",
]

# An input's fingerprint hashes it in blocks of this size (1 MiB: 16 bytes of digests per
# MiB), so a cluster's tasks can hash their ranges, aligned to it, apart.
FINGERPRINT_BLOCK = 1 << 20

# The kernel's split outputs of one chunk: (valid lines, invalid lines), byte for byte.
BlockWriter = Callable[[bytes, bytes], None]
# (input's index, a buffer of its bytes or None at its end, how many bytes of the buffer,
# how far into its file they reach)
Chunk = tuple[int, Any, int, int | None]


class Progress(Protocol):
    """Something that shows how far the pass has read, in bytes of all inputs."""

    def begin(self, total: int, streams: bool = False) -> None: ...
    def update(self, done: int) -> None: ...
    def stage(self, name: str) -> None: ...
    def end(self) -> None: ...


class Kernel(Protocol):
    """What the engine needs of a kernel object (a `_core.Scan`)."""

    def begin_file(self, name: str) -> None: ...
    def feed(self, data: Any, size: int) -> tuple[bytes, bytes]: ...
    def end_file(self) -> tuple[bytes, bytes]: ...


def new_scan(
    keep: int,
    workers: int | None = None,
    split: bool = False,
    report: bool = False,
    time_fields: Sequence[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    calendar: Callable[[int], tuple[int, int] | None] | None = None,
    rows: str | None = None,
    windows: tuple[tuple[int, int], tuple[int, int]] | None = None,
    export: bool = False,
) -> Any:
    """A native kernel (`_core.Scan`) with one thread per core, or `workers` of them;
    with `rows` (a table's name), one that sums views, clicks and carts per user of its
    rows (`compare`), and nothing else: per window of `windows`, if given; with `export`,
    one that keeps each valid line's event as a row (`rows()`)."""
    from interact_cli._core import Scan

    try:
        return Scan(
            keep=min(keep, sys.maxsize),  # more problems than fit in memory: all of them
            threads=thread_count(workers),
            split=split,
            time_fields=None if time_fields is None else list(time_fields),
            report=report,
            since=since,
            until=until,
            calendar=calendar,
            rows=rows,
            windows=windows,
            export=export,
        )
    except ValueError as error:  # a time field that is a field of the contract
        raise OptionError(f"--time-field: {error}") from None


def show_kernel_panics(on: bool) -> None:
    """Let a panic of the native kernel print Rust's message on stderr (--debug); it is
    silent otherwise, and reaches Python as an exception shown in one line."""
    from interact_cli._core import set_debug

    set_debug(on)


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def thread_count(requested: int | None) -> int:
    """Kernel threads: as requested but at most the cores (more only compete), else the cores."""
    available = cores()
    return available if requested is None else max(1, min(requested, available))


def _next(ahead: queue.Queue[Any]) -> Any:
    """The next item, waiting in short steps: Python runs signal handlers (Ctrl-C,
    SIGTERM) between them, even while an idle pipe keeps the reader waiting."""
    while True:
        with contextlib.suppress(queue.Empty):
            return ahead.get(timeout=0.1)


def _prefetched(chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    """The chunks, read one ahead on another thread while the kernel works on the last.

    The kernel releases the GIL, so reading (and decompressing) overlaps with it. The
    reader is at most two chunks ahead of the consumer (one queued, one being read), so
    three buffers in turn suffice.
    """
    ahead: queue.Queue[Chunk | BaseException | None] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def read() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                ahead.put(chunk)
            ahead.put(None)
        except BaseException as error:  # handed to the consumer, raised there
            ahead.put(error)

    reader = threading.Thread(target=read, name="interact-cli-reader", daemon=True)
    reader.start()
    try:
        while (item := _next(ahead)) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        # Stopped early (an error, a signal): unblock a reader waiting to put and leave it;
        # it may be waiting on a pipe that never ends, and as a daemon it dies with us.
        stop.set()
        with contextlib.suppress(queue.Empty):
            ahead.get_nowait()


def _reads_fast(source: InputSource) -> bool:
    """A plain local file: reading it is a copy from the page cache, done in the loop.

    Read ahead on a thread it measured slower on two cores (validate on 1M events, median
    of 10 alternating runs: 0.49 s against 0.43 s): the reader competes with the kernel's
    threads and hides nothing. Decompression, pipes and stores are slow enough to overlap.
    A compressed file is known here by its name; one without a .gz/.zst name is still
    read right, only without the overlap."""
    name = source.name.lower()
    return source.regular and source.fs is None and not name.endswith(GZIP_SUFFIXES + ZSTD_SUFFIXES)


def _all_chunks(
    sources: Sequence[InputSource], chunk_bytes: int, buffers: int, notes: list[str]
) -> Iterator[Chunk]:
    """Every input's chunks in order, each input closed by a chunk of None.

    One pool of `buffers` buffers serves all inputs: many small files cost what their
    bytes cost. They are the kernel's own (`_core.Buffer`), which it reads in place: it
    copies any buffer that Python could change while it works without the GIL.
    """
    from interact_cli._core import Buffer

    pool = itertools.cycle([Buffer(chunk_bytes) for _ in range(buffers)])
    for index, source in enumerate(sources):
        for data, size, position in read_chunks(source, pool, chunk_bytes, notes):
            yield index, data, size, position
        yield index, None, 0, None


def feed_sources(
    sources: Sequence[InputSource],
    kernel: Kernel,
    progress: Progress | None = None,
    write: BlockWriter | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    finish: bool = True,
    notes: list[str] | None = None,
    fingerprints: list[tuple[str, int]] | None = None,
) -> None:
    """Feed every source's bytes to the kernel, file by file, in chunks of `chunk_bytes`.

    The progress bar ends with the reading unless `finish` is False (on error it always
    ends): the report keeps it for its aggregation. What the user should know of the
    inputs as they were read (a file that grew) is added to `notes`. With `fingerprints`,
    each source's (fingerprint of its decompressed bytes as hex, their count) is appended:
    XXH3-128 over the XXH3-128 of each FINGERPRINT_BLOCK bytes, so that cluster tasks can
    hash their ranges apart (src/py/fingerprint.rs).
    """
    notes = notes if notes is not None else []
    fingerprint: Any = None
    if progress is not None:
        streams = any(source.size is None for source in sources)
        progress.begin(sum(source.size or 0 for source in sources), streams)
    done_before = 0
    streamed = 0  # bytes of streams (stdin, FIFOs), which have no position in a file
    current = -1
    try:
        if all(_reads_fast(source) for source in sources):
            chunks = _all_chunks(sources, chunk_bytes, 1, notes)
        else:  # the reader is up to two chunks ahead: three buffers in turn
            chunks = _prefetched(_all_chunks(sources, chunk_bytes, 3, notes))
        for index, chunk, size, position in chunks:
            if index != current:
                current = index
                kernel.begin_file(sources[index].name)
                if fingerprints is not None:
                    fingerprint = input_fingerprint()
            if fingerprints is not None and chunk is not None:
                fingerprint.update(chunk, size)
            elif fingerprints is not None:
                fingerprints.append((fingerprint.hexdigest(), fingerprint.size))
            valid, invalid = kernel.feed(chunk, size) if chunk is not None else kernel.end_file()
            if write is not None and (valid or invalid):
                write(valid, invalid)
            if chunk is not None and position is None:
                streamed += size
            if progress is not None and (position is not None or chunk is not None):
                progress.update(done_before + streamed + (position or 0))
            if chunk is None:
                done_before += sources[index].size or 0
    except BaseException:
        if progress is not None:
            progress.end()
        raise
    if progress is not None and finish:
        progress.end()


def input_fingerprint() -> Any:
    """A new fingerprint of an input: XXH3-128 over its FINGERPRINT_BLOCK blocks."""
    from interact_cli._core import Fingerprint

    return Fingerprint(FINGERPRINT_BLOCK)


def _load_frames() -> None:
    with contextlib.suppress(ImportError):  # surfaces again, once, where frames are used
        importlib.import_module("interact_cli.frames")


def preload_frames() -> threading.Thread:
    """Import Polars (frames.py) on another thread, started now: the kernel reads
    meanwhile, without the GIL. Join it before the frames are used."""
    loading = threading.Thread(target=_load_frames, daemon=True)
    loading.start()
    return loading
