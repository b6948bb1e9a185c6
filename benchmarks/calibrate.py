"""Calibration of `compare` on generated exports (generate --plant): how often it flags
a change where there is none, and how often it finds a planted one; beside it, the same
test treating every event as independent (what ignoring users would give).

    python benchmarks/calibrate.py [--seeds 10] [--events 100000]
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import polars as pl

from interact_cli import compare
from interact_cli.comparestats import q_values
from interact_cli.generate_changes import write_changes

WEEKS = {"baseline": "2026-10-01..2026-10-08", "current": "2026-10-08..2026-10-15"}


def naive_flags(frame: pl.DataFrame, rate: str, top: str, bottom: str, fdr: float) -> pl.Series:
    """Flags of a test that takes events as independent: each rate a ratio of two
    Poisson counts (Var ln R = 1/top + 1/bottom, as report's intervals assume), the same
    log-ratio z-test, BH and 30-click threshold."""
    b, c = pl.col(f"{rate}_baseline"), pl.col(f"{rate}_current")
    counts = [f"{name}_{window}" for name in (top, bottom) for window in ("baseline", "current")]
    se = pl.sum_horizontal([1 / pl.col(name) for name in counts]).sqrt()
    z = frame.select(((c / b).log() / se).alias("z"))["z"]
    p = pl.Series(
        [None if v is None or not math.isfinite(v) else math.erfc(abs(v) / 2**0.5) for v in z],
        dtype=pl.Float64,
    )
    enough = (frame["click_baseline"] >= 30) & (frame["click_current"] >= 30)
    return (q_values(p) < fdr).fill_null(False) & enough


def run(events: int, seed: int, plant: tuple[int, float], folder: Path) -> dict:
    path = folder / f"{seed}.ndjson"
    planted = set(write_changes(events, seed, str(path), plant=plant))
    found = compare(path, **WEEKS)
    frame = found.table("sets")
    out = {}
    for rate, (top, bottom) in {
        "ctr": ("click", "views"),
        "cart_per_click": ("addToCart", "click"),
    }.items():
        flagged = frame.filter(pl.col(f"{rate}_change").is_in(["up", "down"]))["set_id"].to_list()
        naive = frame.filter(naive_flags(frame, rate, top, bottom, 0.05))["set_id"].to_list()
        out[rate] = {
            "flagged": len(flagged),
            "true": len(set(flagged) & planted),
            "false": len(set(flagged) - planted),
            "naive_false": len(set(naive) - planted),
            "naive_true": len(set(naive) & planted),
            "rows": frame.height,
        }
    path.unlink()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--planted-events", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, events, plant, base in [
            ("no change", args.events, (0, 1.0), 100),
            ("10 sets -30%", args.planted_events, (10, 0.7), 200),
        ]:
            totals: dict[str, dict[str, int]] = {}
            fewest: dict[str, int] = {}
            for seed in range(base, base + args.seeds):
                for rate, found in run(events, seed, plant, Path(folder)).items():
                    into = totals.setdefault(rate, dict.fromkeys(found, 0))
                    for key, value in found.items():
                        into[key] += value
                    fewest[rate] = min(fewest.get(rate, found["true"]), found["true"])
            for rate, t in totals.items():
                comparisons = t["rows"]
                print(
                    f"{name}, {rate}, {args.seeds} seeds x {events:,} events: flagged "
                    f"{t['flagged']} of {comparisons} comparisons ({t['flagged'] / comparisons:.2%}); "
                    f"planted found {t['true']} (fewest in a seed {fewest[rate]}), false {t['false']}; "
                    f"events as independent: planted {t['naive_true']}, false {t['naive_false']}"
                )


if __name__ == "__main__":
    main()
