"""A byte progress bar on stderr, shown only for large inputs on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from interact_cli.inputs import InputSource

SHOW_ABOVE_BYTES = 4 * 1024 * 1024


class ByteProgress:
    """Shows bytes read over the total size of the file inputs, when that is worth it."""

    def __init__(self) -> None:
        self._bar = None
        self._task = None
        self._offsets: dict[str, int] = {}

    def begin(self, sources: Sequence[InputSource]) -> None:
        """Start the bar if stderr is a terminal and the files are large."""
        total = 0
        for source in sources:
            self._offsets[source.name] = total
            total += source.size or 0
        if not sys.stderr.isatty() or total < SHOW_ABOVE_BYTES:
            return
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        columns = (BarColumn(), DownloadColumn(), TimeRemainingColumn())
        self._bar = Progress(*columns, console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task("reading", total=total)
        self._bar.start()

    def advance(self, source: InputSource, done: int) -> None:
        """Move the bar to `done` bytes into `source`."""
        if self._bar is not None:
            self._bar.update(self._task, completed=self._offsets.get(source.name, 0) + done)

    def end(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
