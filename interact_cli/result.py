"""The report as data: a summary and Polars frames, and their JSON and CSV text.

Every table is one frame whose columns are the documented fields, in the JSON's order.
A mapping field (`order_revenue`: currency to amount; `actions`: action name to count)
is a list of (key, value) structs in key order, so a set with no revenue has an empty
list. The renderers read the frames a slice at a time: no document of Python rows is
ever built for a whole table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from interact_cli import columns, serialize
from interact_cli.columns import Column

if TYPE_CHECKING:
    import polars as pl

TABLES = ("sets", "products", "set_products")
MAPPINGS = {"order_revenue": ("currency", "amount"), "actions": ("action", "count")}
"""The mapping fields and the names of their structs' key and value."""


class Tabled:
    """A result made of a summary and tables (frames), as the renderers read it: its
    JSON document, CSV, and rows as people read them. `Report` and `Comparison`."""

    summary: dict[str, Any]

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every table by name, in the JSON document's order."""
        raise NotImplementedError

    def spreads(self, name: str) -> dict[str, list[str]]:
        """The keys of a table's spread columns (none here)."""
        return {}

    def declared(self, name: str) -> str:
        """The name of a table's column declaration (columns.TABLES)."""
        return name

    def table(self, name: str) -> pl.DataFrame:
        """One table by name."""
        found = self.tables()
        if name not in found:
            raise KeyError(f"no table {name!r} in this result; it has: {', '.join(found)}")
        return found[name]

    def rows(self, name: str, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """`limit` rows of a table (all by default) from `offset` on, as dicts (a mapping
        field as a dict): slow on a big table, where the frame serves better."""
        return _dicts(self.table(name).slice(offset, limit))

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON document as Python data (every row a dict: slow on big
        tables; `to_json` writes the same from the frames)."""
        return {"summary": self.summary, **{n: _dicts(f) for n, f in self.tables().items()}}

    def json_chunks(self) -> Iterator[bytes]:
        """`to_json`'s bytes in pieces, a slice of a table at a time."""
        import msgspec

        try:
            msgspec.json.encode(self.summary)
        except UnicodeEncodeError:  # a file name that is not UTF-8: the ASCII document
            yield serialize.to_json(self.to_dict())
            return
        yield from serialize.document_json(self.summary, self.tables())

    def to_json(self) -> bytes:
        """The JSON document the command prints with `-f json`, byte for byte."""
        return b"".join(self.json_chunks())

    def flat_columns(self, name: str) -> list[Column]:
        """A table's columns in CSV: intervals as bounds, a column per currency or action."""
        return columns.flat(self.declared(name), self.spreads(name))

    def _slices(self, name: str) -> Iterator[list[dict[str, Any]]]:
        """A table's rows as dicts, CHUNK_ROWS at a time (one empty slice if it has none)."""
        frame = self.table(name)
        for start in range(0, max(frame.height, 1), serialize.CHUNK_ROWS):
            yield _dicts(frame.slice(start, serialize.CHUNK_ROWS))

    def csv_chunks(self, name: str, raw: bool = False) -> Iterator[str]:
        """`to_csv`'s text in pieces, a slice of the table at a time."""
        spreads = self.spreads(name)
        names = [c.name for c in columns.flat(self.declared(name), spreads)]
        yield serialize.to_csv(names, [], raw)
        for rows in self._slices(name):
            yield serialize.to_csv(names, flat_rows(rows, spreads), raw, header=False)

    def to_csv(self, name: str = "sets", raw: bool = False) -> str:
        """A table as the CSV the command prints with `-f csv`; `raw` keeps text cells
        that look like spreadsheet formulas as they are (`--csv-raw`)."""
        return "".join(self.csv_chunks(name, raw))

    def shown(
        self, name: str, limit: int | None = None, offset: int = 0
    ) -> tuple[list[Column], list[dict[str, Any]]]:
        """Rows with the columns as people read them (an interval as one range column):
        what tables, Markdown and the HTML page draw."""
        spreads = self.spreads(name)
        shown = columns.shown(self.declared(name), spreads)
        return shown, flat_rows(self.rows(name, limit, offset), spreads)

    def shown_slices(self, name: str) -> Iterator[tuple[list[Column], list[dict[str, Any]]]]:
        """`shown` for the whole table, a slice of rows at a time (the spread columns found
        once, not once a slice)."""
        spreads = self.spreads(name)
        shown = columns.shown(self.declared(name), spreads)
        for rows in self._slices(name):
            yield shown, flat_rows(rows, spreads)


@dataclass
class Report(Tabled):
    """The report: a summary (plain data) and tables (Polars frames) with the documented
    fields. `trends` holds, with an interval, `trend` and the chosen table's trend."""

    summary: dict[str, Any]
    sets: pl.DataFrame
    products: pl.DataFrame
    set_products: pl.DataFrame
    notices: list[str] = field(default_factory=list)
    """What the reader should know about the options (a --set that matched nothing, ...)."""
    trends: dict[str, pl.DataFrame] = field(default_factory=dict)

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every table by name, in the JSON document's order."""
        return {"sets": self.sets, "products": self.products, **self._rest()}

    def _rest(self) -> dict[str, pl.DataFrame]:
        return {"set_products": self.set_products, **self.trends}

    def spreads(self, name: str) -> dict[str, list[str]]:
        """The keys of a table's spread columns: currencies, action names."""
        frame = self.table(name)
        actions: list[str] = []
        if "actions" in frame.columns:
            names = frame["actions"].explode().struct.field("action").drop_nulls()
            actions = sorted(names.unique().to_list())
        return {"currencies": self.summary["currencies"], "actions": actions}


def _dicts(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts, each mapping field (a list of key-value structs) as a dict."""
    rows = frame.to_dicts()
    for name, (key, value) in MAPPINGS.items():
        if name in frame.columns:
            for row in rows:
                row[name] = {pair[key]: pair[value] for pair in row[name]}
    return rows


def flat_rows(rows: list[dict[str, Any]], spreads: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Rows with each mapping spread into a column per key (0 where a row has none):
    `order_revenue_<CUR>`, `action:<name>`."""
    flat_rows = []
    for row in rows:
        flat = {k: v for k, v in row.items() if k not in MAPPINGS}
        if "order_revenue" in row:
            for currency in spreads.get("currencies", []):
                flat[f"order_revenue_{currency}"] = row["order_revenue"].get(currency, 0.0)
        for action in spreads.get("actions", []):
            flat[f"action:{action}"] = row.get("actions", {}).get(action, 0)
        flat_rows.append(flat)
    return flat_rows
