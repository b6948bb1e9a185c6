"""`ingest` and `state`: aggregate inputs once into a state file; report from it any time.

`ingest` scans its inputs as `report` does, counting per day in the state's zone, and
merges their partial result after the state's (so a report from the state is the report
over the inputs in the order they were ingested). Every input is recorded with a
fingerprint of its bytes (XXH3-128 over the XXH3-128 of its 1 MiB blocks), taken during
the scan: an input whose bytes were ingested before
is refused and the run adds nothing. One `ingest` at a time holds the state's lock file
(`STATE.lock`); another one exits at once (exit 2) rather than wait behind it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from interact_cli import __version__
from interact_cli.engine import (
    CHUNK_BYTES,
    TIME_FIELD_CANDIDATES,
    InputSource,
    Progress,
    as_sources,
    feed_sources,
    new_scan,
    preload_frames,
)
from interact_cli.errors import OptionError, StateError, shortened
from interact_cli.periods import Calendar, zone
from interact_cli.statefile import (
    Ingested,
    Settings,
    State,
    calendar_of,
    new_state,
    read_state,
    write_state,
)

if TYPE_CHECKING:
    from interact_cli.cluster import ClusterSpec

__all__ = [
    "IngestResult",
    "Settings",
    "State",
    "calendar_of",
    "ingest",
    "read_state",
    "settings_for",
]


@dataclass
class IngestResult:
    """What one `ingest` added to a state, and what the state holds now."""

    state: State
    added: list[Ingested]
    new_sets: int
    new_products: int
    size: int
    """The state file's bytes after the run."""
    counters: dict[str, Any] = field(default_factory=dict)
    """The kernel's counters over every input the state holds now."""
    notes: list[str] = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def settings_for(state: State | None, time_field: str | None, tz: str | None) -> Settings:
    """The settings of a run on `state` (None: a new one): options left out are the
    state's; options that differ from the state's are an OptionError."""
    if time_field == "":
        raise OptionError("--time-field: give a field name (or leave it out for the default)")
    if tz is not None:
        zone(tz)
    if state is None:
        return Settings(time_field, tz or "UTC")
    held = state.settings
    if time_field is not None and time_field != held.time_field:
        shown = held.time_field or "the default (" + ", ".join(TIME_FIELD_CANDIDATES) + ")"
        raise OptionError(
            f"--time-field {shortened(time_field)}: the state {state.path} counts times "
            f"of {shortened(shown)}; leave the option out, or start a new state"
        )
    if tz is not None and tz != held.tz:
        raise OptionError(
            f"--tz {shortened(tz)}: the state {state.path} counts days in {held.tz}; "
            "leave the option out, or start a new state"
        )
    return held


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    """Hold `path`.lock exclusively, or fail at once naming the process that holds it."""
    import fcntl

    lock = path + ".lock"
    try:
        handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        raise StateError(f"{lock}: cannot lock the state: {error.strerror or error}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 32, 0).decode("ascii", "replace").strip()
            who = f"another ingest (process {holder})" if holder.isdigit() else "another ingest"
            raise StateError(
                f"{path}: {who} is updating this state; run again when it has finished"
            ) from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(handle)  # releases the lock; the file stays (removing it would race)


def _target(path: str, sources: Sequence[InputSource]) -> str:
    """The state's path as written: a regular file (or a new one), never an input."""
    from interact_cli.sinks import plan_outputs

    (target,) = plan_outputs([path], sources)
    if target is None or target.kind != "file" or target.path is None:
        raise StateError(f"{path}: a state is a regular file, not stdout, a FIFO or a device")
    return target.path


def _duplicates(state: State, records: list[Ingested]) -> None:
    """Refuse inputs whose bytes the state holds already, or that a run gives twice."""
    seen = dict(state.fingerprints)
    for record in records:
        if not record.size:  # empty: it adds nothing, so it cannot count twice
            continue
        if (before := seen.get(record.fingerprint)) is not None:
            earlier = any(before is r for r in records)
            when = "in this run" if earlier else f"on {before.ingested_at}"
            raise StateError(
                f"{record.name}: already ingested {when} (as {before.name}, same bytes); "
                "nothing was added"
            )
        seen[record.fingerprint] = record


def _scan(
    sources: list[InputSource],
    settings: Settings,
    progress: Progress | None,
    how: tuple[int | None, int, str | ClusterSpec | None],
    notes: list[str],
) -> tuple[list[Ingested], Any]:
    """Scan the sources as `report` does, per day (here or on a cluster): their records
    and partial result."""
    workers, chunk_bytes, cluster = how
    fields = [settings.time_field] if settings.time_field else list(TIME_FIELD_CANDIDATES)
    prints: list[tuple[str, int]] = []
    if cluster is not None:
        from interact_cli import cluster as dask_cluster
        from interact_cli.units import Job

        job = Job(0, True, tuple(fields), None, None, settings.period, settings.tz, True)
        try:
            found, partial = dask_cluster.scan(cluster, sources, job, progress, prints)
        finally:
            if progress is not None:
                progress.end()
    else:
        calendar = Calendar(settings.period, settings.tz)
        kernel = new_scan(0, workers, False, True, fields, None, None, calendar)
        feed_sources(
            sources, kernel, progress, chunk_bytes=chunk_bytes, notes=notes, fingerprints=prints
        )
        found, partial = kernel.result(), kernel.partial()
    now = _now()
    records = [
        Ingested(
            # A name that is not UTF-8 (its bytes as surrogate escapes) is kept readable:
            # the fingerprint, not the name, is the input's identity.
            name=source.name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
            fingerprint=fingerprint,
            size=size,
            ingested_at=now,
            **{k: v for k, v in tally.items() if k != "path"},
        )
        for source, (fingerprint, size), tally in zip(sources, prints, found["files"], strict=True)
    ]
    return records, partial


def ingest(
    inputs: Sequence[str] | Sequence[InputSource],
    state_path: str,
    time_field: str | None = None,
    tz: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    storage_options: Mapping[str, Any] | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    cluster: str | ClusterSpec | None = None,
) -> IngestResult:
    """Scan the inputs and add them to the state at `state_path` (made when missing); on
    a Dask cluster with `cluster` (tcp://HOST:PORT, local[:N], or a ClusterSpec)."""
    notes: list[str] = []
    sources = as_sources(inputs, storage_options, notes)
    if not sources:
        raise OptionError("ingest: give at least one input")
    path = _target(state_path, sources)
    with _locked(path):
        state = read_state(path) if os.path.exists(path) else None
        if state is not None:
            state.path = state_path  # as the user named it, in messages
            calendar_of(state)  # its zone is one
        settings = settings_for(state, time_field, tz)
        state = state or new_state(settings, _now())
        state.path = state_path
        how = (workers, chunk_bytes, cluster)
        loading = preload_frames()  # the summary needs Polars after the scan
        try:
            records, partial = _scan(sources, settings, progress, how, notes)
        finally:
            loading.join()
        _duplicates(state, records)
        before = state.partial.counters() if state.partial is not None else {}
        if state.partial is None:
            state.partial = partial
        else:
            state.partial.merge(partial)
        del partial
        state.header.inputs.extend(records)
        state.header.written_by = __version__
        after, size = _write(state, path)
    return IngestResult(
        state,
        records,
        new_sets=after["sets"] - before.get("sets", 0),
        new_products=after["skus"] - before.get("skus", 0),
        size=size,
        counters=after,
        notes=notes,
    )


def _write(state: State, path: str) -> tuple[dict[str, Any], int]:
    """Write the state with its summary (computed here, which takes the partial's tables
    out: the state keeps its counters only); its counters and the file's size."""
    from interact_cli.frames import compute
    from interact_cli.statesummary import encode

    partial = state.partial
    counters, raw = partial.counters(), partial.to_bytes()
    state.partial = None

    def summary() -> bytes:
        return encode(compute(partial, state.settings.time_field, False, periods=False))

    return counters, write_state(state, path, raw, summary)


def _counts(record: Ingested) -> dict[str, Any]:
    import msgspec

    return msgspec.structs.asdict(record)


def ingest_summary(result: IngestResult) -> dict[str, Any]:
    """What `ingest` added and what the state holds now, as plain data (its JSON)."""
    added = {
        k: sum(getattr(r, k) for r in result.added)
        for k in ("lines", "valid", "invalid", "blank", "warnings")
    }
    return {
        "state": result.state.path,
        "added": {"inputs": len(result.added), **added},
        "new_sets": result.new_sets,
        "new_products": result.new_products,
        "inputs": [_counts(r) for r in result.added],
        "holds": _holdings(result.state, result.counters),
        "size": result.size,
    }


def _holdings(state: State, counters: dict[str, Any]) -> dict[str, Any]:
    return {
        "inputs": len(state.header.inputs),
        **state.totals(),
        "sets": counters.get("sets", 0),
        "products": counters.get("skus", 0),
        "users": counters.get("users", 0),
    }


def describe(path: str) -> dict[str, Any]:
    """What a state file holds (checked whole): settings, totals and every input."""
    state = read_state(path, "all")  # checked whole; its tables give the counters
    calendar_of(state)
    import msgspec

    return {
        "state": path,
        "size": state.size,
        "written_by": state.header.written_by,
        "created": state.header.created,
        "settings": msgspec.structs.asdict(state.settings),
        "holds": _holdings(state, state.partial.counters() if state.partial else {}),
        "inputs": [_counts(r) for r in state.header.inputs],
    }
