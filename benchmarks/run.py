"""Benchmark interact-cli against DuckDB, Polars and a plain json loop, in one run.

    python benchmarks/run.py [--events 1000000] [--runs 5] [--memory-events 5000000]

Generates the dumps once (deterministic seed, 1% broken lines) under benchmarks/data/,
then times each tool as its own process, alternating tools run by run, and reports the
median wall time, peak RSS (of the largest single process: the tool or one of its
workers), peak PSS summed over all its processes, MB/s and the ratio to DuckDB. Writes the table to benchmarks/results/latest.json. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
PYTHON = sys.executable


def cli(*args: str) -> list[str]:
    return [PYTHON, "-m", "interact_cli", *args]


def tools(path: Path, clean: Path) -> dict[str, list[str]]:
    peers = [PYTHON, str(HERE / "peers.py")]
    return {
        "interact-cli report": cli("report", str(path), "--format", "json"),
        "interact-cli validate": cli("validate", str(path), "--format", "json"),
        "duckdb (no validation)": [*peers, "duckdb", str(path)],
        # Polars' NDJSON reader stops at the first invalid UTF-8 line even with
        # ignore_errors, so it reads the same dump without broken lines.
        "polars scan_ndjson (clean dump)": [*peers, "polars", str(clean)],
        "python json loop": [*peers, "json", str(path)],
    }


def dump(events: int, broken_ratio: float = 0.01) -> Path:
    suffix = "" if broken_ratio else "-clean"
    path = DATA / f"events-{events // 1000}k{suffix}.ndjson"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"generating {path.name} ...", file=sys.stderr)
        options = ["--events", str(events), "--broken-ratio", str(broken_ratio), "--seed", "1"]
        subprocess.run(cli("generate", *options, "-o", str(path)), check=True)
    return path


def _tree(pid: int) -> list[int]:
    """The process and its descendants (Linux /proc)."""
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                for child in children.read().split():
                    pids += _tree(int(child))
    except OSError:
        pass
    return pids


def _pss_kib(pid: int) -> int:
    """Proportional set size: shared pages (Polars' code, forked memory) split between users."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
    except OSError:
        return 0


def measure(command: list[str], every: float) -> tuple[float, int, int | None]:
    """Wall seconds; peak RSS in MiB of the largest single process (the tool or one of its
    workers); peak of the summed PSS of all its processes, sampled every `every` s (Linux).

    A sample reads smaps_rollup (~1.3 ms a process): timed runs sample every 0.2 s, so
    that the sampling takes ~2% of one core; the memory run every 0.05 s.
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sampled = os.path.exists(f"/proc/{process.pid}/smaps_rollup")
    total = 0
    while True:
        # wait4, not poll(): poll() would reap the process and lose its rusage.
        done, status, usage = os.wait4(process.pid, os.WNOHANG if sampled else 0)
        if done:
            break
        total = max(total, sum(_pss_kib(pid) for pid in _tree(process.pid)))
        time.sleep(every)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"failed: {' '.join(command)}")
    return wall, usage.ru_maxrss // 1024, total // 1024 if sampled else None


def bench(
    path: Path, clean: Path, runs: int, only: set[str] | None = None, every: float = 0.2
) -> list[dict]:
    commands = {k: v for k, v in tools(path, clean).items() if only is None or k in only}
    walls: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[int]] = {name: [] for name in commands}
    totals: dict[str, list[int | None]] = {name: [] for name in commands}
    for run in range(runs):
        for name, command in commands.items():  # alternate: every tool once per round
            wall, peak, total = measure(command, every)
            walls[name].append(wall)
            peaks[name].append(peak)
            totals[name].append(total)
            print(
                f"  round {run + 1}: {name}: {wall:.2f} s, {peak} MiB, all {total} MiB PSS",
                file=sys.stderr,
            )
    size_mb = path.stat().st_size / 1e6
    duck = (
        statistics.median(walls["duckdb (no validation)"])
        if "duckdb (no validation)" in walls
        else None
    )
    rows = []
    for name in commands:
        median = statistics.median(walls[name])
        rows.append(
            {
                "tool": name,
                "wall_s": round(median, 3),
                "runs": [round(w, 3) for w in walls[name]],
                "peak_rss_mib": max(peaks[name]),
                "peak_pss_all_mib": None if None in totals[name] else max(totals[name]),
                "mb_per_s": round(size_mb / median, 1),
                "ratio_to_duckdb": None if duck is None else round(median / duck, 2),
            }
        )
    return rows


def table(title: str, rows: list[dict]) -> str:
    lines = [
        title,
        "",
        "| tool | wall (median) | runs | peak RSS, largest process | peak PSS, all processes"
        " | MB/s | × DuckDB |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = "—" if r["ratio_to_duckdb"] is None else f"{r['ratio_to_duckdb']:.2f}×"
        pss = "—" if r["peak_pss_all_mib"] is None else f"{r['peak_pss_all_mib']} MiB"
        runs = ", ".join(f"{w:.2f}" for w in r["runs"])
        lines.append(
            f"| {r['tool']} | {r['wall_s']:.2f} s | {runs} | {r['peak_rss_mib']} MiB | {pss}"
            f" | {r['mb_per_s']} | {ratio} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--memory-events", type=int, default=5_000_000, help="0 to skip the memory run"
    )
    args = parser.parse_args()
    path, clean = dump(args.events), dump(args.events, 0.0)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB; {machine}", file=sys.stderr)
    rows = bench(path, clean, args.runs)
    report = table(
        f"{args.events:,} events, {path.stat().st_size / 1e6:.0f} MB ({machine}), median of {args.runs}",
        rows,
    )
    result = {"events": args.events, "bytes": path.stat().st_size, "machine": machine, "rows": rows}
    if args.memory_events:
        big = dump(args.memory_events)
        memory = bench(big, big, 1, {"interact-cli report"}, every=0.05)
        result["memory"] = {
            "events": args.memory_events,
            "bytes": big.stat().st_size,
            "rows": memory,
        }
        report += "\n\n" + table(
            f"memory: {args.memory_events:,} events, {big.stat().st_size / 1e6:.0f} MB", memory
        )
    print(report)
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    if shutil.which("git"):
        print(f"\nwritten to {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
