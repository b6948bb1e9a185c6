"""`report`: per-set and per-product click vs addToCart breakdowns from the single pass."""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from interact_cli.contract.vocabulary import EVENT_TYPES, TIME_FIELD_CANDIDATES
from interact_cli.engine import Progress, feed_sources, thread_count
from interact_cli.errors import OptionError
from interact_cli.inputs import CHUNK_BYTES, InputSource, resolve_inputs
from interact_cli.times import parse_bound

if TYPE_CHECKING:
    import polars as pl


SET_FIELDS = (
    "set_id",
    "views",
    "click",
    "addToCart",
    "other",
    "interactions",
    "users",
    "ctr",
    "cart_per_click",
    "ordered",
    "order_revenue",
)
PRODUCT_FIELDS = (
    "sku",
    "sets",
    "click",
    "addToCart",
    "other",
    "interactions",
    "users",
    "cart_per_click",
)
SET_PRODUCT_FIELDS = (
    "set_id",
    "sku",
    "click",
    "addToCart",
    "other",
    "interactions",
    "cart_per_click",
)
FIELDS = {"sets": SET_FIELDS, "products": PRODUCT_FIELDS, "set_products": SET_PRODUCT_FIELDS}
ID_FIELDS = ("set_id", "sku")


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
    """The table `--by` chose (sets, products or set_products): `sort` must be one of its fields."""


@dataclass
class Report:
    """The report: a summary and three tables of rows with the documented field names."""

    summary: dict[str, Any]
    sets: list[dict[str, Any]]
    products: list[dict[str, Any]]
    set_products: list[dict[str, Any]]
    notices: list[str] = field(default_factory=list)
    """What the reader should know about the options (a --set that matched nothing, ...)."""

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON document."""
        return {
            "summary": self.summary,
            "sets": self.sets,
            "products": self.products,
            "set_products": self.set_products,
        }

    def flat(self, table: str) -> tuple[list[str], list[dict[str, Any]]]:
        """Columns and rows of one table with nested values spread into columns.

        `order_revenue` becomes `order_revenue_<CUR>` per currency, `actions` becomes
        `action:<name>` per action name.
        """
        rows = getattr(self, table)
        currencies = self.summary["currencies"] if table == "sets" else []
        actions = sorted({name for row in rows for name in row.get("actions", {})})
        columns = [c for c in FIELDS[table] if c != "order_revenue"]
        columns += [f"order_revenue_{c}" for c in currencies] + [f"action:{a}" for a in actions]
        flat_rows = []
        for row in rows:
            flat = {k: v for k, v in row.items() if k not in ("order_revenue", "actions")}
            for currency in currencies:
                flat[f"order_revenue_{currency}"] = row["order_revenue"].get(currency, 0.0)
            for action in actions:
                flat[f"action:{action}"] = row.get("actions", {}).get(action, 0)
            flat_rows.append(flat)
        return columns, flat_rows


def _window(options: ReportOptions) -> TimeWindow | None:
    if options.since is None and options.until is None:
        return None
    since = None if options.since is None else parse_bound(options.since, "--since")
    until = None if options.until is None else parse_bound(options.until, "--until", True)
    if since is not None and until is not None and since >= until:
        raise OptionError("--since must be before --until")
    return TimeWindow(since, until)


def _check_sort(options: ReportOptions) -> None:
    known = [f for f in FIELDS[options.table] if f != "order_revenue"]
    if options.sort is not None and options.sort not in known:
        raise OptionError(
            f"--sort: the {options.table} table has no field {options.sort!r}; "
            f"it has: {', '.join(known)}"
        )


def _resolve_sets(wanted: Sequence[str], known: Sequence[str], notices: list[str]) -> tuple:
    """--set values as set ids: an exact id, or the start of exactly one id in the data."""
    exact = set(known)
    resolved = []
    for spec in wanted:
        matches = [spec] if spec in exact else sorted(k for k in known if k.startswith(spec))
        if len(matches) > 1:
            shown = ", ".join(matches[:10]) + (", ..." if len(matches) > 10 else "")
            raise OptionError(f"--set {spec!r} starts several set ids: {shown}")
        if not matches:
            notices.append(f"--set {spec}: no set in the data has this id or starts with it")
        resolved.extend(matches or [spec])
    return tuple(resolved)


def _unmatched_skus(wanted: Sequence[str], known: Sequence[str], notices: list[str]) -> None:
    exact = set(known)
    for sku in wanted:
        if sku not in exact:
            notices.append(f"--sku {sku}: no product in the data has this sku")


def _select(frame: pl.DataFrame, table: str, options: ReportOptions) -> pl.DataFrame:
    """Filter by --set/--sku, sort (interactions desc then id, or --sort), cut at --top."""
    import polars as pl

    columns = frame.columns
    if options.sets and "set_id" in columns:
        frame = frame.filter(pl.col("set_id").is_in(list(options.sets)))
    if options.skus and "sku" in columns:
        frame = frame.filter(pl.col("sku").is_in(list(options.skus)))
    ids = [c for c in ID_FIELDS if c in columns]
    first = options.sort if options.sort in columns else "interactions"
    keys = [first] + [c for c in ["interactions", *ids] if c != first]
    frame = frame.sort(keys, descending=[k not in ID_FIELDS for k in keys], nulls_last=True)
    return frame if options.top is None or options.top == 0 else frame.head(options.top)


def _rows(
    frame: pl.DataFrame, table: str, extras: dict[str, dict[tuple, Any]], options: ReportOptions
) -> list[dict[str, Any]]:
    keys = ("set_id", "sku") if table == "set_products" else (FIELDS[table][0],)
    rows = frame.select([name for name in FIELDS[table] if name != "order_revenue"]).to_dicts()
    if table != "sets" and not options.actions:
        return rows
    for row in rows:
        key = tuple(row[k] for k in keys)
        if table == "sets":
            row["order_revenue"] = dict(sorted(extras["revenue"].get(key, {}).items()))
        if options.actions:
            row["actions"] = dict(sorted(extras["actions"].get(key, {}).items()))
    return rows


def _revenue(frame: pl.DataFrame) -> dict[tuple, dict[str, float]]:
    """{(set_id,): {currency: revenue}}; `frame` is already summed per set and currency
    (in integer millionths, exactly), so it is only shown in units here."""
    found: dict[tuple, dict[str, float]] = {}
    for row in frame.iter_rows(named=True):
        found.setdefault((row["set_id"],), {})[row["currency"]] = row["micros"] / 1_000_000
    return found


def _load_polars() -> None:
    with contextlib.suppress(ImportError):
        importlib.import_module("interact_cli.frames")


def build_report(
    inputs: Sequence[str] | Sequence[InputSource],
    options: ReportOptions,
    progress: Progress | None = None,
    workers: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    storage_options: Mapping[str, Any] | None = None,
) -> Report:
    """Read the inputs (specs, or sources already resolved) once and report on them."""
    from interact_cli._core import Scan

    _check_sort(options)
    window = _window(options)
    time_fields = [options.time_field] if options.time_field else list(TIME_FIELD_CANDIDATES)
    since, until = (None, None) if window is None else (window.since, window.until)
    try:
        kernel = Scan(
            keep=0,
            threads=thread_count(workers),
            time_fields=time_fields,
            report=True,
            since=since,
            until=until,
        )
    except ValueError as error:  # a time field that is a field of the contract
        raise OptionError(f"--time-field: {error}") from None
    sources = [i for i in inputs if isinstance(i, InputSource)]
    if len(sources) != len(inputs):
        sources = resolve_inputs([str(i) for i in inputs], storage_options)
    # Polars loads on another thread while the kernel reads (it releases the GIL); an
    # import error surfaces again, once, when the tables are built.
    loading = threading.Thread(target=_load_polars, daemon=True)
    loading.start()
    try:
        feed_sources(sources, kernel, progress, chunk_bytes=chunk_bytes, finish=False)
    except BaseException:
        # Let the import finish first: cut short by the interpreter's exit, it prints a
        # traceback of its own over the one-line error.
        loading.join()
        raise
    try:
        if progress is not None:
            progress.stage("aggregating")
        loading.join()
        return _assemble(kernel.result(), kernel.partial(), options, window is not None)
    finally:
        if progress is not None:
            progress.end()


def _assemble(
    found: dict[str, Any], partial: Any, options: ReportOptions, windowed: bool
) -> Report:
    """The tables and summary from the scan's counts and its partial result."""
    from interact_cli.frames import action_counts, load, tables

    counters = partial.counters()
    timed = counters["saw_time"] or options.time_field is not None or windowed
    frames = load(partial)
    del partial
    computed = tables(frames, "time" if timed else "seq")
    notices: list[str] = []
    extras = {"revenue": _revenue(computed.pop("revenue")), "actions": {}}
    if options.sets:
        known = computed["sets"]["set_id"].to_list()
        options = replace(options, sets=_resolve_sets(options.sets, known, notices))
    if options.skus:
        _unmatched_skus(options.skus, computed["products"]["sku"].to_list(), notices)
    valid = found["summary"]["valid"]
    if options.time_field is not None and valid and not counters["saw_time"]:
        notices.append(
            f"--time-field {options.time_field}: no event has this field, so no event has a "
            "usable time and no order is attributed (see 'untimed')"
        )
    sizes = {table: computed[table].height for table in ("sets", "products")}
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in FIELDS:
        if options.actions:
            extras["actions"] = action_counts(frames, table)
        rows[table] = _rows(_select(computed.pop(table), table, options), table, extras, options)
    summary = {
        **found["summary"],
        "events": {kind: counters["events"][kind] for kind in EVENT_TYPES},
        "unattributed": counters["unattributed"],
        **sizes,
        "users": counters["users"],
        "currencies": sorted(frames["currencies"]["value"].to_list()),
        "time_field": options.time_field or "auto (" + ", ".join(TIME_FIELD_CANDIDATES) + ")",
        "attribution_basis": "time" if timed else "file order",
        "untimed": counters["untimed"] if timed else 0,
        "outside_time_range": counters["outside"],
    }
    return Report(summary, rows["sets"], rows["products"], rows["set_products"], notices)
