"""Benchmark the HTML report: its cost over JSON on the 1M-event dump, and the size and
render time in Chromium of a page with 50,000 products.

    python benchmarks/html_report.py [--runs 5]

Needs the test extra (Playwright) and Debian's chromium. Not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import dump  # noqa: E402  (the benchmark dumps, generated once)


def cli(*args: str) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "interact_cli", *args]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def render_seconds(page: Path, runs: int) -> list[float]:
    """From navigation to every chart and table drawn (the page marks itself ready)."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"))
        for _ in range(runs):
            tab = browser.new_page(viewport={"width": 1280, "height": 900})
            started = time.perf_counter()
            tab.goto(page.as_uri())
            tab.wait_for_function("document.body.dataset.ready === 'true'", timeout=60_000)
            times.append(time.perf_counter() - started)
            tab.close()
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    path = dump(1_000_000)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        cli("report", str(path), "-f", "html", "-o", str(out / "warm.html"))  # cache the bundle
        walls: dict[str, list[float]] = {"json": [], "html": []}
        for _ in range(args.runs):  # alternating, as in run.py
            walls["json"].append(cli("report", str(path), "-f", "json", "-o", os.devnull))
            walls["html"].append(cli("report", str(path), "-f", "html", "-o", str(out / "r.html")))
        json_s, html_s = (statistics.median(walls[k]) for k in ("json", "html"))
        wide = out / "wide.ndjson"
        cli("generate", "--events", "160000", "--products", "50000", "-o", str(wide))
        page = out / "wide.html"
        cli("report", str(wide), "-f", "html", "-o", str(page))
        renders = render_seconds(page, args.runs)
        print(f"1M events ({path.stat().st_size / 1e6:.0f} MB), median of {args.runs}:")
        print(f"  report -f json: {json_s:.2f} s ({', '.join(f'{w:.2f}' for w in walls['json'])})")
        print(f"  report -f html: {html_s:.2f} s ({', '.join(f'{w:.2f}' for w in walls['html'])})")
        print(f"  html costs {html_s - json_s:+.2f} s over json (target: at most +1.5 s)")
        print(f"  page: {(out / 'r.html').stat().st_size / 1e6:.1f} MB")
        print(f"50,000 products: page {page.stat().st_size / 1e6:.1f} MB (target: under 15 MB)")
        print(
            f"  ready in Chromium: median {statistics.median(renders):.2f} s"
            f" ({', '.join(f'{r:.2f}' for r in renders)}; target: under 3 s)"
        )


if __name__ == "__main__":
    main()
