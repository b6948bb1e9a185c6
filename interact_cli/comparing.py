"""`compare`: per set, product or pair, what changed between two time windows of the same
inputs, or between two groups of inputs, and whether it is more than noise.

The kernel sums views, clicks and add-to-carts per user of each row (and per window: it
finds each event's, so one pass serves both); the statistics are comparestats.py's.
Time windows are half-open ranges, `A..B`, in --tz.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from interact_cli import columns
from interact_cli.engine import (
    CHUNK_BYTES,
    TIME_FIELD_CANDIDATES,
    InputSource,
    Progress,
    as_sources,
    new_scan,
)
from interact_cli.errors import OptionError, shortened
from interact_cli.periods import Range, Windows, local_iso, zone
from interact_cli.times import parse_bound

if TYPE_CHECKING:
    from interact_cli.cluster import ClusterSpec
    from interact_cli.comparison import Comparison


@dataclass(frozen=True)
class CompareOptions:
    """What to compare and which rows to show."""

    table: str = "sets"
    baseline: str | None = None
    """A time range `A..B` (with `current`), or None when two groups of inputs are given."""
    current: str | None = None
    time_field: str | None = None
    tz: str | None = None
    sets: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    sort: str | None = None
    top: int | None = None
    fdr: float = 0.05

    @property
    def zone_name(self) -> str:
        """The zone of the windows (`tz`, else UTC)."""
        return self.tz or "UTC"


def parse_range(text: str, option: str, tz: str) -> Range:
    """A half-open time range `A..B` (ISO dates or datetimes; a bare date is its day's
    first moment in `tz`) as microseconds since the epoch."""
    since, dots, until = text.partition("..")
    if not dots or not since or not until:
        raise OptionError(
            f"{option} {shortened(text)!r}: give a range FROM..UNTIL "
            "(e.g. 2026-10-01..2026-10-08; UNTIL is excluded)"
        )
    start, end = parse_bound(since, option, False, tz), parse_bound(until, option, False, tz)
    if start >= end:
        raise OptionError(f"{option} {shortened(text)!r}: the start must be before the end")
    try:  # an explicit offset can reach a moment whose date in the zone is not a date
        for bound in (start, end):
            local_iso(bound, tz)
    except OverflowError:
        raise OptionError(f"{option} {shortened(text)!r} is out of range in {tz}") from None
    return start, end


def _reads_stdin(inputs: Sequence[str] | Sequence[InputSource]) -> bool:
    """Whether some input is standard input ('-', or a source resolved from it)."""
    return any(
        i == "-" if isinstance(i, str) else (i.path is None and i.fs is None) for i in inputs
    )


def _check(options: CompareOptions) -> None:
    """What no data can answer: the table, --fdr, --sort, an empty field, the zone."""
    if options.table not in columns.COMPARE_TABLES:
        raise OptionError(f"--by: no table {options.table!r}")
    if not 0.0 < options.fdr < 1.0:  # NaN fails too
        raise OptionError(f"--fdr {options.fdr}: give a false discovery rate between 0 and 1")
    if options.tz == "":
        raise OptionError("--tz: give a zone name (or leave it out for UTC)")
    if options.time_field == "":
        raise OptionError("--time-field: give a field name (or leave it out for the default)")
    if "" in options.skus:
        raise OptionError("--sku: an empty sku matches nothing; give a product's sku")
    fields = columns.fields(f"compare_{options.table}")
    for given, option, has, column in (
        (options.sets, "--set", "set", "set_id"),
        (options.skus, "--sku", "sku", "sku"),
    ):
        if given and column not in fields:
            raise OptionError(
                f"{option}: the compared {options.table} have no {has}; "
                "use --by set-product to compare a set's products"
            )
    known = columns.sortable(f"compare_{options.table}")
    if options.sort is not None and options.sort not in known:
        raise OptionError(
            f"--sort: the compared {options.table} have no field {shortened(options.sort)!r}; "
            f"they have: {', '.join(known)}"
        )
    zone(options.zone_name)


@dataclass(frozen=True)
class _Scan:
    """How to scan one group of inputs."""

    options: CompareOptions
    workers: int | None
    chunk_bytes: int
    storage_options: Mapping[str, Any] | None
    cluster: str | ClusterSpec | None
    progress: Progress | None
    windows: Windows | None = None
    seen: dict[Any, str] = field(default_factory=dict)
    """The inputs of both sides, to refuse one given to both (as one command's twice)."""

    def run(
        self, specs: Sequence[str] | Sequence[InputSource], read: list[str]
    ) -> tuple[dict[str, Any], Any]:
        """The kernel's counts and partial result (per-user sums) over some inputs."""
        from interact_cli.reporting import scan_here

        options = self.options
        fields = [options.time_field] if options.time_field else list(TIME_FIELD_CANDIDATES)
        pair = None if self.windows is None else (self.windows.baseline, self.windows.current)
        sources = as_sources(specs, self.storage_options, read, self.seen)
        if self.cluster is not None:
            from interact_cli import cluster, units

            rows = options.table
            job = units.Job(report=True, time_fields=tuple(fields), rows=rows, windows=pair)
            return cluster.scan(self.cluster, sources, job, self.progress)
        kernel = new_scan(0, self.workers, False, True, fields, rows=options.table, windows=pair)
        return scan_here(sources, kernel, self.progress, self.chunk_bytes, read)


def _check_forms(
    inputs: Sequence[Any], options: CompareOptions, baseline: Sequence[Any], current: Sequence[Any]
) -> None:
    """One form or the other, whole: inputs and two ranges, or two groups of inputs."""
    ranged = options.baseline is not None or options.current is not None
    if inputs and (baseline or current):
        raise OptionError("give inputs with two time ranges, or two groups of inputs, not both")
    if inputs and not (options.baseline and options.current):
        raise OptionError("give both --baseline and --current as time ranges FROM..UNTIL")
    if not inputs and (ranged or not (baseline and current)):
        raise OptionError(
            "give inputs and two time ranges (--baseline FROM..UNTIL --current FROM..UNTIL), "
            "or two groups of inputs (--baseline FILES --current FILES)"
        )
    if _reads_stdin(baseline) and _reads_stdin(current):
        raise OptionError("- (stdin) can be read once: give it to one side only")


def build_comparison(
    inputs: Sequence[str] | Sequence[InputSource],
    options: CompareOptions,
    baseline_inputs: Sequence[str] | Sequence[InputSource] = (),
    current_inputs: Sequence[str] | Sequence[InputSource] = (),
    progress: Progress | None = None,
    workers: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    storage_options: Mapping[str, Any] | None = None,
    cluster: str | ClusterSpec | None = None,
) -> Comparison:
    """Compare two time windows of `inputs` (options.baseline and .current are ranges),
    or the inputs `baseline_inputs` with `current_inputs`, row by row."""
    from interact_cli.comparison import assemble, per_user

    _check(options)
    _check_forms(inputs, options, baseline_inputs, current_inputs)
    scan = _Scan(options, workers, chunk_bytes, storage_options, cluster, progress)
    read: list[str] = []
    try:
        if inputs:
            tz = options.zone_name
            baseline = parse_range(options.baseline or "", "--baseline", tz)
            current = parse_range(options.current or "", "--current", tz)
            windows = Windows(baseline, current)
            found, partial = replace(scan, windows=windows).run(inputs, read)
            parts = [per_user(partial, found, options.table, windows)]
        else:
            parts = []
            for side, group in enumerate((baseline_inputs, current_inputs)):
                found, partial = scan.run(group, read)
                parts.append(per_user(partial, found, options.table, None, side))
                if progress is not None:  # each group's scan shows a bar of its own
                    progress.end()
        comparison = assemble(parts, options)
        comparison.notices[:0] = read
        return comparison
    finally:
        if progress is not None:
            progress.end()
