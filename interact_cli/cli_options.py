"""The command line's shared option types and choices (one declaration each)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer


class ValidateFormat(StrEnum):
    """Formats of validate and codes."""

    table = "table"
    json = "json"


class ReportFormat(StrEnum):
    """Formats of report."""

    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"
    parquet = "parquet"


class Interval(StrEnum):
    """The periods of --interval."""

    day = "day"
    week = "week"
    month = "month"
    auto = "auto"


class ReportTable(StrEnum):
    """The tables of report, for --by."""

    set = "set"
    product = "product"
    set_product = "set-product"


# Shared options, defined once.
Inputs = Annotated[
    list[str],
    typer.Argument(
        help="Files or globs (quoted globs are expanded too); '-' reads stdin; URLs "
        "(s3://bucket/day/*.ndjson.gz, with the cluster extra). .gz and .zst are "
        "decompressed.",
        show_default=False,
        metavar="INPUTS...",
    ),
]
OptionalInputs = Annotated[
    Optional[list[str]],
    typer.Argument(
        help="Files or globs (quoted globs are expanded too); '-' reads stdin; URLs "
        "(s3://bucket/day/*.ndjson.gz, with the cluster extra). .gz and .zst are "
        "decompressed. None with --state.",
        show_default=False,
        metavar="[INPUTS]...",
    ),
]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
Workers = Annotated[
    Optional[int],
    typer.Option(
        min=1,
        help="Threads of the native kernel (default: one per core; more than the cores "
        "are capped, with a notice). Every input, compressed or stdin too, is shared "
        "among them.",
    ),
]
ClusterOption = Annotated[
    Optional[str],
    typer.Option(
        "--cluster",
        envvar="INTERACT_CLUSTER",
        help="Run on a Dask cluster: tcp://HOST:8786 (a running scheduler; workers must "
        "reach the inputs: URLs, or paths on a shared filesystem) or local[:N] (N worker "
        "processes here). Needs the cluster extra.",
        show_default=False,
    ),
]
StorageOptions = Annotated[
    Optional[list[str]],
    typer.Option(
        "--storage-option",
        help="KEY=VALUE for the filesystem of URL inputs (repeatable), e.g. "
        "endpoint_url=http://127.0.0.1:9000 for an S3-compatible store; never shown.",
        show_default=False,
    ),
]
TimeField = Annotated[
    Optional[str], typer.Option(help="Event time field (default: timestamp, receivedAt or time).")
]
FailOnInvalid = Annotated[
    bool, typer.Option("--fail-on-invalid", help="Exit 1 when any line is invalid.")
]
OutputFile = Annotated[
    Optional[Path],
    typer.Option(
        "--output",
        "-o",
        help="Write here instead of stdout ('-' is stdout; a file is replaced atomically, "
        "a FIFO or device written through).",
    ),
]


def plan_target(format: ReportFormat, output: Path | None, read: list[Any], page: str) -> Any:
    """The output of report or compare, planned before anything is read: a folder for
    parquet, else a file or stdout that is none of the inputs `read`; a page (`page`, its
    suggested name) is not written onto a terminal."""
    from interact_cli.errors import OptionError
    from interact_cli.sinks import plan_folder, plan_outputs

    spec = None if output is None else str(output)
    if format == ReportFormat.parquet:
        return plan_folder(spec)
    target = plan_outputs([spec], read)[0]
    on_stdout = target is None or target.is_stdout
    if format == ReportFormat.html and on_stdout and sys.stdout.isatty():
        raise OptionError(f"--format html writes a page: give -o {page}, or redirect stdout")
    return target


ValidOut = Annotated[
    Optional[str],
    typer.Option(
        metavar="PATH",
        help="Write the valid lines, byte for byte, here ('-' is stdout). With --cluster: a "
        "folder (DIR/ or s3://BUCKET/PREFIX/) every worker can reach, a part per task, in "
        "input order.",
    ),
]
InvalidOut = Annotated[
    Optional[str],
    typer.Option(
        metavar="PATH",
        help="Write the invalid lines, byte for byte, here ('-' is stdout); with --cluster, "
        "a folder as for --valid-out.",
    ),
]


def check_workers(workers: int | None) -> None:
    """Say so when --workers asks for more threads than there are cores (they are capped)."""
    if workers is None:
        return
    from interact_cli.engine import cores
    from interact_cli.outcome import fail

    if workers > cores():
        fail(f"notice: --workers {workers} capped at the {cores()} cores of this machine")


def check_cluster(cluster: str | None) -> None:
    """Refuse a bad local:N before reading; say so when it asks for more than the cores."""
    if cluster is None or not (cluster == "local" or cluster.startswith("local:")):
        return
    from interact_cli.cluster import local_workers
    from interact_cli.outcome import fail

    workers, asked = local_workers(cluster), cluster.partition(":")[2]
    if asked and int(asked) > workers:
        fail(f"notice: --cluster {cluster} capped at {workers} workers, the cores of this machine")
