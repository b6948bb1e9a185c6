"""The `compare` command: two time windows of the inputs, or two groups of inputs, row by
row, with the changes that are more than noise flagged (the library's comparing.py)."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from interact_cli.cli_options import (
    ClusterOption,
    Debug,
    FailOnInvalid,
    OptionalInputs,
    OutputFile,
    ReportFormat,
    ReportTable,
    StorageOptions,
    TimeField,
    Workers,
    check_cluster,
    check_workers,
    plan_target,
)
from interact_cli.exit_codes import ExitCode
from interact_cli.outcome import fail, quiet_on_broken_pipe, run, say_skipped

Window = Annotated[
    Optional[list[str]],
    typer.Option(
        metavar="RANGE|INPUT",
        help="With INPUTS: a time range FROM..UNTIL (half-open, ISO dates or datetimes in "
        "--tz). Without: the inputs of this side (repeatable; quoted globs, URLs).",
        show_default=False,
    ),
]


Format = Annotated[
    ReportFormat,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="table, json, csv, markdown, html, or parquet (-o FOLDER).",
    ),
]
By = Annotated[
    ReportTable, typer.Option(metavar="TABLE", help="Compare set, product or set-product rows.")
]
Sets = Annotated[Optional[list[str]], typer.Option("--set", help="Only these sets (repeatable).")]
Skus = Annotated[
    Optional[list[str]], typer.Option("--sku", help="Only these products (repeatable).")
]
Sort = Annotated[
    Optional[str],
    typer.Option(
        help="Sort by this field (p- and q-values and ids ascending, others descending; "
        "default: the q-value of ctr, or of cart_per_click without views)."
    ),
]
Top = Annotated[
    Optional[int], typer.Option(min=0, help="Rows shown (table default 20; 0 = all; others all).")
]
Fdr = Annotated[
    float, typer.Option(help="False discovery rate: a change is flagged when its q-value is below.")
]
Tz = Annotated[Optional[str], typer.Option(help="IANA time zone of the ranges (default UTC).")]
FailOnChange = Annotated[
    bool, typer.Option("--fail-on-change", help="Exit 1 when any row is flagged up or down.")
]
CsvRaw = Annotated[
    bool, typer.Option("--csv-raw", help="CSV: ids as they are (no ' before a formula's start).")
]


def compare(
    inputs: OptionalInputs = None,
    baseline: Window = None,
    current: Window = None,
    format: Format = ReportFormat.table,
    by: By = ReportTable.set,
    set_ids: Sets = None,
    skus: Skus = None,
    sort: Sort = None,
    top: Top = None,
    fdr: Fdr = 0.05,
    time_field: TimeField = None,
    tz: Tz = None,
    fail_on_change: FailOnChange = False,
    fail_on_invalid: FailOnInvalid = False,
    csv_raw: CsvRaw = False,
    output: OutputFile = None,
    workers: Workers = None,
    storage_option: StorageOptions = None,
    cluster: ClusterOption = None,
    debug: Debug = False,
) -> None:
    """What changed between two periods or two exports, row by row, and whether it is real.

    Per set (or product, or pair): views, clicks and add-to-carts in each window; ctr and
    cart/click in each with 95% intervals; their ratio now/before with its interval, p-
    and q-value (Benjamini–Hochberg across the rows); and the verdict: up, down,
    unchanged, low_sample (under 30 clicks in a window) or untestable. Users are the
    unit: a user's clicks are not independent events (docs/usage.md: the method).

    Examples:

    interact-cli compare e.ndjson --baseline 2026-10-01..2026-10-08 --current 2026-10-08..2026-10-15

    interact-cli compare --baseline 'sep/\\*.ndjson.gz' --current 'oct/\\*.ndjson.gz' --by product

    interact-cli compare oct.gz --baseline 2026-10-05..2026-10-06 --current 2026-10-12..2026-10-13

    interact-cli compare --baseline sep.ndjson --current oct.ndjson -f csv -o changes.csv

    interact-cli compare --baseline a.ndjson --current b.ndjson --fail-on-change --fdr 0.01
    """
    shown_top = 20 if top is None and format == ReportFormat.table else top

    def work() -> ExitCode:
        """Resolve both sides, compare, render, and exit by what changed."""
        from interact_cli.columns import TABLE_OF
        from interact_cli.comparing import CompareOptions, build_comparison
        from interact_cli.output.emit import emit_comparison
        from interact_cli.output.progress import ByteProgress

        notes: list[str] = []
        ranged, sides = _sides(inputs, baseline, current, storage_option, notes)
        # Resolved first: the output is checked against every input before anything is read.
        read = [source for side in sides for source in side]
        target = plan_target(format, output, read, "compare.html")
        check_workers(workers)
        check_cluster(cluster)
        options = CompareOptions(
            table=TABLE_OF[by.value],
            baseline=baseline[0] if ranged and baseline else None,
            current=current[0] if ranged and current else None,
            time_field=time_field,
            tz=tz,
            sets=tuple(set_ids or ()),
            skus=tuple(skus or ()),
            sort=sort,
            top=shown_top,
            fdr=fdr,
        )
        groups = ([], []) if ranged else (sides[0], sides[1])
        result = build_comparison(
            sides[0] if ranged else [],
            options,
            *groups,
            progress=ByteProgress(),
            workers=workers,
            cluster=cluster,
        )
        quiet_on_broken_pipe(
            lambda: emit_comparison(result, format.value, shown_top, target, csv_raw)
        )
        for notice in [*(f"note: {note}" for note in notes), *result.notices]:
            fail(notice)
        return _exit_code(result.summary, fail_on_change, fail_on_invalid)

    run(debug, work)


def _looks_like_a_range(value: str) -> bool:
    """FROM..UNTIL rather than a path (no such file, two dates around '..')."""
    import os
    import re

    return bool(re.fullmatch(r"\d{4}-\d\d-\d\d\S*\.\.\d{4}-\d\d-\d\d\S*", value)) and not (
        os.path.exists(value)
    )


def _sides(
    inputs: list[str] | None,
    baseline: list[str] | None,
    current: list[str] | None,
    storage_option: list[str] | None,
    notes: list[str],
) -> tuple[bool, list[list[Any]]]:
    """Whether the windows are ranges (INPUTS given), and the sources: the inputs, or
    each side's."""
    from interact_cli.errors import OptionError
    from interact_cli.inputs import resolve_inputs
    from interact_cli.remote import parse_storage_options

    ranged = bool(inputs)
    if ranged and (len(baseline or ()) != 1 or len(current or ()) != 1):
        raise OptionError(
            "with inputs, give --baseline and --current once each, as time ranges FROM..UNTIL"
        )
    groups = [inputs or []] if ranged else [baseline or [], current or []]
    if not ranged and not all(groups):
        raise OptionError(
            "give inputs and two time ranges (--baseline FROM..UNTIL --current "
            "FROM..UNTIL), or the inputs of each side (--baseline FILES --current FILES)"
        )
    if not ranged and all(_looks_like_a_range(v) for group in groups for v in group):
        raise OptionError(
            "--baseline and --current look like time ranges: give the inputs first "
            "(compare FILES --baseline FROM..UNTIL --current FROM..UNTIL)"
        )
    storage = parse_storage_options(storage_option)
    seen: dict[Any, str] = {}  # one input on both sides is refused as given twice
    return ranged, [resolve_inputs(list(group), storage, notes, seen) for group in groups]


def _exit_code(summary: dict[str, Any], fail_on_change: bool, fail_on_invalid: bool) -> ExitCode:
    """1 for a change with --fail-on-change, or invalid lines with --fail-on-invalid (they
    are said on stderr either way); else 0."""
    invalid = summary["invalid"]
    say_skipped(invalid)
    changed = any(v["up"] or v["down"] for v in summary["changes"].values())
    if (fail_on_change and changed) or (fail_on_invalid and invalid):
        return ExitCode.INVALID_DATA
    return ExitCode.OK
