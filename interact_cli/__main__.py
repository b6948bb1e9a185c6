"""The console script and `python -m interact_cli`: the CLI, with Ctrl-C while it starts
(loading Typer and the commands, ~0.1 s) an exit 130 too, not a traceback."""

from __future__ import annotations

import os
import signal

from interact_cli.exit_codes import ExitCode


def _interrupted_while_starting(signum: int, frame: object) -> None:
    """Ctrl-C before the commands' own handling is in place: one line, exit 130."""
    os.write(2, b"interact-cli: interrupted\n")
    os._exit(ExitCode.INTERRUPTED)


def main() -> None:
    """Entry point of the console script."""
    signal.signal(signal.SIGINT, _interrupted_while_starting)
    from interact_cli.cli import main as cli_main

    # From here on Ctrl-C is a KeyboardInterrupt, which the commands turn into exit 130
    # after removing their partial outputs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    cli_main()


if __name__ == "__main__":
    main()
