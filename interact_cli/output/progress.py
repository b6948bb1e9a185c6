"""A progress bar on stderr, shown only for long work on a terminal."""

from __future__ import annotations

import sys
from typing import Any

SHOW_ABOVE_BYTES = 4 * 1024 * 1024
SHOW_ABOVE_EVENTS = 200_000


class ByteProgress:
    """Shows bytes read over the total size of the inputs (or events written, with
    `events=True`), then named stages such as the report's aggregation."""

    def __init__(self, events: bool = False) -> None:
        self._events = events
        self._bar: Any = None  # a rich Progress once shown (Rich loads only then)
        self._task: Any = None

    def begin(self, total: int) -> None:
        """Start the bar if stderr is a terminal and the work is large."""
        if not sys.stderr.isatty() or total < (
            SHOW_ABOVE_EVENTS if self._events else SHOW_ABOVE_BYTES
        ):
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        amount = MofNCompleteColumn() if self._events else DownloadColumn()
        columns = (TextColumn("{task.description}"), BarColumn(), amount, TimeRemainingColumn())
        self._bar = Progress(*columns, console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task("writing" if self._events else "reading", total=total)
        self._bar.start()

    def stage(self, name: str) -> None:
        """Name the work after reading (the bar pulses: its length is not known)."""
        if self._bar is not None:
            self._bar.update(self._task, description=name, total=None)

    def update(self, done: int) -> None:
        """Move the bar to `done` bytes."""
        if self._bar is not None:
            self._bar.update(self._task, completed=done)

    def end(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
