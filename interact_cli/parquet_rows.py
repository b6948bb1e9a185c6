"""The kernel's rows of each chunk -> Parquet, on a writer thread.

The reading thread puts the rows of about BATCH_ROWS lines at a time into a small queue
(`Batches`); the writer turns each batch into a frame of the exported table and writes
it: into one file through Polars' streaming Parquet sink (an IO source over the queue),
or into day partitions, each day's rows held until the days together hold too many, and
the largest day's written as its next part. Memory is bounded by the queue and the rows
held, however big the input.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from interact_cli.engine import EVENT_TYPES
from interact_cli.errors import InputError
from interact_cli.serialize import utf8_name

if TYPE_CHECKING:
    import polars as pl

# Hive's name for the partition of a null key (events without a time); DuckDB and Polars
# read it back as null.
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
# Rows handed to Polars at a time (about 6 MB of columns): one chunk's rows (~13,000)
# cost Polars' sink more per row (1.5-1.8 s against 1.24-1.30 s for 1M events).
BATCH_ROWS = 64 * 1024
# Batches waiting for the writer; it holds a row group besides. Two keep the kernel busy
# while Polars writes.
QUEUE_BATCHES = 2
# Rows per Parquet row group: about 25 MB of events before compression.
ROW_GROUP_ROWS = 256 * 1024
# zstd's level: 1 wrote 1M events 0.1-0.15 s faster than Polars' default (3), in a file
# 3.7% larger (19.6 MB against 18.9 MB, of 322 MB of NDJSON).
ZSTD_LEVEL = 1
# Rows of day partitions held at once: when all days together hold more, the largest
# day's are written as its next part. 5M events over 115 days (sorted by time, one part
# a day): 512k rows held peaked at 347 MiB, 256k at 269 MiB, 128k at 220 MiB. Input not
# sorted by time makes more, smaller parts.
HELD_ROWS = 128 * 1024
END = object()  # the queue's last item: every batch was put


def schema() -> dict[str, Any]:
    """The exported table's columns and their Polars types (docs/usage.md lists them)."""
    import polars as pl

    line = pl.Struct(
        {
            "sku": pl.String,
            "quantity": pl.Float64,
            "amount": pl.Decimal(38, 9),
            "currency": pl.String,
        }
    )
    return {
        "event_type": pl.Enum(list(EVENT_TYPES)),
        "time": pl.Datetime("us", "UTC"),
        "set_id": pl.String,
        "user_id": pl.String,
        "sku": pl.String,
        "action": pl.String,
        "order_id": pl.String,
        "order_lines": pl.List(line),
        "path": pl.String,
        "line": pl.UInt64,
    }


def _frame(columns: Mapping[str, Any], names: Sequence[str]) -> pl.DataFrame:
    """One batch of the kernel's columns as the exported table: codes become names."""
    import polars as pl

    raw = pl.DataFrame([pl.Series(name, column) for name, column in columns.items()])
    # Codes index their names: a gather, cheaper than a mapping.
    kinds = pl.Series("event_type", EVENT_TYPES, dtype=pl.Enum(list(EVENT_TYPES)))
    paths = pl.Series("path", list(names), dtype=pl.String)
    return raw.select(
        kinds.gather(raw["event_type"]),
        "time",
        "set_id",
        "user_id",
        "sku",
        "action",
        "order_id",
        "order_lines",
        paths.gather(raw["file"]).alias("path"),
        "line",
    )


class WriterStopped(Exception):
    """The writer failed and takes no more batches: its own error is raised after it."""


class Batches:
    """The scan's batches, put by this thread and taken by the writer's Polars source."""

    def __init__(self, kernel: Any, names: list[str]) -> None:
        self.kernel = kernel
        self.names = names
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_BATCHES)
        self.stopped = threading.Event()  # the reading side failed: the writer gives up
        self.rows = 0
        self.order_lines = 0
        self.untimed = 0
        self.rounded = 0

    def begin_file(self, name: str) -> None:
        """The kernel's begin_file; the file's name is what its rows' `path` says (a
        name that is not UTF-8 with \\xNN for its stray bytes: Parquet text is UTF-8)."""
        self.names.append(utf8_name(name))
        self.kernel.begin_file(name)

    def feed(self, data: Any, size: int) -> tuple[bytes, bytes]:
        """The kernel's feed; its rows are put for the writer."""
        result: tuple[bytes, bytes] = self.kernel.feed(data, size)
        self._put_rows()
        return result

    def end_file(self) -> tuple[bytes, bytes]:
        """The kernel's end_file; its rows are put for the writer once enough are held."""
        result: tuple[bytes, bytes] = self.kernel.end_file()
        self._put_rows()
        return result

    def _put_rows(self, at_least: int | None = None) -> None:
        columns, self.rounded = self.kernel.rows(BATCH_ROWS if at_least is None else at_least)
        if columns is not None:
            self.put((columns, list(self.names)))

    def flush(self) -> None:
        """Put the rows still held (after the last input)."""
        self._put_rows(0)

    def put(self, item: Any) -> None:
        """Queue an item, waiting in short steps (signals are served between them);
        WriterStopped once the writer has failed, which would never take it."""
        while not self.stopped.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise WriterStopped

    def frames(self) -> Iterator[pl.DataFrame]:
        """The batches as frames of the exported table, until the end (the writer's side)."""
        while True:
            try:
                item = self.queue.get(timeout=0.1)
            except queue.Empty:
                if self.stopped.is_set():
                    raise InputError("the export was stopped") from None
                continue
            if item is END:
                return
            columns, names = item
            frame = _frame(columns, names)
            self.rows += frame.height
            self.untimed += frame["time"].null_count()
            self.order_lines += int(frame["order_lines"].list.len().sum())
            yield frame


def write_file(batches: Batches, path: str, errors: list[BaseException]) -> None:
    """Write every batch into one file with Polars' streaming Parquet sink (the writer
    thread); a failure goes into `errors` and stops the reading side."""
    from polars.io.plugins import register_io_source

    def source(
        with_columns: list[str] | None, predicate: Any, n_rows: int | None, batch_size: int | None
    ) -> Iterator[pl.DataFrame]:
        for frame in batches.frames():
            yield frame if with_columns is None else frame.select(with_columns)

    try:
        frames = register_io_source(source, schema=schema())
        frames.sink_parquet(
            path,
            compression="zstd",
            compression_level=ZSTD_LEVEL,
            row_group_size=ROW_GROUP_ROWS,
        )
    except BaseException as error:  # handed to the reading thread, raised there
        errors.append(error)
        batches.stopped.set()


class _Days:
    """Rows per day of `tz`, each day written as numbered parts in its Hive folder."""

    def __init__(self, folder: str, tz: str, stopped: threading.Event) -> None:
        self.folder = folder
        self.tz = tz
        self.stopped = stopped  # the reading side failed: write no more parts
        self.held: dict[str, list[pl.DataFrame]] = {}
        self.counts: dict[str, int] = {}
        self.parts: dict[str, int] = {}

    def add(self, frame: pl.DataFrame) -> None:
        """Hold a batch's rows by day; write the largest day's while all hold too many."""
        import polars as pl

        day = pl.col("time").dt.convert_time_zone(self.tz).dt.date().cast(pl.String)
        keyed = frame.with_columns(day.fill_null(HIVE_NULL).alias("date"))
        for (key,), rows in keyed.partition_by(
            "date", as_dict=True, include_key=False, maintain_order=True
        ).items():
            name = str(key)
            self.held.setdefault(name, []).append(rows)
            self.counts[name] = self.counts.get(name, 0) + rows.height
        while sum(self.counts.values()) > HELD_ROWS:
            self.write(max(self.counts, key=lambda name: self.counts[name]))

    def write(self, name: str) -> None:
        """Write a day's held rows as its next part (parts in name order are input order)."""
        import polars as pl

        if self.stopped.is_set():
            raise InputError("the export was stopped")
        rows = pl.concat(self.held.pop(name))
        self.counts.pop(name, None)
        part = self.parts.get(name, 0)
        self.parts[name] = part + 1
        folder = os.path.join(self.folder, f"date={name}")
        os.makedirs(folder, exist_ok=True)
        rows.write_parquet(
            os.path.join(folder, f"part-{part:05d}.parquet"),
            compression="zstd",
            compression_level=ZSTD_LEVEL,
            row_group_size=ROW_GROUP_ROWS,
        )

    def close(self) -> None:
        """Write every day still held; with no rows at all, an empty part, so that readers
        find the schema (an empty folder is an error to DuckDB and Polars)."""
        import polars as pl

        if not self.parts and not self.held:
            self.held[HIVE_NULL] = [pl.DataFrame(schema=schema())]
        for name in sorted(self.held):
            self.write(name)


def write_days(batches: Batches, folder: str, errors: list[BaseException], tz: str) -> None:
    """Write every batch into day partitions (Hive: date=YYYY-MM-DD/part-NNNNN.parquet) in
    `folder` (the writer thread). Polars' own partitioned sink held a row group per day
    open: 1.2 GB for 5M events over 31 days; here all days together hold HELD_ROWS."""
    try:
        days = _Days(folder, tz, batches.stopped)
        for frame in batches.frames():
            days.add(frame)
        days.close()
    except BaseException as error:  # handed to the reading thread, raised there
        errors.append(error)
        batches.stopped.set()
