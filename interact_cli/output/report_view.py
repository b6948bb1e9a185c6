"""Rich rendering of a report: a summary panel and tables fitted to the terminal width.

Set ids are never cut with an ellipsis. When the columns do not fit, they are split
over two tables; if the ids still do not fit, they are shortened to their shortest
unique prefix (at least 8 characters) and a caption says so.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from interact_cli.output.terminal import printable
from interact_cli.output.validation_view import count
from interact_cli.report import Report

TITLES = {"sets": "Sets", "products": "Products", "set_products": "Set × product"}
HEADERS = {"cart_per_click": "cart/click", "set_id": "set", "interactions": "interactions"}
SPLIT_AFTER = {"sets": "users", "products": "users", "set_products": "interactions"}
MIN_PREFIX = 8


def cell(column: str, value: Any) -> str:
    """A value as shown in a table: thousands separators, rates as percentages, — for null."""
    if value is None:
        return "—"
    if column in ("ctr", "cart_per_click"):
        return f"{value:.1%}"
    if column.startswith("order_revenue_"):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return count(value)
    return printable(str(value))


def render_report(report: Report, console: Console, tables: list[str], limit: int | None) -> None:
    """The summary panel, then each chosen table."""
    console.print(_summary_panel(report))
    for table in tables:
        for renderable in _fitted(report, table, console, limit):
            console.print(renderable)


def _summary_panel(report: Report) -> Panel:
    s = report.summary
    events = " · ".join(f"{kind} {count(n)}" for kind, n in s["events"].items())
    lines = [
        f"lines {count(s['lines'])}: valid {count(s['valid'])} · invalid {count(s['invalid'])}"
        f" · blank {count(s['blank'])} · warnings {count(s['warnings'])}",
        f"events {events}",
        f"sets {count(s['sets'])} · products {count(s['products'])} · users {count(s['users'])}"
        f" · unattributed interactions {count(s['unattributed'])}",
        f"orders attributed by {s['attribution_basis']}; time field {printable(s['time_field'])}",
    ]
    if s["untimed"] or s["outside_time_range"]:
        lines.append(
            f"events without a usable time {count(s['untimed'])}"
            f" · outside the time range {count(s['outside_time_range'])}"
        )
    return Panel(
        Text("\n".join(lines)), title="interact-cli report", title_align="left", expand=False
    )


def _prefix_length(ids: list[str]) -> int:
    length = MIN_PREFIX
    while length < max(map(len, ids), default=0) and len({i[:length] for i in ids}) < len(set(ids)):
        length += 1
    return length


def _header(column: str) -> str:
    if column.startswith("order_revenue_"):
        return "revenue " + printable(column.removeprefix("order_revenue_"))
    return printable(HEADERS.get(column, column))


def _table(title: str, columns: list[str], rows: list[dict], shorten: int | None) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for column in columns:
        table.add_column(
            _header(column),
            justify="left" if column in ("set_id", "sku") else "right",
            no_wrap=column != "set_id" or shorten is not None,
            overflow="fold",
        )
    for row in rows:
        values = []
        for column in columns:
            text = cell(column, row.get(column))
            if column == "set_id" and shorten is not None and row.get(column) is not None:
                text = text[:shorten]
            values.append(Text(text))
        table.add_row(*values)
    return table


def _halves(columns: list[str], table: str) -> tuple[list[str], list[str]]:
    """The columns split in two tables, each starting with the id columns."""
    ids = [c for c in columns if c in ("set_id", "sku")]
    values = [c for c in columns if c not in ids]
    split = values.index(SPLIT_AFTER[table]) + 1
    return ids + values[:split], ids + values[split:]


def _fits(console: Console, *tables: Table) -> bool:
    unbounded = console.options.update_width(100_000)  # natural widths, not squeezed ones
    return all(Measurement.get(console, unbounded, t).maximum <= console.width for t in tables)


def _fitted(report: Report, table: str, console: Console, limit: int | None) -> list:
    columns, rows = report.flat(table)
    first, second = _halves(columns, table)
    total = (
        report.summary["sets" if table == "sets" else "products"]
        if table != "set_products"
        else None
    )
    title = _title(table, len(rows), total, limit)
    whole = _table(title, columns, rows, None)
    if _fits(console, whole) or not rows:
        return [whole]
    halves = [_table(title, first, rows, None), _table(f"{title}, continued", second, rows, None)]
    if _fits(console, *halves) or "set_id" not in first:
        return halves
    length = _prefix_length([r["set_id"] for r in rows if r.get("set_id") is not None])
    note = Text(
        f"Set ids shortened to their first {length} characters (unique here) to fit "
        f"{console.width} columns; widen the terminal or use --format csv for full ids.",
        style="italic",
    )
    short = [
        _table(title, first, rows, length),
        _table(f"{title}, continued", second, rows, length),
    ]
    return [Group(*short, note)]


def _title(table: str, shown: int, total: int | None, limit: int | None) -> str:
    if total is not None and limit and shown < total:
        return f"{TITLES[table]}: top {count(shown)} of {count(total)}"
    return f"{TITLES[table]}: {count(shown)}"
