"""The command line: parses options, calls one library function, hands the result to a renderer.

Heavy modules (Polars, msgspec, Rich tables) are imported inside the commands so that
`--help` starts fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from interact_cli import __version__
from interact_cli.exit_codes import ExitCode

app = typer.Typer(
    name="interact-cli",
    help="Validate and report on 8.LYTICS v3 tracking-event exports (NDJSON, one event a line).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


class ValidateFormat(StrEnum):
    table = "table"
    json = "json"


# Shared options, defined once.
Inputs = Annotated[
    list[str],
    typer.Argument(
        help="Files or globs (quoted globs are expanded too); '-' reads stdin. "
        ".gz and .zst are decompressed.",
        show_default=False,
    ),
]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
OutputFile = Annotated[
    Optional[Path],
    typer.Option("--output", "-o", help="Write to this file (atomically) instead of stdout."),
]


def _fail(message: str) -> None:
    sys.stderr.write(f"interact-cli: {message}\n")


def _run(debug: bool, work: Callable[[], ExitCode]) -> None:
    """Run a command's work, mapping every failure to one stderr line and an exit code."""
    from interact_cli.errors import InputError, OptionError

    try:
        code = work()
    except (InputError, OptionError) as error:
        _fail(f"error: {error}")
        code = ExitCode.USAGE_OR_INPUT
    except KeyboardInterrupt:
        _fail("interrupted")
        code = ExitCode.INTERRUPTED
    except BrokenPipeError:
        sys.stderr.close()
        code = ExitCode.OK
    except Exception as error:  # the last line of defence: no traceback unless asked
        if debug:
            raise
        _fail(f"internal error: {type(error).__name__}: {error} (rerun with --debug for details)")
        code = ExitCode.INTERNAL
    raise typer.Exit(int(code))


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from interact_cli.output.atomic import atomic_file

    with atomic_file(str(output)) as stream:
        stream.write(text.encode())


def _console():
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"interact-cli {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Validate and report on 8.LYTICS v3 tracking-event exports (NDJSON, one event a line).

    Exit codes: 0 ok, 1 invalid data, 2 usage or input error, 3 internal error.
    """


@app.command()
def validate(
    inputs: Inputs,
    format: Annotated[
        ValidateFormat, typer.Option("--format", "-f", help="table for people, json for scripts.")
    ] = ValidateFormat.table,
    max_problems: Annotated[
        Optional[int],
        typer.Option(min=0, help="Problems listed in full (default 20 in a table, 1000 in JSON)."),
    ] = None,
    valid_out: Annotated[
        Optional[Path], typer.Option(help="Write the valid lines, byte for byte, here.")
    ] = None,
    invalid_out: Annotated[
        Optional[Path], typer.Option(help="Write the invalid lines, byte for byte, here.")
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    debug: Debug = False,
) -> None:
    """Check every line against the event contract and list what is wrong, and where.

    Examples:

        interact-cli validate events.ndjson

        interact-cli validate 'exports/*.ndjson.gz' --format json > problems.json

        zcat dump.gz | interact-cli validate - --invalid-out bad.ndjson
    """
    limit = max_problems if max_problems is not None else (20 if format == "table" else 1000)

    def work() -> ExitCode:
        from interact_cli.output.progress import ByteProgress
        from interact_cli.validation import validate as run_validation

        result = run_validation(
            inputs,
            max_problems=limit,
            valid_out=None if valid_out is None else str(valid_out),
            invalid_out=None if invalid_out is None else str(invalid_out),
            progress=ByteProgress(),
        )
        if format == ValidateFormat.json:
            from interact_cli.output.formats import to_json

            _write(to_json(result.to_dict()), None)
        else:
            from interact_cli.output.tables import render_validation

            render_validation(result, _console(), limit)
        return ExitCode.INVALID_DATA if result.fails(strict) else ExitCode.OK

    _run(debug, work)


@app.command()
def schema(output: OutputFile = None, debug: Debug = False) -> None:
    """Print the event contract as a JSON Schema (draft 2020-12).

    It accepts exactly the events `validate` finds no error in, except the rules JSON
    Schema cannot express (two different sets or users in one context).

    Example:

        interact-cli schema -o event-contract.schema.json
    """

    def work() -> ExitCode:
        from interact_cli.contract.schema import json_schema
        from interact_cli.output.formats import to_json

        _write(to_json(json_schema()), output)
        return ExitCode.OK

    _run(debug, work)


@app.command()
def generate(
    events: Annotated[int, typer.Option(min=0, help="How many events to write.")] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same file.")] = 1,
    broken_ratio: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of lines replaced by broken ones.")
    ] = 0.0,
    output: OutputFile = None,
    debug: Debug = False,
) -> None:
    """Write a deterministic, realistic export (all dialects) for demos and benchmarks.

    Example:

        interact-cli generate --events 1000000 --broken-ratio 0.01 -o big.ndjson
    """

    def work() -> ExitCode:
        from interact_cli.generate import write_export

        write_export(events, seed, broken_ratio, None if output is None else str(output))
        return ExitCode.OK

    _run(debug, work)


def main() -> None:
    """Entry point of the console script."""
    app()
