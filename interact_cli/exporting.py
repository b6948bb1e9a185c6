"""`export`: the valid events as typed Parquet rows, one row per valid line.

The kernel resolves each event as `report` does (dialects, set, user, time) and hands
the rows of every chunk over as Arrow columns (src/export.rs). This thread reads and
scans, as for a report, and queues the rows; a writer thread writes them
(parquet_rows.py), so memory stays bounded however big the input, and Ctrl-C is served
here between chunks. The output appears whole or not at all.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from interact_cli.engine import (
    CHUNK_BYTES,
    TIME_FIELD_CANDIDATES,
    InputSource,
    Progress,
    as_sources,
    feed_sources,
    new_scan,
    resolve_inputs,
)
from interact_cli.errors import InputError, OptionError
from interact_cli.parquet_rows import END, Batches, WriterStopped, write_days, write_file
from interact_cli.sinks import STDOUT, Target, atomic_folder, atomic_path, plan_folder, plan_outputs


@dataclass(frozen=True)
class ExportOptions:
    """How `export` reads and lays out the events."""

    time_field: str | None = None
    partition: Literal["day"] | None = None
    # The zone whose calendar days `partition="day"` cuts at (default UTC).
    tz: str | None = None


def _files(path: str) -> tuple[int, int]:
    """How many Parquet files, and how many bytes, a written output holds."""
    if os.path.isfile(path):
        return 1, os.path.getsize(path)
    count = size = 0
    for folder, _, names in os.walk(path):
        for name in names:
            count += 1
            size += os.path.getsize(os.path.join(folder, name))
    return count, size


def _wait(done: threading.Event) -> None:
    """Wait until the writer has finished, in short steps: signals are served between them.

    Not Thread.join: interrupted while the thread lives, Python 3.11 marks it stopped
    and returns, and the output was removed while the writer still wrote into it."""
    while not done.wait(0.1):
        pass


def _wait_through_signals(done: threading.Event) -> None:
    """Wait for the stopped writer to finish, whatever further signals come: only then
    may the temporary output be removed (it gives up at its next batch or part)."""
    while True:
        try:
            _wait(done)
            return
        except BaseException:  # another Ctrl-C or SIGTERM: the first one is raised after
            continue


def _writing(write: Any, done: threading.Event) -> Any:
    """The writer's work, which says when it has finished, however it ends."""

    def run(*args: Any) -> None:
        try:
            write(*args)
        finally:
            done.set()

    return run


def _write(
    batches: Batches,
    sources: list[InputSource],
    path: str,
    name: str,
    options: ExportOptions,
    progress: Progress | None,
    chunk_bytes: int,
    notes: list[str],
) -> None:
    """Run the writer thread while this one reads, scans and hands it the rows, which it
    writes to `path` (temporary; the output is named `name`)."""
    errors: list[BaseException] = []
    days = functools.partial(write_days, tz=options.tz or "UTC")
    done = threading.Event()
    writer = threading.Thread(
        target=_writing(write_file if options.partition is None else days, done),
        args=(batches, path, errors),
        name="interact-cli-parquet",
        daemon=True,
    )
    writer.start()
    try:
        try:
            feed_sources(
                sources, batches, progress, chunk_bytes=chunk_bytes, finish=False, notes=notes
            )
            batches.flush()
            batches.put(END)
        except WriterStopped:
            pass  # the writer failed: its error is raised below
        _wait(done)
    except BaseException:
        batches.stopped.set()  # the writer gives up; then the output is removed
        _wait_through_signals(done)
        raise
    if errors:  # named by the target, not by the temporary path written
        error = errors[0]
        if isinstance(error, InputError) or not isinstance(error, Exception):
            raise error  # a panic of Polars is a bug (exit 3), not an output error
        why = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise InputError(f"{name}: cannot write Parquet: {why}") from None


def _check(options: ExportOptions) -> None:
    """What no data can answer: an empty time field, an unknown partition or zone."""
    from interact_cli.periods import zone

    if options.time_field == "":
        raise OptionError("--time-field: give a field name (or leave it out for the default)")
    if options.partition not in (None, "day"):
        raise OptionError(f"--partition: {options.partition!r} is not a layout (use day)")
    if options.tz is not None:
        if options.partition is None:
            raise OptionError("--tz: the zone of --partition day; give it with --partition day")
        zone(options.tz)
        import polars as pl

        try:  # Polars cuts the days by its own zone database, which may lack a name
            pl.Series([0], dtype=pl.Datetime("us", "UTC")).dt.convert_time_zone(options.tz)
        except Exception:  # its error type differs between versions
            raise OptionError(f"--tz: Polars knows no time zone {options.tz!r}") from None


def plan_export(spec: str | None, partition: str | None, sources: Sequence[InputSource]) -> Target:
    """The output of export, planned before anything is read: a Parquet file that is none
    of the inputs, or with a partition a new (or empty) folder."""
    if partition is not None:
        return plan_folder(spec, "--partition day")
    if not spec or spec == STDOUT:
        raise OptionError(
            "export writes Parquet: give -o FILE.parquet (or -o FOLDER with --partition day)"
        )
    if spec.endswith(("/", os.sep)):  # a folder's name: it would be written as a file
        raise InputError(f"{spec}: a folder; give a file path (or --partition day)")
    target = plan_outputs([spec], sources)[0]
    if target is None or target.kind != "file":
        raise InputError(f"{spec}: export writes a Parquet file, replaced whole: give a file path")
    return target


def export_events(
    inputs: Sequence[str] | Sequence[InputSource],
    target: Target,
    options: ExportOptions,
    progress: Progress | None = None,
    workers: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    storage_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the valid events of the inputs as Parquet at `target` (a file, or a folder
    with a partition); what was read and written, as `export --json` prints it."""
    _check(options)
    time_fields = [options.time_field] if options.time_field else list(TIME_FIELD_CANDIDATES)
    kernel = new_scan(0, workers, time_fields=time_fields, export=True)
    notes: list[str] = []
    sources = as_sources(inputs, storage_options, notes)
    batches = Batches(kernel, [])
    opened = atomic_folder(target) if options.partition else atomic_path(target)
    try:
        with opened as path:
            _write(batches, sources, path, target.name, options, progress, chunk_bytes, notes)
            files, size = _files(path)
            found = kernel.result()
            if batches.rows != found["summary"]["valid"]:  # never: a row per valid line
                raise RuntimeError(f"{batches.rows} rows for {found['summary']['valid']} lines")
    finally:
        if progress is not None:
            progress.end()
    summary = {
        **found["summary"],
        "rows": batches.rows,
        "order_lines": batches.order_lines,
        "amounts_rounded": batches.rounded,
        "untimed": batches.untimed,
        "output": target.name,
        "partition": options.partition,
        "parquet_files": files,
        "bytes_written": size,
    }
    if options.time_field and batches.rows and batches.untimed == batches.rows:
        notes.append(f"no exported event has a time in {options.time_field!r}: every time is null")
    return {"summary": summary, "files": found["files"], "notices": notes}


def export(
    inputs: Sequence[str],
    output: str | None,
    options: ExportOptions,
    storage_options: Mapping[str, Any] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The command's work, for the CLI and the API alike: the inputs found, the output
    planned before anything is read, the events written; the --json document (the notes
    on the inputs first)."""
    notes: list[str] = []
    sources = resolve_inputs(inputs, storage_options, notes)
    target = plan_export(output, options.partition, sources)
    found = export_events(sources, target, options, progress, workers)
    found["notices"][:0] = notes
    return found
