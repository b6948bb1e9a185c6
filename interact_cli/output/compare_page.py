"""`compare --format html`: one self-contained page with a forest plot per rate (each
row's ratio now/before and its 95% interval, flagged rows marked) and the sortable
table, built as the report's page is (html.document, tables.js)."""

from __future__ import annotations

from typing import Any

from interact_cli.comparison import Comparison
from interact_cli.output.html import columnar, document

FOREST_ROWS = 40
"""Rows in each forest plot: the first of the comparison's order (by q-value)."""
COLOURS = {"down": "#c0392b", "up": "#1e8449"}
OTHER = "#7f8c8d"
TITLES = {"ctr": "ctr", "cart_per_click": "cart/click"}


def forest(comparison: Comparison, rate: str) -> dict[str, Any] | None:
    """A Vega-Lite forest plot of a rate's ratio now/before (log scale), None when no
    row has one."""
    frame = comparison.rows_frame
    ids = [c for c in ("set_id", "sku") if c in frame.columns]
    names = [f"{rate}_ratio", f"{rate}_ratio_low", f"{rate}_ratio_high", f"{rate}_change"]
    rows = frame.select([*ids, *names]).drop_nulls(f"{rate}_ratio_low").head(FOREST_ROWS)
    if rows.is_empty():
        return None
    values = [
        {
            "row": " · ".join(str(row[i]) for i in ids),
            "ratio": row[names[0]],
            "low": row[names[1]],
            "high": row[names[2]],
            "change": row[names[3]],
        }
        for row in rows.to_dicts()
    ]
    y = {
        "field": "row",
        "type": "nominal",
        "sort": None,
        "title": None,
        "axis": {"labelLimit": 220},
    }
    x = {"type": "quantitative", "scale": {"type": "log"}}
    colour = {
        "field": "change",
        "type": "nominal",
        "scale": {
            "domain": [*COLOURS, "unchanged", "low_sample", "untestable"],
            "range": [*COLOURS.values(), OTHER, "#bdc3c7", "#bdc3c7"],
        },
        "title": "verdict",
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": f"{TITLES[rate]}: now / before with 95% intervals "
        f"(first {len(values)} rows by q-value)",
        "width": "container",
        "height": {"step": 16},
        "data": {"values": values},
        "layer": [
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
                    "tooltip": [
                        {"field": "row"},
                        {"field": "ratio", "format": ".3f"},
                        {"field": "low", "format": ".3f"},
                        {"field": "high", "format": ".3f"},
                        {"field": "change"},
                    ],
                },
            },
        ],
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
