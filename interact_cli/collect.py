"""The report's pass over one unit (in a worker): valid events into partial aggregates.

Facts of valid events are appended to column lists; every BATCH_ROWS events Polars
reduces the batch to counts and distinct pairs, so a worker's memory follows the number
of distinct keys, not of lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from interact_cli.contract import EventDecoder, Facts
from interact_cli.contract.vocabulary import ADD_TO_CART, EVENT_TYPES
from interact_cli.inputs import Unit
from interact_cli.scan import LineTally, ScanSinks, scan_unit
from interact_cli.times import parse_time

if TYPE_CHECKING:
    from interact_cli.aggregate import Batch, Partials, SpilledFrames

# Events per batch of Python lists before Polars reduces them: small enough to bound a
# worker's memory, large enough that each batch's fixed Polars cost stays negligible.
BATCH_ROWS = 50_000


@dataclass
class TimeWindow:
    """The --since/--until range, as epoch milliseconds (until excluded)."""

    since: int | None
    until: int | None

    def contains(self, moment: int) -> bool:
        return (self.since is None or moment >= self.since) and (
            self.until is None or moment < self.until
        )


@dataclass
class Collector:
    """Takes the facts of valid events, batches them as columns, and counts the rest."""

    window: TimeWindow | None
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
    def new(cls, window: TimeWindow | None) -> Collector:
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
    frames: SpilledFrames | None  # None once taken, or in a sum of units' counters
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

    def take_frames(self) -> Iterator[tuple[str, Any]]:
        """The unit's partial aggregates as (name, frame), each loaded when it is taken."""
        frames, self.frames = self.frames, None
        return frames.load()


def report_unit(
    unit: Unit,
    setting: tuple[tuple[str, ...], TimeWindow | None, str],
    on_progress: Any = None,
) -> UnitReport:
    """Worker: reduce one unit's valid events to partial aggregates, written under spill."""
    from interact_cli.aggregate import SpilledFrames

    time_fields, window, spill = setting
    c = Collector.new(window)
    tally = scan_unit(unit, EventDecoder(time_fields), ScanSinks(c.add, progress=on_progress))
    c.flush()
    frames = SpilledFrames.save(c.partials.portable(), spill)
    return UnitReport(
        tally, frames, c.events, c.seq, c.unattributed, c.untimed, c.outside, c.saw_time
    )
