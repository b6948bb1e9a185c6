"""How a command ends: one-line errors, exit codes, signals, broken pipes, closed streams.

The CLI's commands run their work through `run`; the console script runs the app through
`run_app`, so that usage errors too are one line and exit 2.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import sys
from collections.abc import Callable
from typing import Any, cast

import typer

from interact_cli.exit_codes import ExitCode


def say_skipped(invalid: int) -> None:
    """The one line that counts the invalid lines a command skipped (none: nothing)."""
    if invalid:
        lines = "line" if invalid == 1 else "lines"
        fail(f"skipped {invalid:,} invalid {lines}; run `interact-cli validate` to see why")


def fail(message: str) -> None:
    """One line on stderr; paths and values in it may come from the data, so escaped."""
    from interact_cli.output.terminal import printable

    # A closed or full stderr must not change the run's outcome: the message is lost.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.write(f"interact-cli: {printable(message)}\n")
        sys.stderr.flush()


class Terminated(BaseException):
    """Raised by the SIGTERM handler, so that `finally` blocks remove temporary files.

    A BaseException, as KeyboardInterrupt is: no `except Exception` may swallow it."""


def on_sigterm(signum: int, frame: object) -> None:
    """The SIGTERM handler: unwind as an exception, so that outputs are cleaned up."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second TERM must not cut the cleanup
    raise Terminated


def quiet_on_broken_pipe(emit: Callable[[], None]) -> None:
    """Render to stdout; when its reader has gone (`| head`), stop quietly."""
    from interact_cli.sinks import silence_stdout

    try:
        emit()
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


def run(debug: bool, work: Callable[[], ExitCode]) -> None:
    """Run a command's work, mapping every failure to one stderr line and an exit code."""
    from interact_cli.errors import ClusterError, InputError, OptionError
    from interact_cli.sinks import silence_stdout

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    if debug:
        from interact_cli.engine import show_kernel_panics

        show_kernel_panics(True)
    try:
        code = work()
    except (InputError, OptionError, ClusterError) as error:
        fail(f"error: {error}")
        code = ExitCode.USAGE_OR_INPUT
    except KeyboardInterrupt:
        fail("interrupted")
        code = ExitCode.INTERRUPTED
    except Terminated:
        fail("terminated")
        code = ExitCode.TERMINATED
    except BrokenPipeError:
        # stdout's reader has gone before the verdict was known (schema, generate):
        # nothing went wrong that the reader cares about.
        silence_stdout()
        code = ExitCode.OK
    except OSError as error:  # writing failed: a full disk, a closed stdout, ...
        where = error.filename or "output"
        fail(f"error: {where}: cannot write: {error.strerror or error}")
        code = ExitCode.USAGE_OR_INPUT
    except BaseException as error:  # the last line of defence: no traceback unless asked
        # Includes the kernel's PanicException, a BaseException: a bug is exit 3, not 1.
        if isinstance(error, (SystemExit, GeneratorExit)):
            raise
        if debug:  # the traceback, and still exit 3: 1 means invalid data or a change
            import traceback

            traceback.print_exc()
        hint = "" if debug else " (rerun with --debug for details)"
        fail(f"internal error: {type(error).__name__}: {error}{hint}")
        code = ExitCode.INTERNAL
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise typer.Exit(int(code))


class _ClosedStdout(io.StringIO):
    """Stands for a stdout the shell closed: any write fails as an OSError would."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "stdout is closed", "<stdout>")

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "stdout is closed", "<stdout>")

    @property
    def buffer(self) -> Any:
        """The binary stdout, which is closed as well."""
        raise OSError(errno.EBADF, "stdout is closed", "<stdout>")


# The narrowest and widest terminal drawn for: COLUMNS=0 printed nothing at all (and
# `--help` one byte), and a width of millions made panels millions of characters wide.
MIN_WIDTH, MAX_WIDTH = 40, 1000


def sane_width() -> None:
    """Hold COLUMNS, which Rich and Click read, between MIN_WIDTH and MAX_WIDTH; a value
    that is not a number is dropped (the terminal's width, or 80, is used then)."""
    value = os.environ.get("COLUMNS")
    if value is None:
        return
    try:
        width = int(value)
    except ValueError:
        del os.environ["COLUMNS"]
        return
    os.environ["COLUMNS"] = str(min(max(width, MIN_WIDTH), MAX_WIDTH))


def escape_unencodable() -> None:
    """Text that stdout's or stderr's encoding cannot hold (PYTHONIOENCODING=ascii, a
    Latin-1 terminal) is written as backslash escapes (`\\u2013`) instead of failing
    halfway through the output. JSON is always written in UTF-8."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, io.UnsupportedOperation):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]


SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")  # the shells Typer completes


def shell_from_environment() -> None:
    """Typer finds the shell among the parent processes; a job with no shell above it
    (nohup, cron, a detached CI step), or only `sh`, got "Shell not supported", exit 1.
    Then $SHELL names it, as the user's login shell."""
    import typer._completion_shared as shared
    import typer.completion as completion

    original = getattr(shared, "_get_shell_name", None)
    if original is None or getattr(completion, "_get_shell_name", None) is not original:
        return  # another Typer: its own detection stands
    detect = cast(Callable[[], "str | None"], original)

    def detected() -> str | None:
        found = detect()
        named = os.path.basename(os.environ.get("SHELL", ""))
        if found not in SHELLS and named in SHELLS:  # none found, or `sh -c` under cron
            return named
        return found

    shared._get_shell_name = detected  # --install-completion looks here
    setattr(completion, "_get_shell_name", detected)  # noqa: B010 - --show-completion's


def run_app(app: Any) -> None:
    """Run the Typer app; usage errors are one line on stderr and exit 2."""
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    sane_width()
    escape_unencodable()
    if any(arg in ("--show-completion", "--install-completion") for arg in sys.argv[1:]):
        shell_from_environment()
    if sys.stderr is None:  # started with 2>&-: messages are lost, outcomes are not
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    if sys.stdout is None:  # started with >&-: writing there is an error, not a bug
        sys.stdout = _ClosedStdout()
    try:
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as error:  # the bare command: its help, as before
        error.show()
        code = ExitCode.USAGE_OR_INPUT
    except UsageError as error:
        command = error.ctx.command_path if error.ctx is not None else "interact-cli"
        fail(f"error: {error.format_message()} (see '{command} --help')")
        code = ExitCode.USAGE_OR_INPUT
    except BrokenPipeError:  # --help or --version into `| head`: the reader has gone
        from interact_cli.sinks import silence_stdout

        silence_stdout()
        code = ExitCode.OK
    except OSError as error:  # --help or --version into a full disk or a closed stdout
        fail(f"error: output: cannot write: {error.strerror or error}")
        code = ExitCode.USAGE_OR_INPUT
    except SystemExit as exit_:
        broken = exit_.__context__
        if isinstance(broken, OSError) and broken.errno == errno.EPIPE:
            # Rich's and Click's answer to a broken pipe (--help into `| head`): exit 1.
            # The reader has only gone: 0, as for the commands' own output.
            from interact_cli.sinks import silence_stdout

            silence_stdout()
            code = ExitCode.OK
        else:  # what sys.exit would do
            if isinstance(exit_.code, str):
                fail(exit_.code)
            code = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
    _leave(int(code or 0))


def _leave(code: int) -> None:
    """Exit now, with the streams flushed: the interpreter's teardown (freeing every
    object of a report: Polars frames, rows, modules) measured 30-40 ms for nothing.
    Every output file is complete and in place by now; nothing registered at exit is
    ours (a local Dask cluster is closed by its `with`)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader has gone: what was left to write is not wanted
        pass
    except (OSError, ValueError, AttributeError):  # a full disk or a closed stdout
        if code == ExitCode.OK:
            fail("error: output: cannot write")
            code = ExitCode.USAGE_OR_INPUT
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()  # a closed stderr: its messages are lost, the outcome is not
    os._exit(code)
