"""The `export` command: the valid events as typed Parquet rows (the library's
exporting.py), with a one-line account of what was written."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Optional

import typer

from interact_cli.cli_options import (
    Debug,
    FailOnInvalid,
    Inputs,
    StorageOptions,
    TimeField,
    Workers,
    check_workers,
)
from interact_cli.exit_codes import ExitCode
from interact_cli.outcome import fail, quiet_on_broken_pipe, run, say_skipped


class Partition(StrEnum):
    """The layouts of --partition."""

    day = "day"


def export(
    inputs: Inputs,
    output: Annotated[  # text, not a Path: a Path makes '' '.' and s3:// 's3:/'
        Optional[str],
        typer.Option(
            "--output",
            "-o",
            help="The Parquet file to write (replaced whole), or with --partition the new "
            "or empty folder.",
            show_default=False,
        ),
    ] = None,
    partition: Annotated[
        Optional[Partition],
        typer.Option(
            metavar="LAYOUT",
            help="day: a Hive-partitioned folder, date=YYYY-MM-DD/ per calendar day of the "
            "event's time in --tz (events without a time: `date=__HIVE_DEFAULT_PARTITION__`).",
        ),
    ] = None,
    tz: Annotated[
        Optional[str],
        typer.Option(help="IANA time zone of --partition day's days (default UTC)."),
    ] = None,
    time_field: TimeField = None,
    fail_on_invalid: FailOnInvalid = False,
    json: Annotated[
        bool, typer.Option("--json", help="Print what was read and written as JSON on stdout.")
    ] = False,
    workers: Workers = None,
    storage_option: StorageOptions = None,
    cluster: Annotated[Optional[str], typer.Option("--cluster", hidden=True)] = None,
    debug: Debug = False,
) -> None:
    """Write the valid events as typed Parquet: one row per valid line, with its path and line.

    Fields as `report` reads them (the context's three dialects resolved): event_type,
    time (UTC), set_id, user_id, sku, action, order_id, order_lines (a list of sku,
    quantity, amount as a decimal, currency), path and line. Invalid lines are skipped
    and counted, as by `report`.

    Examples:

    interact-cli export events.ndjson -o events.parquet

    interact-cli export 'exports/*.ndjson.gz' --partition day -o events/

    zcat dump.gz | interact-cli export - -o dump.parquet --json

    interact-cli export 's3://shop-exports/2026-10/*.ndjson.gz' -o october.parquet

    duckdb -c "SELECT set_id, count(*) FROM 'events.parquet' GROUP BY ALL"
    """

    def work() -> ExitCode:
        from interact_cli.errors import OptionError
        from interact_cli.exporting import ExportOptions
        from interact_cli.exporting import export as run_export
        from interact_cli.output.progress import ByteProgress
        from interact_cli.remote import parse_storage_options

        if cluster is not None:
            raise OptionError(
                "--cluster: export runs on one machine for now (its tasks would each "
                "need to write a part where every worker can reach it); run it without "
                "--cluster"
            )
        check_workers(workers)
        options = ExportOptions(time_field, partition.value if partition else None, tz)
        storage = parse_storage_options(storage_option)
        found = run_export(inputs, output, options, storage, workers, ByteProgress())
        if json:
            from interact_cli.output.emit import write_text
            from interact_cli.serialize import to_json

            quiet_on_broken_pipe(lambda: write_text(to_json(found), None))
        for note in found["notices"]:
            fail(f"note: {note}")
        _say_written(found["summary"])
        say_skipped(found["summary"]["invalid"])
        invalid = fail_on_invalid and found["summary"]["invalid"]
        return ExitCode.INVALID_DATA if invalid else ExitCode.OK

    run(debug, work)


def _say_written(summary: dict[str, Any]) -> None:
    """The line on stderr that says what was written, and how big it is."""
    rows, items = summary["rows"], summary["order_lines"]
    events = "event" if rows == 1 else "events"
    files = summary["parquet_files"]
    where = f"{files:,} Parquet file{'s' if files != 1 else ''} in {summary['output']}"
    if summary["partition"] is None:
        where = summary["output"]
    size = summary["bytes_written"] / 1e6
    fail(f"wrote {rows:,} {events} ({items:,} order lines) to {where}: {size:,.1f} MB")
    if summary["amounts_rounded"]:
        fail(
            f"note: {summary['amounts_rounded']:,} order-line amounts had more than 9 "
            "decimals (rounded) or more than 38 digits (left null)"
        )
