"""The commands of the incremental state: `ingest` (add inputs to a state file) and
`state` (show what one holds). `report --state` reads it (cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from interact_cli.cli_options import (
    ClusterOption,
    Debug,
    FailOnInvalid,
    Inputs,
    StorageOptions,
    ValidateFormat,
    Workers,
    check_cluster,
    check_workers,
)
from interact_cli.exit_codes import ExitCode
from interact_cli.outcome import fail, quiet_on_broken_pipe, run, say_skipped

StatePath = Annotated[
    Path,
    typer.Option(
        "--state",
        "-s",
        metavar="FILE",
        help="The state file (made by the first ingest).",
        show_default=False,
    ),
]
Format = Annotated[
    ValidateFormat,
    typer.Option("--format", "-f", metavar="FORMAT", help="table for people, json for scripts."),
]


def ingest(
    inputs: Inputs,
    state: StatePath,
    time_field: Annotated[
        Optional[str],
        typer.Option(
            help="Event time field (default: timestamp, receivedAt or time); fixed when "
            "the state is made."
        ),
    ] = None,
    tz: Annotated[
        Optional[str],
        typer.Option(
            help="IANA time zone of the state's days (default UTC); fixed when the state is made."
        ),
    ] = None,
    format: Format = ValidateFormat.table,
    fail_on_invalid: FailOnInvalid = False,
    workers: Workers = None,
    storage_option: StorageOptions = None,
    cluster: ClusterOption = None,
    debug: Debug = False,
) -> None:
    """Add inputs to a state file, to report from it later without reading them again.

    Every line is validated as `report` does; the counts are kept per day. An input whose
    bytes were ingested before is refused (exit 2) and nothing is added. The state is
    replaced atomically; a second ingest on the same state exits 2 while one runs.

    Examples:

    interact-cli ingest exports/2026-10-01.ndjson.gz --state october.state

    interact-cli ingest 'exports/2026-10-*.ndjson.gz' --state october.state --tz Europe/Berlin

    interact-cli ingest 's3://shop-exports/2026-11-*.ndjson.gz' -s november.state --cluster local:4

    interact-cli report --state october.state --interval week -f json
    """

    def work() -> ExitCode:
        from interact_cli.output.progress import ByteProgress
        from interact_cli.output.state_view import emit_ingest
        from interact_cli.remote import parse_storage_options
        from interact_cli.state import ingest as run_ingest
        from interact_cli.state import ingest_summary

        check_workers(workers)
        check_cluster(cluster)
        result = run_ingest(
            inputs,
            str(state),
            time_field=time_field,
            tz=tz,
            progress=ByteProgress(),
            workers=workers,
            storage_options=parse_storage_options(storage_option),
            cluster=cluster,
        )
        quiet_on_broken_pipe(lambda: emit_ingest(ingest_summary(result), format.value))
        for note in result.notes:
            fail(f"note: {note}")
        invalid = sum(r.invalid for r in result.added)
        say_skipped(invalid)
        return ExitCode.INVALID_DATA if fail_on_invalid and invalid else ExitCode.OK

    run(debug, work)


def state(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A state file of ingest.")],
    format: Format = ValidateFormat.table,
    debug: Debug = False,
) -> None:
    """Show what a state file holds: its settings, totals and every input ingested.

    The whole file is checked: a truncated or corrupted one is exit 2.

    Examples:

    interact-cli state october.state

    interact-cli state october.state -f json | jq -r '.inputs[].name'
    """

    def work() -> ExitCode:
        from interact_cli.output.state_view import emit_state
        from interact_cli.state import describe

        found = describe(str(file))
        quiet_on_broken_pipe(lambda: emit_state(found, format.value))
        return ExitCode.OK

    run(debug, work)
