"""The report's charts as Vega-Lite specs (built with Altair), and the Vega runtime.

Only `--format html` and `--chart-dir` import this module: Altair and vl-convert cost
~0.5 s to load. The Vega runtime (~0.9 MB of JavaScript, ~1.4 s to bundle) is built once
per vl-convert version and kept in the user's cache folder.
"""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, date, datetime, time
from importlib import metadata
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl

from interact_cli.output.terminal import printable, unique_prefix
from interact_cli.result import Report

Spec = dict[str, Any]  # a Vega-Lite specification, as JSON
MEASURES = ("interactions", "click", "addToCart")
PERIOD_DAYS = {"day": 1, "week": 7, "month": 31}
MAX_TICKS = 12
"""Dates on a trend's axis at most: a label is ~70 pixels wide."""
COLOURS = {"click": "#4c78a8", "addToCart": "#f58518", "views": "#9d9d9d", "ordered": "#54a24b"}
COLOURS_FUNNEL = {
    "views": "#9d9d9d",
    "click": "#4c78a8",
    "addToCart": "#f58518",
    "ordered": "#54a24b",
}


def _labels(identifiers: list[str]) -> dict[str, str]:
    """Axis labels: ids shortened to the fewest first characters (at least 8) that keep
    the ids shown apart; an id of at most 12 characters stays whole. Control and invisible
    characters are shown escaped: raw, a NUL or ESC aborted the SVG export and a U+2028
    broke Vega's sort expression (a label that an escape made equal to another's gets
    a mark of its own)."""
    length = unique_prefix(identifiers)
    labels: dict[str, str] = {}
    taken: set[str] = set()
    for i in identifiers:
        label = printable(i if len(i) <= max(12, length) else i[:length] + "…")
        while label in taken:
            label += "*"
        labels[i] = label
        taken.add(label)
    return labels


def _top(frame: pl.DataFrame, key: str, top: int) -> pl.DataFrame:
    """The top rows by interactions, then id (all with `top` 0)."""
    ranked = frame.sort(["interactions", key], descending=[True, False], nulls_last=True)
    return ranked if top == 0 else ranked.head(top)


def _others(frame: pl.DataFrame, head: pl.DataFrame, noun: str) -> str:
    """The rows past the top as one sentence, for under their chart."""
    rest = {m: int(frame[m].sum()) - int(head[m].sum()) for m in MEASURES}
    total = int(frame["interactions"].sum())
    share = f", {rest['interactions'] / total:.1%} of all" if total else ""
    return (
        f"Others, not drawn: {frame.height - head.height:,} {noun} with "
        f"{rest['interactions']:,} interactions{share} "
        f"(click {rest['click']:,} · addToCart {rest['addToCart']:,})."
    )


def _clicks_and_carts(frame: pl.DataFrame, key: str, top: int, title: str, noun: str) -> Spec:
    head = _top(frame, key, top)
    shown = head.select(id=key, click="click", addToCart="addToCart").to_dicts()
    labels = _labels([r["id"] for r in shown])
    values = [
        {
            "id": printable(row["id"]),  # tooltips and ARIA labels show it: escaped too
            "label": labels[row["id"]],
            "measure": measure,
            "count": row[measure],
        }
        for row in shown
        for measure in ("click", "addToCart")
    ]
    order = [v["label"] for v in values[::2]]
    colour = alt.Color(
        "measure:N",
        scale=alt.Scale(domain=list(COLOURS)[:2], range=list(COLOURS.values())[:2]),
        title=None,
    )
    chart = (
        alt.Chart(alt.Data(values=values), title=title)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=order, title=None, axis=alt.Axis(labelAngle=-45)),
            xOffset="measure:N",
            y=alt.Y("count:Q", title="interactions"),
            color=colour,
            tooltip=["id:N", "measure:N", "count:Q"],
        )
        .properties(width="container", height=260)
    )
    spec: Spec = chart.to_dict()
    if head.height < frame.height:
        # Not a bar on the same axis: the sum of many rows dwarfed the top ones. The page
        # writes it as text under the chart; a file gets it as the chart's subtitle.
        spec["usermeta"] = {"others": _others(frame, head, noun)}
    return spec


def _rate(row: dict[str, Any]) -> dict[str, Any]:
    """A row's cart per click and its interval, as a chart's fields."""
    return {
        "rate": row["cart_per_click"],
        "low": row["cart_per_click_low"],
        "high": row["cart_per_click_high"],
    }


def _rates(frame: pl.DataFrame, top: int) -> Spec:
    ranked = _top(frame, "set_id", top).filter(pl.col("cart_per_click").is_not_null()).to_dicts()
    labels = _labels([r["set_id"] for r in ranked])
    values = [
        {
            "id": printable(r["set_id"]),
            "label": labels[r["set_id"]],
            "clicks": r["click"],
            **_rate(r),
        }
        for r in ranked
    ]
    order = [v["label"] for v in values]
    base = alt.Chart(alt.Data(values=values), title="cart per click, with its 95% interval")
    x = alt.X("label:N", sort=order, title=None, axis=alt.Axis(labelAngle=-45))
    bars = base.mark_rule(color="#9d9d9d").encode(
        x=x, y=alt.Y("low:Q", title="addToCart / click"), y2="high:Q"
    )
    points = base.mark_point(filled=True, size=50, color=COLOURS["addToCart"]).encode(
        x=x, y="rate:Q", tooltip=["id:N", "clicks:Q", "rate:Q", "low:Q", "high:Q"]
    )
    spec: Spec = alt.layer(bars, points).properties(width="container", height=260).to_dict()
    return spec


def _epoch_ms(period: str) -> int:
    """A period's start date (YYYY-MM-DD) as UTC milliseconds: the axis shows dates, not
    moments, so the browser's zone must not move them (the periods are in --tz)."""
    start = datetime.combine(date.fromisoformat(period), time(), tzinfo=UTC)
    return int(start.timestamp() * 1000)


def _period_x(periods: list[str], interval: str) -> alt.X:
    """A trend's time axis: ticks and grid lines at period starts only (Vega's own ticks
    fell on hours between days), labelled by date, and half a period of room on each side,
    so that the first and last points stay inside the frame and a lone one is centred."""
    starts = sorted(_epoch_ms(p) for p in periods)
    half = PERIOD_DAYS.get(interval, 1) * 43_200_000
    step = -(-len(starts) // MAX_TICKS)
    return alt.X(
        "at:T",
        title=f"{interval} (start)",
        scale=alt.Scale(type="utc", domain=[starts[0] - half, starts[-1] + half], nice=False),
        axis=alt.Axis(
            values=starts[::step],
            format="%Y-%m" if interval == "month" else "%Y-%m-%d",  # in UTC: a utc scale
            labelOverlap="parity",
        ),
    )


def _trend(rows: list[dict[str, Any]], interval: str) -> dict[str, Spec]:
    """The counts and the rate per period, as two charts: each alone fits its container
    (Vega-Lite cannot fit a concatenation, whose plots ran past the page's right edge)."""
    timed = [{**r, "at": _epoch_ms(r["period"])} for r in rows if r["period"] != "unknown"]
    if not timed:
        return {}  # no event with a usable time: nothing to draw (the summary says so)
    x = _period_x([r["period"] for r in timed], interval)
    y_axis = alt.Axis(minExtent=40)  # the same room for both y axes: their x axes align
    counts = [
        {"period": r["period"], "at": r["at"], "measure": m, "count": r[m]}
        for r in timed
        for m in ("click", "addToCart")
    ]
    rates = [
        {"period": r["period"], "at": r["at"], **_rate(r)}
        for r in timed
        if r["cart_per_click"] is not None
    ]
    colour = alt.Color(
        "measure:N",
        scale=alt.Scale(domain=list(COLOURS)[:2], range=list(COLOURS.values())[:2]),
        title=None,
        legend=alt.Legend(orient="top"),  # on the right, it narrowed this plot only
    )
    lines = (
        alt.Chart(alt.Data(values=counts), title=f"click and addToCart per {interval}")
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("count:Q", title="interactions", axis=y_axis),
            color=colour,
            tooltip=["period:N", "measure:N", "count:Q"],
        )
        .properties(width="container", height=220)
    )
    orange = COLOURS["addToCart"]
    band = alt.Chart(alt.Data(values=rates)).mark_area(opacity=0.25, color=orange)
    band = band.encode(x=x, y=alt.Y("low:Q", title="cart per click", axis=y_axis), y2="high:Q")
    line = alt.Chart(alt.Data(values=rates))
    line = line.mark_line(color=orange, point=alt.OverlayMarkDef(color=orange))
    line = line.encode(x=x, y="rate:Q", tooltip=["period:N", "rate:Q", "low:Q", "high:Q"])
    rate = alt.layer(band, line, title=f"cart per click per {interval}, with its 95% interval")
    return {
        "trend": lines.to_dict(),
        "trend_rate": rate.properties(width="container", height=180).to_dict(),
    }


def funnel_spec(sets: pl.DataFrame) -> Spec:
    """The funnel views → click → addToCart → ordered over all sets; the page replaces its
    data (`funnel`) with a set's when one is picked."""
    values = [{"step": step, "count": sets[step].sum()} for step in COLOURS_FUNNEL]
    chart = (
        alt.Chart(alt.InlineData(values=values, name="funnel"), title="funnel")
        .mark_bar()
        .encode(
            y=alt.Y("step:N", sort=list(COLOURS_FUNNEL), title=None),
            x=alt.X("count:Q", title="events"),
            color=alt.Color(
                "step:N",
                scale=alt.Scale(domain=list(COLOURS_FUNNEL), range=list(COLOURS_FUNNEL.values())),
                legend=None,
            ),
            tooltip=["step:N", "count:Q"],
        )
        .properties(width="container", height=160)
    )
    spec: Spec = chart.to_dict()
    return spec


def _which(top: int) -> str:
    return "all" if top == 0 else f"top {top}"


def specs(report: Report, top: int) -> dict[str, Spec]:
    """Every chart of the page, by name, with its data inline."""
    sets, products = report.sets, report.products
    found = {
        "funnel": funnel_spec(sets),
        "sets": _clicks_and_carts(
            sets, "set_id", top, f"click vs addToCart: {_which(top)} sets", "sets"
        ),
        "products": _clicks_and_carts(
            products, "sku", top, f"click vs addToCart: {_which(top)} products", "products"
        ),
        "rates": _rates(sets, top),
    }
    if "trend" in report.trends:
        found |= _trend(report.rows("trend"), report.summary["interval"])
    return found


def _cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "interact-cli"


def vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script, built once per vl-convert version."""
    import vl_convert as vlc

    version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
    if version not in vlc.get_vegalite_versions():
        version = vlc.get_vegalite_versions()[-1]
    path = _cache_folder() / f"vega-{metadata.version('vl-convert-python')}-vl{version}.js"
    with contextlib.suppress(OSError):
        return path.read_text()
    # The stub says snippet is a str; None (the default snippet) is what the docs give.
    bundle = vlc.javascript_bundle(snippet=None, vl_version=version)  # type: ignore[arg-type]
    # A cache we cannot write is only slower: every run bundles again.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(bundle)
        temporary.replace(path)
    return bundle


def export(charts: dict[str, Spec], folder: str) -> None:
    """Each chart as NAME.svg and NAME.png in a folder (which must exist)."""
    import vl_convert as vlc

    for name, spec in charts.items():
        if name == "funnel":
            continue  # filled in the page; its overall numbers are in the summary
        sized = _for_file(spec)
        Path(folder, f"{name}.svg").write_text(vlc.vegalite_to_svg(sized))
        Path(folder, f"{name}.png").write_bytes(vlc.vegalite_to_png(sized, scale=2))


def _for_file(spec: Spec) -> Spec:
    """A spec as a file shows it: 720 pixels wide, and what the page writes under the
    chart (the rows past the top) as its subtitle."""
    sized: Spec = _fixed_width(spec)
    if "others" in sized.get("usermeta", {}):
        sized["title"] = {"text": sized["title"], "subtitle": sized["usermeta"]["others"]}
    return sized


def _fixed_width(spec: Any) -> Any:
    """A spec with `width: container` set to 720 pixels (a file has no container)."""
    if isinstance(spec, dict):
        return {
            k: 720 if k == "width" and v == "container" else _fixed_width(v)
            for k, v in spec.items()
        }
    if isinstance(spec, list):
        return [_fixed_width(v) for v in spec]
    return spec
