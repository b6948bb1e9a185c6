"""The console script and `python -m interact_cli`: the CLI, with Ctrl-C while it starts
(loading Typer and the commands, ~0.1 s) an exit 130 too, not a traceback."""

from __future__ import annotations

import os
import signal
import sys

from interact_cli.exit_codes import ExitCode


def _interrupted_while_starting(signum: int, frame: object) -> None:
    """Ctrl-C before the commands' own handling is in place: one line, exit 130."""
    os.write(2, b"interact-cli: interrupted\n")
    os._exit(ExitCode.INTERRUPTED)


def return_freed_memory() -> bool:
    """Have glibc map every block of 128 KiB or more on its own, so that a freed one goes
    back to the system at once; True if it was set.

    By default glibc raises that threshold after each free of a large block (up to 32
    MiB) and keeps such blocks in its heaps: the kernel's tables, freed once Polars has
    the columns, stayed resident under Polars' own memory. A 5M-event report peaked at
    215-294 MiB with the default, 179-190 MiB with this, at the same speed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        m_mmap_threshold = -3
        return bool(ctypes.CDLL(None).mallopt(m_mmap_threshold, 128 * 1024))
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): nothing to tune
        return False


def main() -> None:
    """Entry point of the console script."""
    signal.signal(signal.SIGINT, _interrupted_while_starting)
    return_freed_memory()
    from interact_cli.cli import main as cli_main

    # From here on Ctrl-C is a KeyboardInterrupt, which the commands turn into exit 130
    # after removing their partial outputs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    cli_main()


if __name__ == "__main__":
    main()
