"""`report --format html`, opened in a real browser (Debian's Chromium, driven by Playwright)."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, SAMPLE, modules_loaded_by
from .test_report import interact, view

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium")
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip("no chromium here (CI installs Debian's)", allow_module_level=True)
CHARTS = ("funnel", "sets", "products", "rates", "trend", "trend_rate")
TRENDS = ("trend", "trend_rate")
EVENTS, BROKEN = str(SAMPLE / "events.ndjson"), str(SAMPLE / "broken.ndjson")


def cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "interact_cli", *args]
    return subprocess.run(command, capture_output=True, timeout=120, **kwargs)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


class Opened:
    """A page of ours in the browser, with what it tried and what it complained about."""

    def __init__(self, browser, path: Path, **options) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900}, **options)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("document.body.dataset.ready === 'true'", timeout=30_000)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        else:  # nothing may leave the file: every other request is refused and noted
            self.requests.append(url)
            route.abort()

    def cells(self, table: str, column: str) -> list[str]:
        index = self.page.locator(f"#table-{table} thead th").evaluate_all(
            f"(ths) => ths.findIndex((th) => th.dataset.column === {json.dumps(column)})"
        )
        return self.page.locator(
            f"#table-{table} tbody tr td:nth-child({index + 1})"
        ).all_text_contents()


def render(tmp_path: Path, *inputs: str, name: str = "report.html") -> Path:
    out = tmp_path / name
    result = cli("report", *inputs, "-f", "html", "-o", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def sample(tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("html")
    path = render(folder, EVENTS, BROKEN)
    doc = json.loads(cli("report", EVENTS, BROKEN, "-f", "json", "--interval", "auto").stdout)
    opened = Opened(browser, path)
    yield opened, doc, folder
    opened.page.close()


def test_the_page_draws_every_chart_offline_without_errors(sample):
    opened, _, folder = sample
    assert opened.errors == [] and opened.requests == []
    for name in CHARTS:
        box = opened.page.locator(f"#chart-{name} svg").first.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, name
    opened.page.screenshot(path=str(folder / "report.png"), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOT"):
        opened.page.screenshot(path=str(ROOT / "docs" / "report.png"))
    html = (folder / "report.html").read_text()
    assert "http://" not in html.split('id="report-data"')[0]  # no link to fetch anything


def test_the_tables_show_the_numbers_of_the_json_report(sample):
    opened, doc, _ = sample
    for table, key in (("sets", "set_id"), ("products", "sku"), ("set_products", "sku")):
        rows = doc[table][:50]  # the first page, in the report's order
        assert opened.cells(table, key) == [r[key] for r in rows]
        assert opened.cells(table, "click") == [f"{r['click']:,}" for r in rows]
        shown = [
            f"{r['cart_per_click']:.1%}" if r["cart_per_click"] is not None else "—" for r in rows
        ]
        assert opened.cells(table, "cart_per_click") == shown
    header = opened.page.locator("#table-set_products h2").text_content()
    assert header.endswith(f"{len(doc['set_products']):,}")
    summary = opened.page.locator("#summary").text_content()
    assert f"valid {doc['summary']['valid']:,}" in summary and "invalid 20" in summary


def test_sorting_filtering_paging_and_the_funnel_picker_work_by_clicking(sample):
    opened, doc, _ = sample
    page = opened.page
    page.locator("#table-sets th[data-column=views]").click()
    most = max(r["views"] for r in doc["sets"])
    assert opened.cells("sets", "views")[0] == f"{most:,}"
    page.locator("#table-sets th[data-column=views]").click()  # again: ascending
    assert opened.cells("sets", "views")[0] == f"{min(r['views'] for r in doc['sets']):,}"
    target = doc["sets"][7]
    page.locator("#table-sets .filter").fill(target["set_id"][:13])
    assert opened.cells("sets", "set_id") == [target["set_id"]]
    page.locator("#table-sets .filter").fill("")
    page.locator("#table-products .next").click()
    assert opened.cells("products", "sku") == [r["sku"] for r in doc["products"][50:100]]
    page.select_option("#funnel-set", label=target["set_id"])
    for step in ("views", "click", "addToCart", "ordered"):
        assert (
            page.locator(f"#funnel-numbers td[data-step={step}]").text_content()
            == f"{target[step]:,}"
        )
    assert opened.errors == []


def test_hostile_ids_are_shown_as_text_and_run_nothing(tmp_path, browser):
    hostile = [
        '"><script>window.__pwned=1</script>',
        '<img src=x onerror="window.__pwned=1">',
        "</script><script>window.__pwned=1</script>",
        "<svg onload=window.__pwned=1>",
        # Raw in a chart, ESC and NUL aborted the SVG export and U+2028 broke Vega's sort.
        "esc\x1b[2J-nul\x00-end",
        "line\u2028para\u2029sep",
        "zero\u200bwidth\ufeff",
    ]
    lines = []
    for n, text in enumerate(hostile):
        lines += [interact(text, text, "u", "click"), interact(f"s{n}", text, "u", "addToCart")]
        lines.append(view(text))
    dump = tmp_path / "hostile.ndjson"
    dump.write_bytes(b"".join(line + b"\n" for line in lines))
    opened = Opened(browser, render(tmp_path, str(dump)))
    assert opened.page.evaluate("() => window.__pwned") is None
    assert set(hostile) <= set(opened.cells("sets", "set_id"))
    assert set(hostile) <= set(opened.cells("products", "sku"))
    assert opened.errors == [] and opened.requests == []
    for name in CHARTS:  # no event has a time: there is no trend to draw
        assert opened.page.locator(f"#chart-{name} svg").count() == (name not in TRENDS), name
    charts = tmp_path / "charts"
    charts.mkdir()
    made = cli("report", str(dump), "-f", "json", "-o", str(tmp_path / "r.json"))
    exported = cli("report", str(dump), "-f", "json", "--chart-dir", str(charts), "-o", "-")
    assert exported.returncode == 0 and made.returncode == 0, exported.stderr
    # The funnel is the page's; without a time, no trend.
    assert len(list(charts.glob("*.svg"))) == len(CHARTS) - 1 - len(TRENDS)
    assert "esc\\x1b[2J-nul\\x00-end" in (charts / "sets.svg").read_text()


def test_a_dump_without_a_valid_event_says_so(tmp_path, browser):
    dump = tmp_path / "bad.ndjson"
    dump.write_bytes(b"{not json\n[]\n")
    opened = Opened(browser, render(tmp_path, str(dump)))
    assert "No valid event" in opened.page.locator("#summary").text_content()
    assert opened.errors == []


def test_a_wide_catalogue_stays_small_and_opens(tmp_path, browser):
    dump = tmp_path / "wide.ndjson"
    made = cli("generate", "--events", "160000", "--products", "50000", "-o", str(dump))
    assert made.returncode == 0, made.stderr
    page = render(tmp_path, str(dump))
    doc = json.loads(cli("report", str(dump), "-f", "json").stdout)
    assert doc["summary"]["products"] == 50_000
    assert page.stat().st_size < 15_000_000
    opened = Opened(browser, page)
    assert opened.page.locator("#table-products h2").text_content() == "Products: 50,000"
    assert opened.errors == []


def test_outputs_are_checked_and_charts_exported(tmp_path):
    missing = cli("report", EVENTS, "-f", "html", "-o", str(tmp_path / "no" / "r.html"))
    assert missing.returncode == 2 and missing.stderr.count(b"\n") == 1
    onto_input = cli("report", EVENTS, "-f", "html", "-o", EVENTS)
    assert onto_input.returncode == 2
    charts = tmp_path / "charts"
    charts.mkdir()
    out = tmp_path / "r.html"
    made = cli("report", EVENTS, "-f", "html", "-o", str(out), "--chart-dir", str(charts))
    assert made.returncode == 0, made.stderr
    names = sorted(p.name for p in charts.iterdir())
    assert names == sorted(f"{c}.{e}" for c in CHARTS if c != "funnel" for e in ("png", "svg"))
    assert (charts / "sets.png").read_bytes().startswith(b"\x89PNG")
    # A file has no page around it: the rows past the top are the chart's subtitle.
    assert "Others, not drawn: 20 sets" in (charts / "sets.svg").read_text()


def test_html_to_a_terminal_is_refused_with_a_hint():
    controller, terminal = pty.openpty()
    try:
        command = [sys.executable, "-m", "interact_cli", "report", EVENTS, "-f", "html"]
        result = subprocess.run(command, stdout=terminal, stderr=subprocess.PIPE, timeout=60)
    finally:
        os.close(terminal)
        os.close(controller)
    assert result.returncode == 2 and b"-o report.html" in result.stderr


def test_other_formats_never_load_the_chart_stack():
    args = ["report", str(EVENTS), "-f", "json", "-o", "/dev/null"]
    assert modules_loaded_by(args, ["altair", "vl_convert"]) == [False, False]


def test_a_huge_table_is_cut_in_the_page_which_says_so(tmp_path, browser):
    # 12,000 sets, one click each: the page carries the first PAGE_ROWS (10,000) of each
    # table, says where the rest are, and its totals and funnel count every set.
    from interact_cli.output.html import PAGE_ROWS

    lines = [interact(f"set-{i:05d}", "p", f"u{i}", "click") for i in range(PAGE_ROWS + 2000)]
    dump = tmp_path / "wide.ndjson"
    dump.write_bytes(b"".join(line + b"\n" for line in lines))
    page = render(tmp_path, str(dump))
    data = json.loads(page.read_text().split('type="application/json">')[1].split("</script>")[0])
    assert data["tables"]["sets"]["rows"] == PAGE_ROWS
    assert data["tables"]["sets"]["total"] == PAGE_ROWS + 2000
    assert data["totals"]["click"] == PAGE_ROWS + 2000
    opened = Opened(browser, page)
    assert opened.errors == []
    note = opened.page.locator("#table-sets p.cut").text_content()
    assert "first 10,000 rows of 12,000" in note and "-f csv" in note
    totals = opened.page.locator('dd[data-field="totals (sets)"]').text_content()
    assert "click 12,000" in totals
    opened.page.close()


def test_the_rows_past_the_top_are_text_under_the_chart_not_a_bar(sample):
    # Summed into one bar on the shared axis, 26 sets dwarfed the top 20 (and 199 products
    # the top 20): the remainder is a sentence under the chart, with its share of all.
    opened, doc, _ = sample
    ranked = sorted(doc["sets"], key=lambda r: (-r["interactions"], r["set_id"]))
    head, rest = ranked[:20], ranked[20:]
    values = opened.page.evaluate(
        "() => JSON.parse(document.getElementById('report-data').textContent)"
        ".charts.sets.data.values"
    )
    assert len(values) == 2 * len(head) and not any("other" in v["label"] for v in values)
    bars = opened.page.locator("#chart-sets .role-mark path").evaluate_all(
        "(paths) => paths.map((p) => p.getAttribute('aria-label'))"
    )
    assert len(bars) == 2 * len(head) and not any("other" in bar for bar in bars)
    axis = opened.page.locator("#chart-sets .role-axis[aria-label^='Y-axis']")
    highest = int(axis.get_attribute("aria-label").rsplit(" ", 1)[1].replace(",", ""))
    assert highest < sum(r["click"] for r in rest)  # the axis is scaled on the top sets
    interactions = sum(r["interactions"] for r in rest)
    share = interactions / sum(r["interactions"] for r in ranked)
    others = opened.page.locator("#others-sets")
    assert others.text_content() == (
        f"Others, not drawn: {len(rest)} sets with {interactions:,} interactions, "
        f"{share:.1%} of all (click {sum(r['click'] for r in rest):,} · "
        f"addToCart {sum(r['addToCart'] for r in rest):,})."
    )
    assert opened.page.locator("#chart-sets").get_attribute("aria-describedby") == "others-sets"
    products = opened.page.locator("#others-products").text_content()
    assert products.startswith(f"Others, not drawn: {len(doc['products']) - 20} products with ")


_GEOMETRY = """(chart) => {
  const box = (node) => node.getBoundingClientRect();
  const centre = (r) => [(r.left + r.right) / 2, (r.top + r.bottom) / 2];
  const corners = (r) => [r.left, r.top, r.right, r.bottom];
  const x = [...chart.querySelectorAll('.role-axis')]
    .find((axis) => (axis.getAttribute('aria-label') || '').startsWith('X-axis'));
  return {
    chart: corners(box(chart)),
    svg: corners(box(chart.querySelector('svg'))),
    frame: corners(box(chart.querySelector('.role-frame.root > g > path.background'))),
    points: [...chart.querySelectorAll('.mark-symbol.role-mark path')].map((p) => centre(box(p))),
    shapes: [...chart.querySelectorAll('.mark-line.role-mark path, .mark-area.role-mark path')]
      .map((p) => corners(box(p))),
    ticks: [...x.querySelectorAll('.role-axis-tick line')].map((line) => box(line).left),
    labels: [...x.querySelectorAll('.role-axis-label text')].map((text) => text.textContent),
  };
}"""


def _inside(inner: list[float], outer: list[float]) -> bool:
    """Whether a box (left, top, right, bottom) lies within another, to half a pixel."""
    return all(inner[i] >= outer[i] - 0.5 and inner[i + 2] <= outer[i + 2] + 0.5 for i in (0, 1))


def _check_trends(opened: Opened, periods: list[str], interval: str) -> None:
    """Every trend chart: in its frame and its box; ticks at period starts, dated."""
    labels = {p[:7] if interval == "month" else p for p in periods}
    for name in TRENDS:
        shape = opened.page.locator(f"#chart-{name}").evaluate(_GEOMETRY)
        assert _inside(shape["svg"], shape["chart"]), name  # no plot past the page's edge
        assert shape["points"] and len(shape["points"]) >= len(periods), name
        for point in shape["points"]:
            assert _inside([*point, *point], shape["frame"]), (name, point)
        for box in shape["shapes"]:
            assert _inside(box, shape["frame"]), (name, box)
        # A tick (and its grid line) only where a period starts: where a point is drawn.
        at = [x for x, _ in shape["points"]]
        assert shape["ticks"] and all(min(abs(t - x) for x in at) <= 1 for t in shape["ticks"])
        assert set(shape["labels"]) <= labels and len(shape["ticks"]) <= 12, shape["labels"]


@pytest.mark.parametrize("interval", ["day", "week", "month"])
def test_trend_ticks_fall_on_period_starts_and_lines_stay_in_their_frame(
    tmp_path, browser, interval
):
    # 40 days less one: Vega's own ticks fell on hours between days, and the plots (a
    # concatenation Vega-Lite cannot fit to its container) ran past the right edge. The
    # page is opened in a zone west of UTC: a date must not become the eve's.
    days = [f"2026-10-{d:02d}" if d <= 31 else f"2026-11-{d - 31:02d}" for d in range(1, 41)]
    del days[11]
    lines = []
    for n, day in enumerate(days):
        for k in range(3 + n % 4):
            stamp = f"{day}T{(5 * k) % 24:02d}:30:00Z"
            lines.append(interact(f"s{k}", f"p{k}", f"u{n}", "click", stamp))
            if k % 2:
                lines.append(interact(f"s{k}", f"p{k}", f"u{n}", "addToCart", stamp))
    dump = tmp_path / "days.ndjson"
    dump.write_bytes(b"".join(line + b"\n" for line in lines))
    out = tmp_path / "trend.html"
    made = cli("report", str(dump), "-f", "html", "--interval", interval, "-o", str(out))
    assert made.returncode == 0, made.stderr
    doc = json.loads(cli("report", str(dump), "-f", "json", "--interval", interval).stdout)
    opened = Opened(browser, out, timezone_id="America/Los_Angeles")
    assert opened.errors == []
    _check_trends(opened, [r["period"] for r in doc["trend"]], interval)
    opened.page.close()


def test_a_trend_of_one_period_is_centred_in_its_frame(sample):
    opened, doc, _ = sample
    periods = [r["period"] for r in doc["trend"] if r["period"] != "unknown"]
    assert len(periods) == 1
    _check_trends(opened, periods, doc["summary"]["interval"])
    shape = opened.page.locator("#chart-trend").evaluate(_GEOMETRY)
    middle = (shape["frame"][0] + shape["frame"][2]) / 2
    assert all(abs(x - middle) < 1 for x, _ in shape["points"])


def test_the_compare_page_plots_the_ratios_and_sorts_its_table(tmp_path, browser):
    from interact_cli.generate_changes import write_changes

    events = tmp_path / "weeks.ndjson"
    planted = write_changes(40_000, 3, str(events), sets=20, plant=(3, 0.5))
    out = tmp_path / "compare.html"
    windows = ["--baseline", "2026-10-01..2026-10-08", "--current", "2026-10-08..2026-10-15"]
    done = cli("compare", str(events), *windows, "-f", "html", "-o", str(out))
    assert done.returncode == 0, done.stderr
    doc = json.loads(cli("compare", str(events), *windows, "-f", "json").stdout)
    opened = Opened(browser, out)
    try:
        assert opened.errors == [] and opened.requests == []
        for rate in ("ctr", "cart_per_click"):
            box = opened.page.locator(f"#chart-{rate} svg").first.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 100, rate
        # Flagged rows are drawn in the colour of their verdict, the others grey.
        down = opened.page.locator("#chart-ctr g.role-mark path[fill='#c0392b']").count()
        assert down == sum(r["ctr_change"] == "down" for r in doc["sets"][:40]) > 0
        ids = opened.cells("sets", "set_id")
        assert ids == [r["set_id"] for r in doc["sets"]]
        assert set(planted) & {r["set_id"] for r in doc["sets"] if r["ctr_change"] == "down"}
        changes = opened.cells("sets", "ctr_change")
        assert changes[0] == "▼ down"
        opened.page.locator("#table-sets th[data-column='click_baseline']").click()
        clicks = [int(c.replace(",", "")) for c in opened.cells("sets", "click_baseline")]
        assert clicks == sorted(clicks, reverse=True)
    finally:
        opened.page.close()
