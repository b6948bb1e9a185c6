"""A byte progress bar on stderr, shown only for large inputs on a terminal."""

from __future__ import annotations

import sys

SHOW_ABOVE_BYTES = 4 * 1024 * 1024


class ByteProgress:
    """Shows bytes read over the total size of the file inputs, when that is worth it."""

    def __init__(self) -> None:
        self._bar = None
        self._task = None

    def begin(self, total: int) -> None:
        """Start the bar if stderr is a terminal and the inputs are large."""
        if not sys.stderr.isatty() or total < SHOW_ABOVE_BYTES:
            return
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        columns = (BarColumn(), DownloadColumn(), TimeRemainingColumn())
        self._bar = Progress(*columns, console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task("reading", total=total)
        self._bar.start()

    def update(self, done: int) -> None:
        """Move the bar to `done` bytes."""
        if self._bar is not None:
            self._bar.update(self._task, completed=done)

    def end(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
