"""The Rich console that tables are drawn on."""

from __future__ import annotations

import sys

from rich.console import Console


class _Console(Console):
    """Rich exits with status 1 when stdout's reader goes away; the CLI decides instead."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def stdout_console() -> Console:
    """A Rich console on stdout (width and colour from the terminal, COLUMNS, NO_COLOR)."""
    return _Console(file=sys.stdout, highlight=False)
