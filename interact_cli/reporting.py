"""`report`: per-set and per-product click vs addToCart breakdowns from the single pass."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from interact_cli import columns
from interact_cli.columns import ID_FIELDS
from interact_cli.engine import (
    CHUNK_BYTES,
    EVENT_TYPES,
    TIME_FIELD_CANDIDATES,
    InputSource,
    Progress,
    as_sources,
    feed_sources,
    new_scan,
    preload_frames,
)
from interact_cli.errors import OptionError, StateError, shortened
from interact_cli.periods import EPOCH, LAST, Calendar, local_iso, zone
from interact_cli.result import MAPPINGS, Report
from interact_cli.times import parse_bound

if TYPE_CHECKING:
    import polars as pl

    from interact_cli.cluster import ClusterSpec
    from interact_cli.frames import Computed


@dataclass(frozen=True)
class TimeWindow:
    """The --since/--until range, as microseconds since the epoch (until excluded)."""

    since: int | None
    until: int | None


@dataclass(frozen=True)
class ReportOptions:
    """What to compute and which rows to keep."""

    time_field: str | None = None
    since: str | None = None
    until: str | None = None
    sets: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    sort: str | None = None
    top: int | None = None
    actions: bool = False
    table: str = "sets"
    """The table `--by` chose (sets, products or set_products): `sort` must be one of its
    fields, and with an interval its trend is reported."""
    interval: str | None = None
    """day, week, month or auto: counts per period too (`trend` and `<table>_trend`);
    auto picks from the span (up to 62 days: day; up to a year: week; else month)."""
    tz: str | None = None
    """The zone of --since/--until and the periods: UTC, or with a state, the state's."""

    @property
    def zone_name(self) -> str:
        """The zone in effect (`tz`, else UTC)."""
        return self.tz or "UTC"


def _window(options: ReportOptions) -> TimeWindow | None:
    if options.since is None and options.until is None:
        return None
    tz = options.zone_name
    since = None if options.since is None else parse_bound(options.since, "--since", False, tz)
    until = None if options.until is None else parse_bound(options.until, "--until", True, tz)
    if since is not None and until is not None and since >= until:
        raise OptionError("--since must be before --until")
    return TimeWindow(since, until)


def _window_applied(window: TimeWindow | None, tz: str) -> dict[str, str | None]:
    """The --since/--until bounds applied, as ISO times in `tz` (null when not given)."""

    def iso(moment: int | None) -> str | None:
        if moment is None or moment == LAST:  # LAST: --until the last day, no bound
            return None
        try:
            return local_iso(moment, tz)
        except OverflowError:  # its local date is past year 9999: say it in UTC
            return (EPOCH + timedelta(microseconds=moment)).isoformat()

    return {
        "since": iso(None if window is None else window.since),
        "until": iso(None if window is None else window.until),
    }


def _check_options(options: ReportOptions) -> None:
    """What no data can answer: an empty field or product, an unknown --tz."""
    if options.time_field == "":
        raise OptionError("--time-field: give a field name (or leave it out for the default)")
    if "" in options.skus:
        raise OptionError("--sku: an empty sku matches nothing; give a product's sku")
    zone(options.zone_name)  # checked with or without --interval: the summary names it


def _check_sort(options: ReportOptions) -> None:
    known = columns.sortable(options.table)
    if options.sort is not None and options.sort not in known:
        raise OptionError(
            f"--sort: the {options.table} table has no field {options.sort!r}; "
            f"it has: {', '.join(known)}"
        )


def resolve_sets(
    wanted: Sequence[str], known: Sequence[str], notices: list[str]
) -> tuple[Any, ...]:
    """--set values as set ids: an exact id, or the start of exactly one id in the data."""
    exact = set(known)
    resolved = []
    for spec in wanted:
        matches = [spec] if spec in exact else sorted(k for k in exact if k.startswith(spec))
        if len(matches) > 1:
            shown = ", ".join(matches[:10]) + (", ..." if len(matches) > 10 else "")
            raise OptionError(f"--set {shortened(spec)!r} starts several set ids: {shown}")
        if not matches:
            notices.append(
                f"--set {shortened(spec)}: no set in the data has this id or starts with it"
            )
        resolved.extend(matches or [spec])
    return tuple(resolved)


def unmatched_skus(wanted: Sequence[str], known: Sequence[str], notices: list[str]) -> None:
    exact = set(known)
    for sku in wanted:
        if sku not in exact:
            notices.append(f"--sku {sku}: no product in the data has this sku")


def chosen(frame: pl.DataFrame, sets: Sequence[str], skus: Sequence[str]) -> pl.DataFrame:
    """The rows of --set and --sku (all without them; a table without the column is
    not filtered by it)."""
    import polars as pl

    if sets and "set_id" in frame.columns:
        frame = frame.filter(pl.col("set_id").is_in(list(sets)))
    if skus and "sku" in frame.columns:
        frame = frame.filter(pl.col("sku").is_in(list(skus)))
    return frame


def cut(frame: pl.DataFrame, top: int | None) -> pl.DataFrame:
    """The first --top rows (all without it, or with 0)."""
    # Compared first: Polars takes a 64-bit count, --top any integer (more rows than
    # there are is all of them).
    return frame if not top or top >= frame.height else frame.head(top)


def _select(frame: pl.DataFrame, table: str, options: ReportOptions) -> pl.DataFrame:
    """Filter by --set/--sku, sort (interactions desc then id, or --sort), cut at --top."""
    frame = chosen(frame, options.sets, options.skus)
    ids = [c for c in ID_FIELDS if c in frame.columns]
    first = options.sort if options.sort in frame.columns else "interactions"
    keys = [first] + [c for c in ["interactions", *ids] if c != first]
    frame = frame.sort(keys, descending=[k not in ID_FIELDS for k in keys], nulls_last=True)
    return cut(frame, options.top)


def _finished(frame: pl.DataFrame, table: str, mappings: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """A table's documented fields, in order: its scalar fields, then each mapping
    (`order_revenue` of sets; `actions` with --actions) joined on the row's ids."""
    import polars as pl

    keys = [c for c in ID_FIELDS if c in frame.columns]
    wanted = columns.fields(table)
    frame = frame.select([c for c in wanted if c not in MAPPINGS])
    for name in (n for n in wanted if n in mappings):
        found = mappings[name]
        frame = frame.join(found, on=keys, how="left", maintain_order="left")
        frame = frame.with_columns(pl.col(name).fill_null(pl.lit([], dtype=found[name].dtype)))
    return frame


def _revenue(frame: pl.DataFrame) -> pl.DataFrame:
    """Per set, `order_revenue` as (currency, amount) structs in currency order; `frame`
    is summed per set and currency in integer millionths, shown in units here."""
    import polars as pl

    # Divided as Python divides integers (correctly rounded): Polars multiplies by the
    # reciprocal, 1 ulp off for most amounts. One row per set and currency with revenue.
    amounts = pl.Series([m / 1_000_000 for m in frame["micros"].to_list()], dtype=pl.Float64)
    pairs = frame.select("set_id", "currency", amount=amounts).sort("set_id", "currency")
    return pairs.group_by("set_id", maintain_order=True).agg(
        order_revenue=pl.struct("currency", "amount")
    )


def build_report(
    inputs: Sequence[str] | Sequence[InputSource],
    options: ReportOptions,
    progress: Progress | None = None,
    workers: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    storage_options: Mapping[str, Any] | None = None,
    cluster: str | ClusterSpec | None = None,
    state: str | None = None,
) -> Report:
    """Read the inputs (specs, or sources already resolved) once and report on them; on a
    Dask cluster with `cluster` (tcp://HOST:PORT, local[:N], or a ClusterSpec); or with
    `state` and no inputs, report from a state file of `ingest`."""
    if state is not None:
        if inputs or cluster is not None:
            what = "inputs" if inputs else "--cluster"
            raise OptionError(f"--state reads the state, not {what}: give one or the other")
        return _from_state(state, options)
    _check_options(options)
    _check_sort(options)
    window = _window(options)
    time_fields = [options.time_field] if options.time_field else list(TIME_FIELD_CANDIDATES)
    since, until = (None, None) if window is None else (window.since, window.until)
    # "auto" counts per day; the trend is rolled up to weeks or months after the scan.
    interval = "day" if options.interval == "auto" else options.interval
    calendar = Calendar(interval, options.zone_name) if interval else None
    kernel = new_scan(0, workers, False, True, time_fields, since, until, calendar)
    read: list[str] = []  # notes on the inputs as they were found and read
    sources = as_sources(inputs, storage_options, read)
    try:
        if cluster is not None:
            from interact_cli import cluster as dask_cluster
            from interact_cli import units

            job = units.Job(
                report=True,
                time_fields=tuple(time_fields),
                since=since,
                until=until,
                interval=interval,  # "auto" counts days (rolled up after, as locally)
                tz=options.zone_name,
            )
            found, partial = dask_cluster.scan(cluster, sources, job, progress)
            if progress is not None:
                progress.stage("aggregating")
        else:
            found, partial = scan_here(sources, kernel, progress, chunk_bytes, read)
        from interact_cli.frames import compute

        computed = compute(partial, options.time_field, window is not None)
        del partial
        report = _assemble(found, computed, options, window, calendar)
        report.notices[:0] = read
        return report
    finally:
        if progress is not None:
            progress.end()


def _from_state(path: str, options: ReportOptions) -> Report:
    """The report from a state: its settings apply; what it cannot answer is an error.
    Without --interval and --actions, the state's summary (its tables as computed at
    ingest) is all that is read; else its partial result, per day."""
    from interact_cli.state import calendar_of, read_state, settings_for

    if options.since is not None or options.until is not None:
        raise OptionError(
            "--since/--until: a state holds the counts of every event, not of a time "
            "range; report on the inputs for a range (or use --interval)"
        )
    whole = bool(options.interval or options.actions)
    # Polars loads on another thread while the kernel reads the partial (without the GIL).
    loading = preload_frames()
    try:
        held = read_state(path, "days" if whole else "summary")
    finally:
        loading.join()
    # The zone matters only to periods: without --interval, --tz is only named.
    settings = settings_for(held, options.time_field, options.tz if options.interval else None)
    days = calendar_of(held)  # a forged zone is the state's error, not --tz's
    options = replace(options, time_field=settings.time_field, tz=options.tz or settings.tz)
    _check_options(options)
    _check_sort(options)
    calendar = days if options.interval else None
    if whole:
        from interact_cli.frames import compute

        computed = compute(held.partial, options.time_field, False, periods=bool(calendar))
    else:  # read_state gives the summary of every state (none records no input)
        computed = cast("Computed", held.summary)
    try:
        return _assemble({"summary": held.totals()}, computed, options, None, calendar)
    except OverflowError:  # a forged period start past the calendar's years
        raise StateError(
            f"{path}: not a usable state file: a period outside the calendar"
        ) from None


def scan_here(
    sources: list[InputSource],
    kernel: Any,
    progress: Progress | None,
    chunk_bytes: int,
    read: list[str],
) -> tuple[dict[str, Any], Any]:
    """The kernel's counts and partial result over the sources, read in this process."""
    # Polars loads on another thread while the kernel reads (it releases the GIL); an
    # import error surfaces again, once, when the tables are built.
    loading = preload_frames()
    try:
        feed_sources(sources, kernel, progress, chunk_bytes=chunk_bytes, finish=False, notes=read)
    except BaseException:
        # Let the import finish first: cut short by the interpreter's exit (a library
        # caller's; the CLI leaves with os._exit), it prints a traceback of its own over
        # the one-line error.
        loading.join()
        raise
    if progress is not None:
        progress.stage("aggregating")
    loading.join()
    return kernel.result(), kernel.partial()


def _assemble(
    found: dict[str, Any],
    computed: Computed,
    options: ReportOptions,
    window: TimeWindow | None,
    calendar: Calendar | None = None,
) -> Report:
    """The report from the computed tables: the options applied, the summary made."""
    from interact_cli.frames import action_counts, timed
    from interact_cli.trends import trend_frames

    counters, computed_tables, frames = computed.counters, dict(computed.tables), computed.frames
    notices: list[str] = []
    mappings = {"order_revenue": _revenue(computed_tables.pop("revenue"))}
    if options.sets:
        known = computed_tables["sets"]["set_id"].to_list()
        options = replace(options, sets=resolve_sets(options.sets, known, notices))
    if options.skus:
        unmatched_skus(options.skus, computed_tables["products"]["sku"].to_list(), notices)
    notices += _time_field_notices(options, found["summary"]["valid"], counters, window is not None)
    sizes = {table: computed_tables[table].height for table in ("sets", "products")}
    finished: dict[str, pl.DataFrame] = {}
    trend: dict[str, pl.DataFrame] = {}
    interval = options.interval
    by_time = timed(counters, options.time_field, window is not None)  # as compute decided
    for table in ("sets", "products", "set_products"):
        if options.actions and frames is not None:
            mappings["actions"] = action_counts(frames, table)
        selected = _select(computed_tables.pop(table), table, options)
        if calendar is not None and frames is not None and table == options.table:
            narrow = bool(options.top or options.sets or options.skus)
            # Days counted (auto, or a state) are rolled up to the interval asked for.
            roll = options.interval if options.interval != calendar.interval else None
            trend, interval = trend_frames(frames, selected, table, calendar, roll, narrow)
        finished[table] = _finished(selected, table, mappings)
    summary = {
        **found["summary"],
        "events": {kind: counters["events"][kind] for kind in EVENT_TYPES},
        "unattributed": counters["unattributed"],
        **sizes,
        "users": counters["users"],
        "currencies": computed.currencies,
        "time_field": options.time_field or "auto (" + ", ".join(TIME_FIELD_CANDIDATES) + ")",
        "attribution_basis": "time" if by_time else "file order",
        "untimed": counters["untimed"] if by_time else 0,
        "outside_time_range": counters["outside"],
        "interval": interval,
        "tz": options.zone_name,
        **_window_applied(window, options.zone_name),
    }
    return Report(summary, **finished, notices=notices, trends=trend)


def _time_field_notices(
    options: ReportOptions, valid: int, counters: dict[str, Any], windowed: bool
) -> list[str]:
    """What --time-field left without a time: every event, or some carts and orders."""
    field = shortened(options.time_field or "")
    if options.time_field is not None and valid and not counters["saw_time"]:
        return [
            f"--time-field {field}: no event has this field, so no event has a "
            "usable time and no order is attributed (see 'untimed')"
        ]
    if options.time_field is not None and not windowed and counters["untimed"]:
        return [
            f"--time-field {field}: {counters['untimed']:,} add-to-carts and orders have no "
            "usable time in it and are not attributed (see 'untimed')"
        ]
    return []
