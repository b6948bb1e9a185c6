"""Rich rendering of a report: a summary panel and tables fitted to the terminal width.

Ids and numbers are never cut. When the columns do not fit, they are split over two
tables; if they still do not fit, set ids are shortened to their shortest prefix unique
among the ids shown (at least 8 characters) and the columns spread over as many tables
as needed; a note under the tables says so, with the real prefix length.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from interact_cli.columns import ID_KINDS, Column
from interact_cli.output.terminal import printable, unique_prefix
from interact_cli.output.validation_view import count
from interact_cli.result import Report

TITLES = {
    "sets": "Sets",
    "products": "Products",
    "set_products": "Set × product",
    "set_trend": "Sets per period",
    "product_trend": "Products per period",
    "set_product_trend": "Set × product per period",
}


CHANGES = {"up": "▲ up", "down": "▼ down", "low_sample": "low sample"}
"""How compare's verdicts read in a table (arrows for the changes found)."""


def cell(column: Column, row: dict[str, Any]) -> str:
    """A value as shown in a table: thousands separators, rates as percentages, — for null."""
    if column.kind in ("range", "ratio_range"):
        low, high = row.get(f"{column.source}_low"), row.get(f"{column.source}_high")
        if low is None or high is None:
            return "—"
        return f"{low:.1%}–{high:.1%}" if column.kind == "range" else f"{low:.2f}–{high:.2f}×"
    value = row.get(column.name)
    if value is None:
        return "—"
    if column.kind == "flag":
        return "yes" if value else ""
    if column.kind == "change":
        return CHANGES.get(value, printable(str(value)))
    if column.kind == "rate":
        return f"{value:.1%}"
    if column.kind == "ratio":
        return f"{value:.2f}×"
    if column.kind == "pvalue":
        return f"{value:.2g}"
    if column.kind == "money":
        return f"{value:,.2f}"
    if isinstance(value, int):
        return count(value)
    return printable(str(value))


def render_report(report: Report, console: Console, tables: list[str], limit: int | None) -> None:
    """The summary panel, then each chosen table."""
    console.print(_summary_panel(report))
    for table in tables:
        columns, rows = report.shown(table)  # made once: it spreads every row
        total = report.summary[table] if table in ("sets", "products") else None
        render_table(_title(table, len(rows), total, limit), (columns, rows), console)


def render_table(
    title: str, shown: tuple[list[Column], list[dict[str, Any]]], console: Console
) -> None:
    """One table fitted to the console's width, and a note if a rate is over 100%."""
    for renderable in _fitted(title, shown, console):
        console.print(renderable)
    if _over_one(*shown):
        console.print(Text(OVER_ONE, style="italic"))


# Rates are ratios of two counts, not shares: more clicks than views is no error.
OVER_ONE = (
    "Rates over 100% are no error: ctr is clicks per view and cart/click add-to-carts per "
    "click, and a view or click can be followed by several (intervals likewise)."
)


def _over_one(columns: list[Column], rows: list[dict[str, Any]]) -> bool:
    """Whether a rate, or a bound of its interval, shown in the table is above 1."""
    names = [c.name for c in columns if c.kind == "rate"]
    names += [f"{c.source}_high" for c in columns if c.kind == "range"]
    return any((row.get(name) or 0) > 1 for row in rows for name in names)


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
    if s["since"] or s["until"]:
        since, until = s["since"] or "the start", s["until"] or "the end"
        lines.append(f"events from {since} until {until} (excluded), in {printable(s['tz'])}")
    if s["interval"]:
        monday = "; weeks start on Monday" if s["interval"] == "week" else ""
        lines.append(f"per {s['interval']} in {printable(s['tz'])}{monday}")
    if s["untimed"] or s["outside_time_range"]:
        lines.append(
            f"events without a usable time {count(s['untimed'])}"
            f" · outside the time range {count(s['outside_time_range'])}"
        )
    return panel(lines, "interact-cli report")


def panel(lines: list[str], title: str) -> Panel:
    """A summary panel: its lines, titled, as wide as they are."""
    return Panel(Text("\n".join(lines)), title=title, title_align="left", expand=False)


def _table(
    title: str, columns: list[Column], rows: list[dict[str, Any]], shorten: int | None
) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for column in columns:
        is_id = column.kind in ID_KINDS
        # Numbers never wrap and keep their widest cell's width; ids fold (wrap) rather
        # than being cut, which only happens when they alone are wider than the terminal.
        widest = max((len(cell(column, r)) for r in rows), default=1)
        table.add_column(
            printable(column.header),
            justify="left" if is_id else "right",
            no_wrap=not is_id,
            min_width=None if is_id else widest,
            overflow="fold",
        )
    for row in rows:
        values = []
        for column in columns:
            text = cell(column, row)
            if column.name == "set_id" and shorten is not None and row.get("set_id") is not None:
                # The id's first characters, then escaped: never half an escape.
                text = printable(str(row["set_id"])[:shorten])
            values.append(Text(text))
        table.add_row(*values)
    return table


def _halves(columns: list[Column]) -> tuple[list[Column], list[Column]]:
    """The columns split in two tables by priority, each starting with the id columns."""
    ids = [c for c in columns if c.kind in ID_KINDS]
    values = [c for c in columns if c not in ids]
    return ids + [c for c in values if c.priority == 1], ids + [
        c for c in values if c.priority != 1
    ]


def _widest_rows(columns: list[Column], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows holding some column's widest cell: a table of them measures as wide as
    one of all rows, and measuring is most of the time of drawing long tables."""
    picked: dict[int, dict[str, Any]] = {}
    for column in columns:
        widest = max(range(len(rows)), key=lambda i: len(cell(column, rows[i])), default=None)
        if widest is not None:
            picked[widest] = rows[widest]
    return list(picked.values())


def _fits(console: Console, *tables: Table) -> bool:
    unbounded = console.options.update_width(100_000)  # natural widths, not squeezed ones
    return all(Measurement.get(console, unbounded, t).maximum <= console.width for t in tables)


def _pages(
    columns: list[Column], rows: list[dict[str, Any]], console: Console, shorten: int | None
) -> list[list[Column]]:
    """The columns spread over as few tables as fit, each starting with the id columns."""
    ids = [c for c in columns if c.kind in ID_KINDS]
    pages: list[list[Column]] = []
    page: list[Column] = []
    # Key columns first: the first table holds what analysts rank on.
    for column in sorted((c for c in columns if c not in ids), key=lambda c: c.priority):
        if page and not _fits(console, _table("", ids + page + [column], rows, shorten)):
            pages.append(ids + page)
            page = []
        page.append(column)
    return [*pages, ids + page]


def _fitted(
    title: str, shown: tuple[list[Column], list[dict[str, Any]]], console: Console
) -> list[Any]:
    """The table whole, or in two, or with shortened set ids over as many tables as needed.

    Numbers and SKUs are never cut: columns move to further tables instead. Only when the
    ids alone are wider than the terminal do they wrap onto a second line.
    """
    columns, rows = shown
    first, second = _halves(columns)
    if not rows:  # no header of columns with nothing under them
        return [Text(f"{title} (no rows)")]
    probe = _widest_rows(columns, rows)
    if _fits(console, _table(title, columns, probe, None)):
        return [_table(title, columns, rows, None)]
    halves = [_table(title, first, rows, None), _table(f"{title}, continued", second, rows, None)]
    if _fits(console, *(_table(title, half, probe, None) for half in (first, second))):
        return halves
    notes = []
    length = None
    if any(c.name == "set_id" for c in columns):
        ids = [r["set_id"] for r in rows if r.get("set_id") is not None]
        length = unique_prefix(ids)
        if length < max(map(len, ids), default=0):
            notes.append(
                f"Set ids shortened to their first {length} characters (unique among the "
                f"ids shown; --set takes a prefix unique among all ids) to fit "
                f"{console.width} columns; widen the terminal or use --format csv for full ids."
            )
    pages = [first, second]
    if not _fits(console, *(_table("", page, probe, length) for page in pages)):
        pages = _pages(columns, probe, console, length)
        notes.append(f"Columns split over {len(pages)} tables to fit {console.width} columns.")
    titles = [title] + [f"{title}, continued"] * (len(pages) - 1)
    tables = [_table(t, page, rows, length) for t, page in zip(titles, pages, strict=True)]
    return [Group(*tables, *(Text(note, style="italic") for note in notes))]


def _title(table: str, rows: int, total: int | None, limit: int | None) -> str:
    if total is not None and limit and rows < total:
        return f"{TITLES[table]}: top {count(rows)} of {count(total)}"
    return f"{TITLES[table]}: {count(rows)}"
