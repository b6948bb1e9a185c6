"""`--cluster`: validate and report on a Dask cluster, with the numbers of a local run.

The client plans units (`units.py`: byte ranges of plain files and objects, whole
compressed ones), submits them largest first, and each task runs the native kernel on
one unit and returns its counts, first problems and (for a report) its partial result as
compressed bytes: never rows. The client merges them in input order, so line numbers,
first problems and attribution in file order come out exactly as in one pass.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from interact_cli import __version__
from interact_cli.engine import Progress, cores
from interact_cli.errors import ClusterError, OptionError
from interact_cli.inputs import InputSource
from interact_cli.parts import name_width
from interact_cli.units import RANGE_BYTES, Job, Unit, aligned, plan, run_unit, unpack

INSTALL = "--cluster needs Dask: pip install 'interact-cli[cluster]'"


@dataclass(frozen=True)
class ClusterSpec:
    """Where and how to run: a scheduler's address (or `local[:N]`) and the unit size."""

    address: str
    range_bytes: int = RANGE_BYTES
    timeout: float = 10
    version: str = __version__
    """The interact-cli version the workers must run (the client's)."""


def merge_found(
    units: Sequence[Unit], founds: Sequence[dict[str, Any]], keep: int
) -> dict[str, Any]:
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
    import warnings

    # Dask warns on stderr of slow scratch folders and the like: not our output either.
    warnings.filterwarnings("ignore", module="distributed")
    warnings.filterwarnings("ignore", module="dask")
    # Local workers share semaphores through multiprocessing's resource tracker, a process
    # of its own that warns of "leaked" ones when Ctrl-C ends a run: its interpreter gets
    # the warning options of this one.
    quiet_tracker = "ignore::UserWarning:multiprocessing.resource_tracker"
    if quiet_tracker not in sys.warnoptions:
        sys.warnoptions.append(quiet_tracker)
    # Dask's configuration gives some of its loggers levels of their own: set them all.
    names = [n for n in logging.root.manager.loggerDict if n.partition(".")[0] == "distributed"]
    for name in ["distributed", *names]:
        logging.getLogger(name).setLevel(logging.CRITICAL)


@contextlib.contextmanager
def connect(spec: ClusterSpec) -> Iterator[Any]:
    """A Dask client: `tcp://HOST:PORT` (a running scheduler) or `local[:N]`."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise OptionError(INSTALL) from None
    _quiet_dask()
    with contextlib.ExitStack() as stack:
        address: Any = spec.address
        if address == "local" or address.startswith("local:"):
            workers = local_workers(address)
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=50,  # logging.CRITICAL: its chatter is not our output
                )
            )
            address = cluster
        elif "://" not in address:
            raise OptionError(f"--cluster {address}: give tcp://HOST:PORT or local[:N]")
        try:
            client = stack.enter_context(Client(address, timeout=f"{spec.timeout}s"))
            client.wait_for_workers(1, timeout=3 * spec.timeout)
        except ValueError as error:  # an address Dask cannot parse (tcp://, tcp://[::1)
            raise OptionError(f"--cluster {spec.address}: {error}") from None
        except (OSError, TimeoutError) as error:
            raise ClusterError(f"cannot use the cluster at {spec.address}: {error}") from None
        _check_versions(client, spec.version)
        yield client


def local_workers(address: str) -> int:
    """N of `local:N` (the cores for `local`), at most the cores: more processes than
    cores only compete (the CLI says so when it caps)."""
    count = address.partition(":")[2]
    if count and (not (count.isascii() and count.isdigit()) or int(count) < 1):
        raise OptionError(f"--cluster {address}: N in local:N is a number of workers")
    return min(int(count), cores()) if count else cores()


def _version() -> str:
    from interact_cli import __version__ as theirs

    return theirs


def _check_versions(client: Any, version: str) -> None:
    found = client.run(_version)
    other = sorted({v for v in found.values() if v != version})
    if other:
        raise ClusterError(
            f"the workers run interact-cli {', '.join(other)}, the client {version}: "
            "install the same version on both"
        )


def scan(
    spec: str | ClusterSpec,
    sources: Sequence[InputSource],
    job: Job,
    progress: Progress | None = None,
    fingerprints: list[tuple[str, int]] | None = None,
    written: list[list[Any]] | None = None,
) -> tuple[dict[str, Any], Any]:
    """Run the kernel over the inputs on a cluster: the merged result and partial (None
    unless `job.report`), exactly those of one local pass. With `job.fingerprint`, each
    source's (fingerprint, bytes) is appended to `fingerprints`, as a local pass gives;
    with `job.parts`, each unit's parts (what its task wrote) to `written`, in order."""
    spec = ClusterSpec(spec) if isinstance(spec, str) else spec
    range_bytes = spec.range_bytes
    if job.fingerprint:
        from interact_cli.engine import FINGERPRINT_BLOCK

        range_bytes = aligned(range_bytes, FINGERPRINT_BLOCK)
    units = plan(sources, range_bytes)
    job = replace(job, width=name_width(len(units)))
    merging = _InOrder() if job.report else None
    try:
        with connect(spec) as client:
            founds, hashed, parts = _gather(client, spec, units, job, progress, merging)
        if job.fingerprint and fingerprints is not None:
            fingerprints += _combined(units, hashed, len(sources))
        if written is not None and job.parts:
            written += [parts[u.index] for u in units]
        partial = None if merging is None else merging.finish(len(units))
    finally:
        if merging is not None:  # its threads end with the run, also a failed one
            merging.close()
    return merge_found(units, [founds[u.index] for u in units], job.keep), partial


def _gather(
    client: Any,
    spec: ClusterSpec,
    units: Sequence[Unit],
    job: Job,
    progress: Progress | None,
    merging: _InOrder | None,
) -> tuple[dict[int, dict[str, Any]], dict[int, tuple[bytes, int]], dict[int, list[Any]]]:
    """Run a task per unit; by unit, what each found, its fingerprint and its parts (its
    partial goes to `merging` as it arrives)."""
    from distributed import as_completed

    founds: dict[int, dict[str, Any]] = {}
    hashed: dict[int, tuple[bytes, int]] = {}
    parts: dict[int, list[Any]] = {}
    # Largest first (higher priority runs sooner): a big unit last would run alone.
    futures = {
        client.submit(run_unit, u, job, spec.version, priority=u.weight, pure=False): u
        for u in sorted(units, key=lambda u: -u.weight)
    }
    if progress is not None:
        progress.begin(sum(u.weight for u in units))
    done = 0
    try:
        for future in as_completed(futures):
            unit = futures.pop(future)
            result = future.result()  # a task's own error (unreadable input) is raised
            founds[unit.index] = result["found"]
            if job.fingerprint:
                hashed[unit.index] = result["fingerprint"]
            if "parts" in result:
                parts[unit.index] = [_traced(p, unit) for p in result["parts"]]
            if merging is not None:
                merging.add(unit.index, result["partial"])
            done += unit.weight
            if progress is not None:
                progress.update(done)
    except _cluster_errors() as error:
        raise ClusterError(_lost(spec.address, error)) from None
    return founds, hashed, parts


def _traced(part: dict[str, Any] | None, unit: Unit) -> dict[str, Any] | None:
    """A part as the manifest lists it: which input and byte range its lines come from."""
    if part is None:
        return None
    place = {"input": unit.name, "start": unit.start, "end": unit.end}
    return {"part": part["part"], **place, "lines": part["lines"], "bytes": part["bytes"]}


def _combined(
    units: Sequence[Unit], hashed: dict[int, tuple[bytes, int]], files: int
) -> list[tuple[str, int]]:
    """Each file's fingerprint from its units' block digests, joined in order."""
    from interact_cli._core import Fingerprint

    digests: list[list[bytes]] = [[] for _ in range(files)]
    sizes = [0] * files
    for unit in units:
        data, size = hashed[unit.index]
        digests[unit.file].append(data)
        sizes[unit.file] += size
    return [
        (Fingerprint.combine(b"".join(parts), size), size)
        for parts, size in zip(digests, sizes, strict=True)
    ]


class _InOrder:
    """Partials merged in input order as soon as a prefix of them has arrived.

    Merging here, while tasks run, measured faster than a tree of merge tasks on the
    workers, which re-serialise the growing partial at every level (5M events, 2 cores:
    5.4 s against 9 s). Unpacking a partial (zstd, then decoding) was half the client's
    work per unit (benchmarks/merge.py): it runs on `threads` threads for the `ahead`
    units from the next to merge on (a straggling first unit must not keep every other one
    waiting decoded), and one more thread merges, so that only the merge itself is
    sequential and the loop that gathers results never waits for it."""

    def __init__(self, threads: int = 2, ahead: int = 4) -> None:
        self.pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="interact-cli-unpack")
        self.ahead = max(1, ahead)
        self.packed: dict[int, bytes] = {}
        self.unpacking: dict[int, Future[Any]] = {}
        self.next = 0
        self.partial: Any = None
        self.failed: BaseException | None = None
        self.stopped = False
        self.changed = threading.Condition()
        self.merger = threading.Thread(target=self._run, name="interact-cli-merge", daemon=True)
        self.merger.start()

    def add(self, index: int, data: bytes) -> None:
        """Take a unit's partial bytes, to be merged in order (a failed merge is raised)."""
        with self.changed:
            if self.failed is not None:
                raise self.failed
            self.packed[index] = data
            self._schedule()
            self.changed.notify_all()

    def finish(self, units: int) -> Any:
        """The merge of all `units` partials (each added once), when it is done."""
        with self.changed:
            while self.next < units and self.failed is None:
                self.changed.wait(0.5)  # timed: a signal is handled meanwhile everywhere
        self.close()
        if self.failed is not None:
            raise self.failed
        return self.partial

    def close(self) -> None:
        """Stop merging (the run ended or failed)."""
        with self.changed:
            self.stopped = True
            self.changed.notify_all()
        self.pool.shutdown(wait=False, cancel_futures=True)

    def _schedule(self) -> None:
        """Start unpacking the arrived units of the window (the lock is held)."""
        for index in range(self.next, self.next + self.ahead):
            if index in self.packed:
                self.unpacking[index] = self.pool.submit(unpack, self.packed.pop(index))

    def _next_unpacked(self) -> Future[Any] | None:
        with self.changed:
            while not self.stopped:
                self._schedule()
                if self.next in self.unpacking:
                    return self.unpacking.pop(self.next)
                self.changed.wait()
        return None

    def _run(self) -> None:
        try:
            while (unpacking := self._next_unpacked()) is not None:
                part = unpacking.result()
                if self.partial is None:
                    self.partial = part
                else:
                    self.partial.merge(part)  # without the GIL
                with self.changed:
                    self.next += 1
                    self._schedule()
                    self.changed.notify_all()
        except BaseException as error:  # a partial that does not decode: raised by finish
            with self.changed:
                self.failed = error
                self.changed.notify_all()


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
