"""Benchmark interact-cli against DuckDB (and, with --all-peers, Polars and a json loop).

    python benchmarks/run.py [--events 1000000] [--runs 5] [--memory-events 5000000]
                             [--small-files 10000] [--all-peers]

Generates the dumps once (deterministic seed; 1% broken lines, and a 30% one for the
invalid-heavy case) under benchmarks/data/, then times each tool as its own process,
alternating tools run by run, and reports the median wall time, peak RSS (largest
process), peak PSS summed over all processes, MB/s and the ratio to DuckDB measured in
the same run. Then: a 5M-event report (memory, and time against the 1M run; median of 3,
the dump read once before), `ingest` against `report` and `report --state` on both dumps,
many one-line files, and `--help`. Writes
benchmarks/results/latest.json. Not a test.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
PYTHON = sys.executable


def cli(*args: str) -> list[str]:
    return [PYTHON, "-m", "interact_cli", *args]


def tools(path: Path, clean: Path, invalid: Path, all_peers: bool) -> dict[str, list[str]]:
    peers = [PYTHON, str(HERE / "peers.py")]
    found = {
        "interact-cli report": cli("report", str(path), "--format", "json"),
        "interact-cli report --interval day": cli(
            "report", str(path), "--format", "json", "--interval", "day"
        ),
        # The default format, written to a file (a terminal's speed is not ours).
        "interact-cli report (table)": cli("report", str(path), "-o", os.devnull),
        "interact-cli report (table) --interval day": cli(
            "report", str(path), "--interval", "day", "-o", os.devnull
        ),
        "interact-cli validate": cli("validate", str(path), "--format", "json"),
        "interact-cli validate (clean dump)": cli("validate", str(clean), "--format", "json"),
        "interact-cli validate (30% invalid)": cli("validate", str(invalid), "--format", "json"),
        "duckdb (no validation)": [*peers, "duckdb", str(path)],
        # Equal work: the same tables as report (views, distinct users and sets), minus
        # orders and rates, and still no validation.
        "duckdb (report's tables)": [*peers, "duckdb-tables", str(path)],
    }
    if importlib.util.find_spec("chdb") is not None:
        found["chdb (report's tables)"] = [*peers, "chdb-tables", str(path)]
    if all_peers:
        # Polars' NDJSON reader stops at the first invalid UTF-8 line even with
        # ignore_errors, so it reads the same dump without broken lines.
        found["polars scan_ndjson (clean dump)"] = [*peers, "polars", str(clean)]
        found["python json loop"] = [*peers, "json", str(path)]
    return found


def dump(events: int, broken_ratio: float = 0.01) -> Path:
    suffix = {0.01: "", 0.0: "-clean"}.get(broken_ratio, f"-broken{round(broken_ratio * 100)}")
    path = DATA / f"events-{events // 1000}k{suffix}.ndjson"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"generating {path.name} ...", file=sys.stderr)
        options = ["--events", str(events), "--broken-ratio", str(broken_ratio), "--seed", "1"]
        subprocess.run(cli("generate", *options, "-o", str(path)), check=True)
    return path


def weeks(events: int) -> Path:
    """Two weeks of generated sessions (generate --plant: users who differ, 10 sets with
    a 30% drop in the second week), half the events in each week."""
    path = DATA / f"weeks-{events // 1000}k.ndjson"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"generating {path.name} ...", file=sys.stderr)
        options = ["--events", str(events), "--plant", "10:0.7", "--seed", "1"]
        subprocess.run(cli("generate", *options, "-o", str(path)), check=True)
    return path


def compare_runs(events: int, runs: int) -> dict:
    """`compare` of the two weeks of a dump against `report` over the same dump (the same
    events), alternating: wall time and peak memory of each."""
    path = weeks(events)
    windows = ["--baseline", "2026-10-01..2026-10-08", "--current", "2026-10-08..2026-10-15"]
    commands = {
        "interact-cli compare (sets)": cli("compare", str(path), *windows, "-f", "json"),
        "interact-cli compare --by set-product": cli(
            "compare", str(path), *windows, "--by", "set-product", "-f", "json"
        ),
        "interact-cli report": cli("report", str(path), "-f", "json"),
    }
    rows = bench(commands, path, runs, 0.05)
    walls = {row["tool"]: row["wall_s"] for row in rows}
    report = walls["interact-cli report"]
    return {
        "events": events,
        "bytes": path.stat().st_size,
        "rows": rows,
        "compare_over_report": round(walls["interact-cli compare (sets)"] / report, 2),
        "set_product_over_report": round(
            walls["interact-cli compare --by set-product"] / report, 2
        ),
    }


def export_runs(path: Path, runs: int) -> dict:
    """`export` to one Parquet file and to day partitions, against `report` on the same dump
    and DuckDB writing Parquet from the NDJSON (it validates nothing, reads two of the
    three context dialects and keeps no path or line: less work), alternating; then the
    sizes of what each wrote against the NDJSON."""
    out = DATA / "export-out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    days = out / "days"
    fresh = f"rm -rf '{days}' && exec {PYTHON} -m interact_cli export '{path}' "
    commands = {
        "interact-cli export": cli("export", str(path), "-o", str(out / "events.parquet")),
        # The folder must be new: the shell removes the last run's first (milliseconds).
        "interact-cli export --partition day": ["sh", "-c", fresh + f"--partition day -o '{days}'"],
        "interact-cli report": cli("report", str(path), "-f", "json"),
        "duckdb NDJSON -> Parquet (no validation)": [
            PYTHON,
            str(HERE / "peers.py"),
            "duckdb-export",
            str(path),
            str(out / "duck.parquet"),
        ],
    }
    rows = bench(commands, path, runs, 0.05)
    walls = {row["tool"]: row["wall_s"] for row in rows}
    sizes = {
        "ndjson": path.stat().st_size,
        "export": (out / "events.parquet").stat().st_size,
        "export_days": sum(f.stat().st_size for f in days.rglob("*.parquet")),
        "duckdb": (out / "duck.parquet").stat().st_size,
    }
    shutil.rmtree(out, ignore_errors=True)
    return {
        "events": path.name,
        "rows": rows,
        "bytes": sizes,
        # issue 25's target: export at >= 0.8x the speed of report (report / export)
        "export_speed_vs_report": round(
            walls["interact-cli report"] / walls["interact-cli export"], 2
        ),
    }


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
    """Wall seconds; peak RSS in MiB of the largest single process; peak of the summed PSS
    of all its processes, sampled every `every` s on another thread (Linux).

    The wall time comes from a blocking wait4, not from the sampling loop (which would
    round it up to the sampling period). A sample reads smaps_rollup (~1.3 ms a process).
    """
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sampled = os.path.exists(f"/proc/{process.pid}/smaps_rollup")
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(every):
            peak[0] = max(peak[0], sum(_pss_kib(pid) for pid in _tree(process.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    if sampled:
        sampler.start()
    # wait4, not wait(): it keeps the rusage (peak RSS) of the process.
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    if sampled:
        sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"failed: {' '.join(command)}")
    return wall, usage.ru_maxrss // 1024, peak[0] // 1024 if sampled else None


def bench(commands: dict[str, list[str]], path: Path, runs: int, every: float = 0.2) -> list[dict]:
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


def small_files(count: int, source: Path) -> tuple[float, float]:
    """Seconds to report on `count` one-line files, and on the same lines in one file."""
    folder = DATA / f"small-{count}"
    lines = source.read_bytes().splitlines(keepends=True)[:count]
    if not folder.exists():
        folder.mkdir(parents=True)
        for index, line in enumerate(lines):
            (folder / f"{index:06d}.ndjson").write_bytes(line)
    one = DATA / f"small-{count}.ndjson"
    one.write_bytes(b"".join(lines))
    many, _, _ = measure(cli("report", str(folder / "*.ndjson"), "--format", "json"), 0.2)
    single, _, _ = measure(cli("report", str(one), "--format", "json"), 0.2)
    return many, single


def state_runs(path: Path, runs: int) -> dict:
    """`ingest` (into a new state each run) against `report` on the same dump, alternating;
    then `report --state` from the state and the state's size against the dump's."""
    state = DATA / f"{path.stem}.state"
    walls: dict[str, list[float]] = {"ingest": [], "report": [], "report --state": []}
    for _ in range(runs):
        state.unlink(missing_ok=True)
        walls["ingest"].append(measure(cli("ingest", str(path), "-s", str(state)), 0.2)[0])
        walls["report"].append(measure(cli("report", str(path), "-f", "json"), 0.2)[0])
    command = cli("report", "--state", str(state), "-f", "json", "-o", os.devnull)
    for _ in range(runs):
        walls["report --state"].append(measure(command, 0.05)[0])
    median = {name: statistics.median(found) for name, found in walls.items()}
    found = {
        "events_bytes": path.stat().st_size,
        "state_bytes": state.stat().st_size,
        "state_share": round(state.stat().st_size / path.stat().st_size, 3),
        "wall_s": {name: round(wall, 3) for name, wall in median.items()},
        "runs": {name: [round(w, 3) for w in found] for name, found in walls.items()},
        "ingest_over_report": round(median["ingest"] / median["report"], 2),
    }
    state.unlink()
    return found


def startup(runs: int) -> float:
    """Median seconds of `interact-cli --help`."""
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cli("--help"), check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--memory-events", type=int, default=5_000_000, help="0 to skip the memory run"
    )
    parser.add_argument("--small-files", type=int, default=10_000, help="0 to skip")
    parser.add_argument(
        "--compare-events",
        type=int,
        nargs="*",
        default=[2_000_000, 5_000_000],
        help="dumps of two weeks to compare (none: skip)",
    )
    parser.add_argument("--all-peers", action="store_true", help="also Polars and a json loop")
    parser.add_argument("--no-export", action="store_true", help="skip the export runs")
    args = parser.parse_args()
    path, clean, invalid = dump(args.events), dump(args.events, 0.0), dump(args.events, 0.3)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB; {machine}", file=sys.stderr)
    rows = bench(tools(path, clean, invalid, args.all_peers), path, args.runs)
    report = table(
        f"{args.events:,} events, {path.stat().st_size / 1e6:.0f} MB ({machine}), median of {args.runs}",
        rows,
    )
    by_tool = {row["tool"]: row["wall_s"] for row in rows}
    ratios = {
        "validate_30pct_invalid_over_clean": round(
            by_tool["interact-cli validate (30% invalid)"]
            / by_tool["interact-cli validate (clean dump)"],
            2,
        ),
        # issue 12's target: at most 1.10
        "interval_day_over_plain_json": round(
            by_tool["interact-cli report --interval day"] / by_tool["interact-cli report"], 2
        ),
        "report_over_duckdb_same_tables": round(
            by_tool["interact-cli report"] / by_tool["duckdb (report's tables)"], 2
        ),
        "interval_day_over_plain_table": round(
            by_tool["interact-cli report (table) --interval day"]
            / by_tool["interact-cli report (table)"],
            2,
        ),
    }
    result = {"events": args.events, "bytes": path.stat().st_size, "machine": machine, "rows": rows}
    big_dump = None
    if args.memory_events:
        big = big_dump = dump(args.memory_events)
        # Read once first: the 1.6 GB dump is often out of the page cache by now, and a
        # cold read alone took 1.6 s here (one run measured 5.5 s against 2.6 s warm).
        with open(big, "rb") as stream:
            while stream.read(16 << 20):
                pass
        command = cli("report", str(big), "-f", "json")
        peers = [PYTHON, str(HERE / "peers.py")]
        memory = bench(
            {
                "interact-cli report": command,
                "duckdb (no validation)": [*peers, "duckdb", str(big)],
                "duckdb (report's tables)": [*peers, "duckdb-tables", str(big)],
            },
            big,
            3,
            0.05,
        )
        result["memory"] = {
            "events": args.memory_events,
            "bytes": big.stat().st_size,
            "rows": memory,
        }
        ratios["report_time_big_over_1m"] = round(
            memory[0]["wall_s"] / by_tool["interact-cli report"], 2
        )
        ratios["report_over_duckdb_5m"] = memory[0]["ratio_to_duckdb"]
        report += "\n\n" + table(
            f"memory: {args.memory_events:,} events, {big.stat().st_size / 1e6:.0f} MB", memory
        )
    for name, dumped, count in [("state", path, args.runs), ("state_big", big_dump, 3)]:
        if dumped is None:
            continue
        held = result[name] = state_runs(dumped, count)
        ratios[f"{name}_ingest_over_report"] = held["ingest_over_report"]
        report += (
            f"\n\n{dumped.name} (median of {count}): ingest {held['wall_s']['ingest']:.2f} s,"
            f" report {held['wall_s']['report']:.2f} s ({held['ingest_over_report']:.2f}×);"
            f" report --state {held['wall_s']['report --state']:.2f} s; the state"
            f" {held['state_bytes'] / 1e6:.1f} MB, {held['state_share']:.1%} of the dump"
        )
    for dumped, count in [(path, args.runs), (big_dump, 3)]:
        if args.no_export or dumped is None:
            continue
        held = result[f"export_{dumped.stem}"] = export_runs(dumped, count)
        ratios[f"export_speed_vs_report_{dumped.stem}"] = held["export_speed_vs_report"]
        sizes = held["bytes"]
        report += "\n\n" + table(
            f"export, {dumped.name} ({sizes['ndjson'] / 1e6:.0f} MB), median of {count}",
            held["rows"],
        )
        report += (
            f"\n\nexport speed / report speed: {held['export_speed_vs_report']:.2f}; written:"
            f" {sizes['export'] / 1e6:.1f} MB ({sizes['export'] / sizes['ndjson']:.1%} of the"
            f" NDJSON), by day {sizes['export_days'] / 1e6:.1f} MB, DuckDB's"
            f" {sizes['duckdb'] / 1e6:.1f} MB"
        )
    for count in args.compare_events:
        held = result[f"compare_{count}"] = compare_runs(count, 3)
        ratios[f"compare_{count // 1000}k_over_report"] = held["compare_over_report"]
        report += "\n\n" + table(
            f"compare, {count:,} events over two weeks ({held['bytes'] / 1e6:.0f} MB),"
            " against report over the same dump, median of 3",
            held["rows"],
        )
    if args.small_files:
        many, single = small_files(args.small_files, path)
        result["small_files"] = {"files": args.small_files, "wall_s": round(many, 2)}
        report += (
            f"\n\n{args.small_files:,} one-line files: report {many:.2f} s"
            f" (the same lines in one file: {single:.2f} s)"
        )
    result["help_s"] = round(startup(args.runs), 3)
    result["ratios"] = ratios
    report += f"\n\n`--help`: {result['help_s']:.2f} s (median of {args.runs})"
    report += "\n\nratios: " + ", ".join(f"{k} {v}" for k, v in ratios.items())
    print(report)
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    if shutil.which("git"):
        print(f"\nwritten to {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
