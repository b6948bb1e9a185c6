"""`report`: per-set and per-product click vs addToCart breakdowns from the single pass."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from interact_cli.contract import EventDecoder, Facts
from interact_cli.contract.vocabulary import ADD_TO_CART, EVENT_TYPES, TIME_FIELD_CANDIDATES
from interact_cli.errors import OptionError
from interact_cli.inputs import Unit, resolve_inputs
from interact_cli.parallel import plan, run_units, worker_count
from interact_cli.scan import LineTally, Progress, ScanSinks, scan_unit, total_of
from interact_cli.times import parse_bound, parse_time

if TYPE_CHECKING:
    import polars as pl

    from interact_cli.aggregate import Batch, Partials

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
# Events per batch of Python lists before Polars reduces them: small enough to bound a
# worker's memory, large enough that each batch's fixed Polars cost stays negligible.
BATCH_ROWS = 50_000


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


@dataclass
class Report:
    """The report: a summary and three tables of rows with the documented field names."""

    summary: dict[str, Any]
    sets: list[dict[str, Any]]
    products: list[dict[str, Any]]
    set_products: list[dict[str, Any]]

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


@dataclass
class _Window:
    since: int | None
    until: int | None

    def contains(self, moment: int) -> bool:
        return (self.since is None or moment >= self.since) and (
            self.until is None or moment < self.until
        )


@dataclass
class _Collector:
    """Takes the facts of valid events, batches them as columns, and counts the rest."""

    window: _Window | None
    partials: Partials
    batch: Batch
    events: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVENT_TYPES, 0))
    pending: int = 0
    seq: int = 0
    unattributed: int = 0
    untimed: int = 0
    outside: int = 0
    saw_time: bool = False

    @classmethod
    def new(cls, window: _Window | None) -> _Collector:
        from interact_cli.aggregate import Batch, Partials

        collector = cls(window, Partials(), Batch())
        collector._bind()
        return collector

    def _bind(self) -> None:
        """Bound appends of the hot columns: fewer lookups for each of millions of events."""
        columns = self.batch.columns
        rows = columns["interactions"]
        self._user = columns["users"]["user"].append
        self._view_set = columns["views"]["set_id"].append
        self._interaction_columns = (
            rows["set_id"].append,
            rows["sku"].append,
            rows["user"].append,
            rows["action"].append,
        )

    def add(self, facts: Facts) -> None:
        """Take one valid event (called for each of millions: kept lean)."""
        moment = None
        if facts.time is not None:
            self.saw_time = True
        if self.window is not None:
            # With a time range every event needs its time; without, only those that
            # the order attribution compares (add-to-carts and orders), parsed later.
            moment = parse_time(facts.time)
            if moment is None:
                self.untimed += 1
                return
            if not self.window.contains(moment):
                self.outside += 1
                return
        self.seq += 1
        kind = facts.kind
        self.events[kind] += 1
        self._user(facts.user)
        if kind == "view":
            if facts.set_id is not None:
                self._view_set(facts.set_id)
        elif kind == "interact":
            set_id, sku, user, action = self._interaction_columns
            set_id(facts.set_id)
            sku(facts.sku)
            user(facts.user)
            action(facts.action)
            if facts.set_id is None:
                self.unattributed += 1
            elif facts.action == ADD_TO_CART:
                self._cart(facts, moment)
        elif kind == "order":
            self._order(facts, self._moment(facts, moment))
        self.pending += 1
        if self.pending >= BATCH_ROWS:
            self.flush()

    def _moment(self, facts: Facts, moment: int | None) -> int | None:
        """The time of an event the attribution compares; counts it when unusable."""
        if self.window is None:
            moment = parse_time(facts.time)
            self.untimed += moment is None
        return moment

    def _cart(self, facts: Facts, moment: int | None) -> None:
        carts = self.batch.columns["carts"]
        carts["user"].append(facts.user)
        carts["sku"].append(facts.sku)
        carts["set_id"].append(facts.set_id)
        carts["seq"].append(self.seq)
        carts["time"].append(self._moment(facts, moment))

    def _order(self, facts: Facts, moment: int | None) -> None:
        orders = self.batch.columns["orders"]
        for line in facts.lines:
            orders["user"].append(facts.user)
            orders["sku"].append(line.sku)
            orders["seq"].append(self.seq)
            orders["time"].append(moment)
            # Revenue in exact integer millionths, so sums do not depend on their order.
            orders["micros"].append(round(line.quantity * line.amount * 1_000_000))
            orders["currency"].append(line.currency)

    def flush(self) -> None:
        """Reduce the pending batch into partial aggregates."""
        from interact_cli.aggregate import Batch

        self.partials.add(self.batch)
        self.batch = Batch()
        self._bind()
        self.pending = 0


@dataclass
class UnitReport:
    """What a worker returns for one unit: its tally, partial aggregates and counters."""

    tally: LineTally
    frames: dict[str, Any]
    events: dict[str, int]
    seq: int
    unattributed: int
    untimed: int
    outside: int
    saw_time: bool

    def absorb(self, other: UnitReport) -> None:
        """Add another unit's counters (not its frames) to these."""
        self.events.update(other.events)
        self.seq += other.seq
        self.unattributed += other.unattributed
        self.untimed += other.untimed
        self.outside += other.outside
        self.saw_time = self.saw_time or other.saw_time


def _report_unit(
    unit: Unit,
    setting: tuple[tuple[str, ...], _Window | None],
    on_progress: Any = None,
) -> UnitReport:
    """Worker: decode one unit and reduce its valid events to partial aggregates."""
    time_fields, window = setting
    collector = _Collector.new(window)
    sinks = ScanSinks(facts=collector.add, progress=on_progress)
    tally = scan_unit(unit, EventDecoder(time_fields), sinks)
    collector.flush()
    c = collector
    return UnitReport(
        tally,
        c.partials.portable(),
        c.events,
        c.seq,
        c.unattributed,
        c.untimed,
        c.outside,
        c.saw_time,
    )


def _window(options: ReportOptions) -> _Window | None:
    if options.since is None and options.until is None:
        return None
    since = None if options.since is None else parse_bound(options.since, "--since")
    until = None if options.until is None else parse_bound(options.until, "--until", True)
    if since is not None and until is not None and since >= until:
        raise OptionError("--since must be before --until")
    return _Window(since, until)


def _check_sort(options: ReportOptions) -> None:
    known = sorted({f for fields in FIELDS.values() for f in fields} - {"order_revenue"})
    if options.sort is not None and options.sort not in known:
        raise OptionError(f"cannot sort by {options.sort!r}; fields: {', '.join(known)}")


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
    import polars as pl

    found: dict[tuple, dict[str, float]] = {}
    for row in (
        frame.group_by("set_id", "currency").agg(pl.col("micros").sum()).iter_rows(named=True)
    ):
        found.setdefault((row["set_id"],), {})[row["currency"]] = row["micros"] / 1_000_000
    return found


def build_report(
    inputs: Sequence[str],
    options: ReportOptions,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Report:
    """Read the inputs once and compute the report of the valid events."""
    _check_sort(options)
    window = _window(options)
    time_fields = (options.time_field,) if options.time_field else TIME_FIELD_CANDIDATES
    try:
        EventDecoder(time_fields)  # checks the field name here, before any worker starts
    except ValueError as error:
        raise OptionError(f"--time-field: {error}") from None
    count = worker_count(workers)
    units = plan(resolve_inputs(inputs), count)
    results = run_units(units, _report_unit, (time_fields, window), count, progress)
    return _assemble(results, options, window is not None)


def _assemble(results: Iterable[UnitReport], options: ReportOptions, windowed: bool) -> Report:
    """Merge the units' partial aggregates in order, each as it arrives, and compute the tables."""
    import polars as pl

    from interact_cli.aggregate import Partials, action_counts, tables

    partials = Partials()
    totals = UnitReport(LineTally("*"), {}, Counter(), 0, 0, 0, 0, False)
    tallies = []
    for result in results:
        # File order across units: shift each unit's positions past the units before it.
        shifted = dict(result.frames)
        for name in ("first_carts", "orders"):
            shifted[name] = shifted[name].with_columns(pl.col("seq") + totals.seq)
        partials.absorb(shifted)
        tallies.append(result.tally)
        totals.absorb(result)
    merged = partials.merged()
    timed = totals.saw_time or options.time_field is not None or windowed
    computed = tables(merged, "time" if timed else "seq")
    extras = {"revenue": _revenue(computed["revenue"]), "actions": {}}
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in FIELDS:
        if options.actions:
            extras["actions"] = action_counts(merged["counts"], table)
        rows[table] = _rows(_select(computed[table], table, options), table, extras, options)
    total = total_of(tallies)
    summary = {
        **total.counts(),
        "events": {kind: totals.events[kind] for kind in EVENT_TYPES},
        "unattributed": totals.unattributed,
        "sets": computed["sets"].height,
        "products": computed["products"].height,
        "users": merged["users"].height,
        "currencies": sorted(merged["orders"]["currency"].cast(pl.String).unique().to_list()),
        "time_field": options.time_field or "auto (" + ", ".join(TIME_FIELD_CANDIDATES) + ")",
        "attribution_basis": "time" if timed else "file order",
        "untimed": totals.untimed if timed else 0,
        "outside_time_range": totals.outside,
    }
    return Report(summary, rows["sets"], rows["products"], rows["set_products"])
