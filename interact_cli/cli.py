"""The command line: parses options, calls one library function, hands the result to a renderer.

Heavy modules (Polars, msgspec, Rich tables) are imported inside the commands so that
`--help` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from interact_cli import __version__, cli_compare, cli_export, cli_generate, cli_state
from interact_cli.cli_options import (
    ClusterOption,
    Debug,
    FailOnInvalid,
    Inputs,
    Interval,
    InvalidOut,
    OptionalInputs,
    OutputFile,
    ReportFormat,
    ReportTable,
    StorageOptions,
    TimeField,
    ValidateFormat,
    ValidOut,
    Workers,
    check_cluster,
    check_workers,
    plan_target,
)
from interact_cli.exit_codes import ExitCode
from interact_cli.outcome import fail, quiet_on_broken_pipe, run, run_app, say_skipped

app = typer.Typer(
    name="interact-cli",
    help="Validate and report on 8.LYTICS v3 tracking-event exports (NDJSON, one event a line).",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _write(text: str | bytes, output: Path | None) -> None:
    from interact_cli.output.emit import write_text
    from interact_cli.sinks import plan_outputs

    write_text(text, plan_outputs([None if output is None else str(output)], [])[0])


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

    Exit codes: 0 ok, 1 invalid data, 2 usage or input error, 3 internal error,
    130 interrupted, 143 terminated.
    """


@app.command()
def validate(
    inputs: Inputs,
    format: Annotated[
        ValidateFormat,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="table for people, json for scripts."
        ),
    ] = ValidateFormat.table,
    max_problems: Annotated[
        Optional[int],
        typer.Option(min=0, help="Problems listed in full (default 20 in a table, 1000 in JSON)."),
    ] = None,
    valid_out: ValidOut = None,
    invalid_out: InvalidOut = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    workers: Workers = None,
    storage_option: StorageOptions = None,
    cluster: ClusterOption = None,
    debug: Debug = False,
) -> None:
    """Check every line against the event contract and list what is wrong, and where.

    Examples:

    interact-cli validate events.ndjson

    interact-cli validate 'exports/*.ndjson.gz' --format json > problems.json

    zcat dump.gz | interact-cli validate - --invalid-out bad.ndjson

    interact-cli validate 's3://shop-exports/2026-10/*.ndjson.gz' -f json

    interact-cli validate 's3://shop-exports/2026/*.ndjson' --cluster tcp://10.0.0.5:8786
    --invalid-out s3://shop-exports/bad/
    """
    limit = max_problems if max_problems is not None else (20 if format == "table" else 1000)

    def work() -> ExitCode:
        from interact_cli.output.progress import ByteProgress
        from interact_cli.remote import parse_storage_options
        from interact_cli.validation import validate as run_validation

        check_workers(workers)
        check_cluster(cluster)
        result = run_validation(
            inputs,
            max_problems=limit,
            valid_out=valid_out,
            invalid_out=invalid_out,
            progress=ByteProgress(),
            workers=workers,
            storage_options=parse_storage_options(storage_option),
            cluster=cluster,
        )
        from interact_cli.output.emit import emit_validation
        from interact_cli.sinks import lands_on_stdout

        # When stdout carries lines, the summary goes to stderr so as not to mix with them.
        outs = [out for out in (valid_out, invalid_out) if out is not None]
        lines_on_stdout = cluster is None and any(lands_on_stdout(out) for out in outs)
        verdict = ExitCode.INVALID_DATA if result.fails(strict) else ExitCode.OK
        quiet_on_broken_pipe(lambda: emit_validation(result, format.value, limit, lines_on_stdout))
        for notice in result.notices:
            fail(f"note: {notice}")
        return verdict

    run(debug, work)


@app.command()
def report(
    inputs: OptionalInputs = None,
    format: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="table, json, csv, markdown, html (one self-contained page with charts; "
            "all rows; --top sets the charts' top N), or parquet (-o FOLDER: a file per "
            "table and summary.json).",
        ),
    ] = ReportFormat.table,
    by: Annotated[
        Optional[ReportTable],
        typer.Option(
            metavar="TABLE",
            help="Show one table: set, product or set-product (csv and markdown show one; "
            "default set).",
        ),
    ] = None,
    set_ids: Annotated[
        Optional[list[str]],
        typer.Option("--set", help="Only these sets (repeatable); drills into their products."),
    ] = None,
    skus: Annotated[
        Optional[list[str]], typer.Option("--sku", help="Only these products (repeatable).")
    ] = None,
    sort: Annotated[
        Optional[str], typer.Option(help="Sort by this field (numbers descending, ids ascending).")
    ] = None,
    top: Annotated[
        Optional[int],
        typer.Option(
            min=0, help="Rows per table (table default 20; 0 = all; JSON/CSV default all)."
        ),
    ] = None,
    actions: Annotated[
        bool, typer.Option("--actions", help="Add a count per distinct action name.")
    ] = False,
    time_field: TimeField = None,
    since: Annotated[
        Optional[str],
        typer.Option(
            help="Only events at or after this ISO date/datetime (in --tz without an offset)."
        ),
    ] = None,
    until: Annotated[
        Optional[str],
        typer.Option(help="Only events before this datetime (a bare date includes that day)."),
    ] = None,
    interval: Annotated[
        Optional[Interval],
        typer.Option(
            metavar="PERIOD",
            help="Counts per day, week (from Monday) or month too (auto: by the span; up "
            "to 62 days: day, a year: week): JSON gains 'trend' and the --by table's "
            "trend; other formats show that trend.",
        ),
    ] = None,
    tz: Annotated[
        Optional[str],
        typer.Option(
            help="IANA time zone of --since/--until and the --interval periods, e.g. "
            "Europe/Berlin (default UTC; with --state, the state's)."
        ),
    ] = None,
    state: Annotated[
        Optional[Path],
        typer.Option(
            "--state",
            metavar="FILE",
            help="Report from a state file of `ingest` instead of inputs (its time field "
            "and zone apply; no --since/--until).",
        ),
    ] = None,
    fail_on_invalid: FailOnInvalid = False,
    csv_raw: Annotated[
        bool,
        typer.Option(
            "--csv-raw",
            help="CSV: write ids as they are (by default a text cell starting with = + - @, "
            "tab or CR gets a leading ' so that spreadsheets do not run it as a formula).",
        ),
    ] = False,
    output: OutputFile = None,
    chart_dir: Annotated[
        Optional[Path],
        typer.Option(help="Also write each chart as SVG and PNG into this folder."),
    ] = None,
    workers: Workers = None,
    storage_option: StorageOptions = None,
    cluster: ClusterOption = None,
    debug: Debug = False,
) -> None:
    """Per set and per product: clicks, add-to-carts, other actions, rates and attributed orders.

    Counts exactly the events `validate` accepts (warnings included); invalid lines are
    skipped and counted.

    Examples:

    interact-cli report events.ndjson

    interact-cli report 'exports/*.ndjson.gz' --by product --top 50

    interact-cli report events.ndjson --set 1b3de0bd-95c6-435a-8bb9-f4cae0160388

    interact-cli report events.ndjson -f csv --by set-product -o set_products.csv

    interact-cli report events.ndjson --since 2026-10-01 --until 2026-10-31 -f json

    interact-cli report events.ndjson --interval week --tz Europe/Berlin --top 5

    interact-cli report 's3://shop-exports/2026/*.ndjson' --cluster local:4

    interact-cli report events.ndjson -f html -o report.html --chart-dir charts/

    interact-cli report --state october.state --interval day -f json

    interact-cli report events.ndjson --interval week -f parquet -o october/
    """
    page = format == ReportFormat.html
    if top is None and (format == ReportFormat.table or page):
        top = 20

    def work() -> ExitCode:
        from interact_cli.columns import TABLE_OF
        from interact_cli.errors import OptionError
        from interact_cli.inputs import InputSource, resolve_inputs
        from interact_cli.output.progress import ByteProgress
        from interact_cli.remote import parse_storage_options
        from interact_cli.reporting import ReportOptions, build_report

        # The output is checked before anything is read: it must not be one of the inputs.
        notes: list[str] = []
        if not inputs and state is None:
            raise OptionError("give the inputs to report on (or --state FILE of ingest)")
        storage = parse_storage_options(storage_option)
        sources = resolve_inputs(inputs, storage, notes) if inputs else []
        # A state is read as an input is: the output must not replace it either.
        read = sources or ([InputSource(str(state), str(state))] if state is not None else [])
        target = plan_target(format, output, read, "report.html")
        if page or chart_dir is not None:
            from interact_cli.output.emit import html_missing

            if missing := html_missing():
                raise OptionError(missing)
        if chart_dir is not None and not chart_dir.is_dir():
            what = "not a folder" if chart_dir.exists() else "no such folder"
            raise OptionError(f"--chart-dir {chart_dir}: {what}")

        check_workers(workers)
        check_cluster(cluster)
        options = ReportOptions(
            time_field=time_field,
            since=since,
            until=until,
            sets=tuple(set_ids or ()),
            skus=tuple(skus or ()),
            sort=sort,
            top=None if page else top,  # the page holds every row; --top is for its charts
            actions=actions,
            table=TABLE_OF[(by or ReportTable.set).value],
            interval=interval.value if interval else ("auto" if page or chart_dir else None),
            tz=tz,
        )
        result = build_report(
            sources,
            options,
            progress=ByteProgress(),
            workers=workers,
            cluster=cluster,
            state=None if state is None else str(state),
        )
        from interact_cli.output.emit import emit_report

        verdict = ExitCode.INVALID_DATA if fail_on_invalid and result.summary["invalid"] else 0
        if chart_dir is not None:  # first: a failure here must leave no report behind
            from interact_cli.output.emit import export_charts

            export_charts(result, 20 if top is None else top, str(chart_dir))
        quiet_on_broken_pipe(
            lambda: emit_report(
                result, format.value, by.value if by else None, bool(set_ids), top, target, csv_raw
            )
        )
        for notice in [*(f"note: {note}" for note in notes), *result.notices]:
            fail(notice)
        untimed = result.summary["untimed"]
        if untimed and (since or until):
            fail(f"left out {untimed:,} events without a usable time (see 'untimed')")
        say_skipped(result.summary["invalid"])
        return ExitCode(verdict)

    run(debug, work)


# After report: the commands are listed in the order they are registered.
app.command()(cli_state.ingest)
app.command()(cli_state.state)
app.command()(cli_compare.compare)
app.command()(cli_export.export)


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
        from interact_cli.serialize import to_json

        _write(to_json(json_schema()), output)
        return ExitCode.OK

    run(debug, work)


@app.command()
def codes(
    format: Annotated[
        ValidateFormat,
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="table for people, json for scripts."
        ),
    ] = ValidateFormat.table,
    debug: Debug = False,
) -> None:
    """List every problem code: severity, message template and a hint on fixing the data.

    Examples:

    interact-cli codes

    interact-cli codes --format json | jq -r '.[].code'
    """

    def work() -> ExitCode:
        from interact_cli.output.emit import emit_codes
        from interact_cli.problems import problem_types

        emit_codes(problem_types(), format.value)
        return ExitCode.OK

    run(debug, work)


app.command()(cli_generate.generate)


def main() -> None:
    """Run the CLI (the console script starts here, through `interact_cli.__main__`)."""
    run_app(app)
