"""Units of work run in worker processes, results returned in plan order.

Large plain files are split into byte ranges at line starts; each range is decoded and
partly aggregated by a worker, and the caller merges the results exactly (line numbers
and file-order positions are offset by the units before). Compressed files and stdin
are one unit each.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

from interact_cli.inputs import InputSource, Unit, plan_units
from interact_cli.scan import Progress

Result = TypeVar("Result")
# Below this size a file is read by one process: starting workers would cost more.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
# One byte range per worker: every unit's partial aggregates are merged by the parent,
# which competes with the workers for the cores (measured: 5.5 s with 1, 7.8 s with 4).
UNITS_PER_WORKER = 1
MAX_DEFAULT_WORKERS = 8
POLL_SECONDS = 0.25  # how often the parent refreshes the progress bar while it waits


def worker_count(requested: int | None) -> int:
    """The number of worker processes: as requested, else one per core (at most 8)."""
    if requested is not None:
        return max(1, requested)
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))


def plan(sources: Sequence[InputSource], workers: int) -> list[Unit]:
    """Units for the sources: several per large plain file when there are several workers."""
    parts = workers * UNITS_PER_WORKER if workers > 1 else 1
    return plan_units(sources, parts, PARALLEL_MIN_BYTES)


def _context() -> multiprocessing.context.BaseContext:
    # fork is cheap, but unsafe once Polars (and its thread pool) is loaded in this process.
    if sys.platform.startswith("linux") and "polars" not in sys.modules:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def run_units(
    units: Sequence[Unit],
    work: Callable[..., Result],
    setting: Any,
    workers: int,
    progress: Progress | None = None,
) -> Iterator[Result]:
    """work(unit, setting, on_progress) for each unit on `workers` processes, yielded in order.

    The workers start now, before the caller loads Polars (so that fork is safe); results
    are yielded as they arrive, so that the caller merges each and lets it go.
    """
    if progress is not None:
        progress.begin(sum(unit.size or 0 for unit in units))
    # Streams are read here: a worker's stdin is /dev/null, and a spawned worker has no
    # inherited descriptor behind a process substitution (/dev/fd/63).
    if workers <= 1 or len(units) <= 1 or not all(unit.source.regular for unit in units):
        return _in_process(units, work, setting, progress)
    counter = _context().Value("q", 0)
    pool = _context().Pool(min(workers, len(units)), _share_counter, (counter,))
    results = pool.imap(partial(_counted, work=work, setting=setting), units)
    return _from_pool(pool, len(units), results, counter, progress)


def _in_process(units, work, setting, progress) -> Iterator[Result]:
    done_before = 0
    try:
        for unit in units:
            on_progress = None
            if progress is not None:
                start = done_before - unit.start
                on_progress = lambda position, start=start: progress.update(start + position)  # noqa: E731
            yield work(unit, setting, on_progress)
            done_before += unit.size or 0
    finally:
        if progress is not None:
            progress.end()


def _from_pool(pool, count: int, results, counter, progress) -> Iterator[Result]:
    try:
        with pool:
            for _ in range(count):
                while True:
                    try:
                        result = results.next(timeout=POLL_SECONDS)
                        break
                    except multiprocessing.TimeoutError:
                        if progress is not None:
                            progress.update(counter.value)
                if progress is not None:
                    progress.update(counter.value)
                yield result
    finally:
        if progress is not None:
            progress.end()


# In a worker process: the byte counter shared with the parent, for its progress bar.
_bytes_read = None


def _share_counter(counter) -> None:
    global _bytes_read
    _bytes_read = counter


def _counted(unit: Unit, work: Callable[..., Result], setting: Any) -> Result:
    """Run work on a unit in a worker, adding the bytes it reads to the shared counter."""
    last = unit.start

    def on_progress(position: int) -> None:
        nonlocal last
        with _bytes_read.get_lock():
            _bytes_read.value += position - last
        last = position

    return work(unit, setting, on_progress)
