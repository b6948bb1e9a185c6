"""`report --format html`: one self-contained page (no network) with charts and tables.

The page carries its data as one JSON document in a non-executed script element
(columnar: a list per column, not a DOM row per row), the Vega runtime, and our scripts
(`tables.js`, shared with compare's page, and `page.js`), which draw tables with
`textContent` only: text from the data is never parsed as HTML. Columns come from the
one declaration in `interact_cli/columns.py`.
"""

from __future__ import annotations

import html
import re
from importlib import resources
from typing import Any

from interact_cli.result import Report, Tabled
from interact_cli.serialize import compact_json

TABLES = ("sets", "products", "set_products")
PAGE_ROWS = 10_000
"""Rows of each table the page carries (the first, in the report's order): a page with
a million rows is one no browser opens comfortably; JSON and CSV hold them all."""
_SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)


def _compact(value: Any) -> Any:
    """Floats to 6 significant digits: the page shows at most 4, and 50,000 rows of
    full-precision rates would double its size."""
    return float(f"{value:.6g}") if isinstance(value, float) else value


def columnar(result: Tabled, table: str, priority: int | None = None) -> dict[str, Any]:
    """A table's first PAGE_ROWS rows as the page carries them: its shown columns (those
    of `priority` only, if given) and a list of values per field."""
    columns, rows = result.shown(table, PAGE_ROWS)
    columns = [c for c in columns if priority is None or c.priority <= priority]
    names = []
    for column in columns:
        names += (
            [f"{column.source}_low", f"{column.source}_high"]
            if column.kind in ("range", "ratio_range")
            else [column.name]
        )
    return {
        "columns": [
            {"name": c.name, "header": c.header, "kind": c.kind, "source": c.source}
            for c in columns
        ],
        "data": {name: [_compact(row.get(name)) for row in rows] for name in names},
        "rows": len(rows),
        "total": result.table(table).height,
    }


def _safe_json(document: Any) -> str:
    """JSON that cannot end its script element: every '<' is written as \\u003c."""
    return compact_json(document).replace("<", "\\u003c")


def page(report: Report, charts: dict[str, dict[str, Any]], bundle: str, top: int) -> str:
    """The whole HTML document."""
    data = {
        "summary": report.summary,
        "notices": report.notices,
        # Over every set, also those past PAGE_ROWS (the funnel starts from them).
        "totals": {
            name: report.sets[name].sum() for name in ("views", "click", "addToCart", "ordered")
        },
        "top": top,
        "tables": {table: columnar(report, table) for table in TABLES},
        "trend": report.rows("trend") if "trend" in report.trends else [],
        "charts": charts,
    }
    return document("interact-cli report", data, bundle, "page.js")


def document(title: str, data: Any, bundle: str, script: str) -> str:
    """A whole self-contained page: its data, the Vega runtime, tables.js and `script`."""
    assets = resources.files("interact_cli.output") / "assets"
    style = (assets / "page.css").read_text()
    scripts = [bundle, (assets / "tables.js").read_text(), (assets / script).read_text()]
    scripts = [_SCRIPT_END.sub(r"<\\/\1", text) for text in scripts]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            # No network: the page may only use what it carries (and images it makes).
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
            'img-src data: blob:">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            f"<style>{style}</style></head><body>",
            f'<header><h1>{html.escape(title)}</h1><p id="notices"></p></header>',
            '<main id="page"></main>',
            f'<script id="report-data" type="application/json">{_safe_json(data)}</script>',
            *(f"<script>{text}</script>" for text in scripts),
            "</body></html>",
        ]
    )
