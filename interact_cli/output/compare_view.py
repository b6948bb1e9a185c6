"""Rich rendering of a comparison: a summary panel (both windows, the verdicts' counts)
and the compared table fitted to the terminal, arrows on the rows that changed."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from interact_cli.comparison import Comparison
from interact_cli.output.report_view import panel, render_table
from interact_cli.output.terminal import printable
from interact_cli.output.validation_view import count

TITLES = {"sets": "Sets", "products": "Products", "set_products": "Set × product"}
RATE_NAMES = {"ctr": "ctr", "cart_per_click": "cart/click"}


def _window(window: dict[str, Any]) -> str:
    """A window as its range, or as its inputs."""
    if "since" in window:
        return f"{window['since']} until {window['until']}"
    inputs = window["inputs"]
    shown = ", ".join(printable(name) for name in inputs[:3])
    return shown + (f" and {len(inputs) - 3} more" if len(inputs) > 3 else "")


def _totals(window: dict[str, Any]) -> str:
    names = [n for n in ("users", "views", "click", "addToCart") if n in window]
    return " · ".join(f"{name} {count(window[name])}" for name in names)


def _summary_panel(comparison: Comparison) -> Panel:
    s = comparison.summary
    lines = [
        f"lines {count(s['lines'])}: valid {count(s['valid'])} · invalid {count(s['invalid'])}"
        f" · blank {count(s['blank'])} · warnings {count(s['warnings'])}",
        f"before: {_window(s['baseline'])}",
        f"   now: {_window(s['current'])}",
        f"before: {_totals(s['baseline'])}",
        f"   now: {_totals(s['current'])}",
    ]
    for rate, v in s["changes"].items():
        lines.append(
            f"{RATE_NAMES[rate]}: ▲ {count(v['up'])} up · ▼ {count(v['down'])} down"
            f" · {count(v['unchanged'])} unchanged · {count(v['low_sample'])} low sample"
            f" · {count(v['untestable'])} untestable (q over {count(s['tested'][rate])} rows)"
        )
    lines.append(
        f"a change: q < {s['fdr']:g} (Benjamini–Hochberg) and at least "
        f"{s['low_sample_clicks']} clicks in each window; users are the unit"
    )
    if s["outside_windows"] or s["untimed"]:
        lines.append(
            f"events outside both windows {count(s['outside_windows'])}"
            f" · without a usable time {count(s['untimed'])}"
        )
    return panel(lines, "interact-cli compare")


def render_comparison(comparison: Comparison, console: Console, limit: int | None) -> None:
    """The summary panel, then the compared table."""
    console.print(_summary_panel(comparison))
    name = comparison.name
    columns, rows = comparison.shown(name)
    # The rates, their ratio and the verdict: counts, p-values and the windows' own
    # intervals are in -f csv and json (all of them made two tables more at 80 columns).
    columns = [c for c in columns if c.priority == 1]
    total = comparison.summary["rows"]
    title = f"{TITLES[name]}: {count(len(rows))}"
    if limit and len(rows) < total:
        title = f"{TITLES[name]}: top {count(len(rows))} of {count(total)}"
    render_table(title, (columns, rows), console)
    console.print(Text(MORE, style="italic"))


MORE = (
    "Also in -f csv and -f json: views, add-to-carts and users per window, each window's "
    "95% interval, p-values."
)
