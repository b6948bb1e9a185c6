"""`compare --format html`: one self-contained page with a forest plot per rate (each
row's ratio now/before and its 95% interval, flagged rows marked) and the sortable
table, built as the report's page is (html.document, tables.js)."""

from __future__ import annotations

from typing import Any

from interact_cli.comparison import Comparison
from interact_cli.output.html import columnar, document

FOREST_ROWS = 40
"""Rows in each forest plot: those of smallest q-value of its rate."""
COLOURS = {"down": "#c0392b", "up": "#1e8449"}
OTHER = "#7f8c8d"
TITLES = {"ctr": "ctr", "cart_per_click": "cart/click"}


def _points(comparison: Comparison, rate: str) -> list[dict[str, Any]]:
    """The rows of a rate's plot: the FOREST_ROWS with the smallest q-values of that rate
    that have an interval, as (row, ratio, low, high, change)."""
    import polars as pl

    frame = comparison.rows_frame
    ids = [c for c in ("set_id", "sku") if c in frame.columns]
    rows = (
        frame.drop_nulls(f"{rate}_ratio_low")
        .sort(f"{rate}_q", f"{rate}_p", *ids, nulls_last=True)
        .head(FOREST_ROWS)
        .select(
            row=pl.concat_str([pl.col(i) for i in ids], separator=" · "),
            ratio=pl.col(f"{rate}_ratio"),
            low=pl.col(f"{rate}_ratio_low"),
            high=pl.col(f"{rate}_ratio_high"),
            change=pl.col(f"{rate}_change"),
        )
    )
    return rows.to_dicts()


def _layers(x: dict[str, Any], y: dict[str, Any], colour: dict[str, Any]) -> list[Any]:
    """The marks: a dashed rule at 1 (no change), each interval, each ratio."""
    tips = [{"field": f, "format": ".3f"} for f in ("ratio", "low", "high")]
    return [
        {
            "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#555"},
            "encoding": {"x": {"datum": 1, **x}},
        },
        {
            "mark": "rule",
            "encoding": {
                "y": y,
                "x": {"field": "low", **x, "title": "ratio now / before"},
                "x2": {"field": "high"},
                "color": colour,
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 50},
            "encoding": {
                "y": y,
                "x": {"field": "ratio", **x},
                "color": colour,
                "tooltip": [{"field": "row"}, *tips, {"field": "change"}],
            },
        },
    ]


def forest(comparison: Comparison, rate: str) -> dict[str, Any] | None:
    """A Vega-Lite forest plot of a rate's ratio now/before (log scale), None when no
    row has an interval."""
    values = _points(comparison, rate)
    if not values:
        return None
    y: dict[str, Any] = {"field": "row", "type": "nominal", "sort": None, "title": None}
    y["axis"] = {"labelLimit": 220}
    x = {"type": "quantitative", "scale": {"type": "log"}}
    domain = [*COLOURS, "unchanged", "low_sample", "untestable"]
    palette = [*COLOURS.values(), OTHER, "#bdc3c7", "#bdc3c7"]
    colour: dict[str, Any] = {"field": "change", "type": "nominal", "title": "verdict"}
    colour["scale"] = {"domain": domain, "range": palette}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": f"{TITLES[rate]}: now / before with 95% intervals "
        f"(the {len(values)} rows of smallest q-value)",
        "width": "container",
        "height": {"step": 16},
        "data": {"values": values},
        "layer": _layers(x, y, colour),
    }


def page(comparison: Comparison) -> str:
    """The whole HTML document."""
    from interact_cli.output.charts import vega_bundle

    rates = list(comparison.summary["changes"])
    data = {
        "summary": comparison.summary,
        "notices": comparison.notices,
        "name": comparison.name,
        "table": columnar(comparison, comparison.name),
        "charts": {rate: forest(comparison, rate) for rate in rates},
    }
    return document("interact-cli compare", data, vega_bundle(), "compare.js")
