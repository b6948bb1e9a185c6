"""A progress bar on stderr, shown only for long work on a terminal."""

from __future__ import annotations

import sys
from typing import Any

SHOW_ABOVE_BYTES = 4 * 1024 * 1024
SHOW_ABOVE_EVENTS = 200_000


class ByteProgress:
    """Shows bytes read over the total size of the inputs (or events written, with
    `events=True`); with a stream among the inputs (stdin, a FIFO), bytes read and their
    rate, without a total; then named stages such as the report's aggregation, as a
    spinner with the time they have taken."""

    def __init__(self, events: bool = False) -> None:
        self._events = events
        self._bar: Any = None  # a rich Progress once shown (Rich loads only then)
        self._task: Any = None
        self._total: int | None = None
        self._shown = False

    def begin(self, total: int, streams: bool = False) -> None:
        """Get ready to show the work: `total` bytes (or events), and, with `streams`,
        more whose size is not known. Only on a terminal, and only for large work: with
        streams, the bar appears once they have passed the size a bar is shown for."""
        self._shown = sys.stderr.isatty()
        self._total = None if streams else total
        limit = SHOW_ABOVE_EVENTS if self._events else SHOW_ABOVE_BYTES
        if self._shown and not streams and total >= limit:
            self._start()

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        amount = MofNCompleteColumn() if self._events else DownloadColumn()
        columns: tuple[Any, ...] = (TextColumn("{task.description}"), BarColumn(), amount)
        if self._total is None:  # a stream: what was read, and how fast
            columns += (TransferSpeedColumn(), TimeElapsedColumn())
        else:
            columns += (TimeRemainingColumn(),)
        self._bar = Progress(*columns, console=Console(stderr=True), transient=True)
        description = "writing" if self._events else "reading"
        self._task = self._bar.add_task(description, total=self._total)
        self._bar.start()

    def stage(self, name: str) -> None:
        """Name the work after reading: a spinner and the time it has taken so far."""
        if self._bar is None:
            return
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._bar.stop()
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        self._bar = Progress(*columns, console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task(name, total=None)
        self._bar.start()

    def update(self, done: int) -> None:
        """Move the bar to `done` bytes (or events)."""
        limit = SHOW_ABOVE_EVENTS if self._events else SHOW_ABOVE_BYTES
        if self._bar is None and self._shown and self._total is None and done >= limit:
            self._start()
        if self._bar is not None:
            self._bar.update(self._task, completed=done)

    def end(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
