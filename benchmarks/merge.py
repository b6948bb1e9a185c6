"""What bounds a cluster run: the client's merge of the units' partials, measured per unit.

    python benchmarks/merge.py [--events 5000000] [--range-mib 16]

Cuts a generated dump into units as `--cluster` does, runs each unit with the tasks' own
code (`units.run_unit`, one kernel thread), then times, on this process alone:

- the scan: a task's seconds per unit (the worker's rate);
- the client's merge one unit after another, as it was done before: unpack (zstd, bytes
  -> partial) and merge each unit's partial into the growing one, in input order; and
  the unpacking and the merging apart;
- the client's merge as `cluster._InOrder` does it now: partials unpacked on two threads
  a few units ahead while a third merges, all units handed over at once (a backlog: the
  client's own rate);
- a tree of pairwise merges, as tasks on the workers would run it: each level unpacks
  two partials, merges and packs the result again; per level, the slowest pair.

From those it estimates the wall time for 1 TB of NDJSON at 4, 16 and 64 workers, both
ways, and the merge's share of the scan time. Not a test; prints a Markdown table and
writes benchmarks/results/merge.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import dump  # noqa: E402  (the benchmark dumps, generated once)

TB = 1e12


def units_of(path: Path, range_mib: int) -> tuple[list, list[bytes], list[float]]:
    """The dump's units, each one's packed partial and its task's seconds."""
    from interact_cli import __version__
    from interact_cli.inputs import resolve_inputs
    from interact_cli.units import Job, plan, run_unit

    units = plan(resolve_inputs([str(path)]), range_mib << 20)
    job = Job(report=True, time_fields=("timestamp", "receivedAt", "time"))
    packed, seconds = [], []
    for unit in units:
        started = time.perf_counter()
        packed.append(run_unit(unit, job, __version__)["partial"])
        seconds.append(time.perf_counter() - started)
    return units, packed, seconds


def client_merge(packed: list[bytes]) -> list[float]:
    """Seconds to unpack and merge each unit's partial into the growing one, in order."""
    from interact_cli.units import unpack

    merged, costs = None, []
    for data in packed:
        started = time.perf_counter()
        part = unpack(data)
        if merged is None:
            merged = part
        else:
            merged.merge(part)
        costs.append(time.perf_counter() - started)
    return costs


def client_split(packed: list[bytes]) -> tuple[list[float], list[float]]:
    """Seconds to unpack each unit's partial, and to merge each into the growing one."""
    from interact_cli.units import unpack

    unpacks, merges, merged = [], [], None
    for data in packed:
        started = time.perf_counter()
        part = unpack(data)
        unpacks.append(time.perf_counter() - started)
        started = time.perf_counter()
        if merged is None:
            merged = part
        else:
            merged.merge(part)
            merges.append(time.perf_counter() - started)
    return unpacks, merges


def pipelined(packed: list[bytes]) -> float:
    """Seconds the client takes for all the units' partials handed over at once, as
    `cluster._InOrder` merges them (unpacking on threads, merging on another)."""
    from interact_cli.cluster import _InOrder

    started = time.perf_counter()
    merging = _InOrder()
    for index, data in enumerate(packed):
        merging.add(index, data)
    merging.finish(len(packed))
    return time.perf_counter() - started


def tree_levels(packed: list[bytes]) -> list[dict[str, float]]:
    """A tree of pairwise merges: per level, the pairs' count, slowest and total seconds,
    and the packed size of its largest result."""
    from interact_cli.units import _pack, unpack

    levels = []
    while len(packed) > 1:
        nxt, costs = [], []
        for i in range(0, len(packed) - 1, 2):
            started = time.perf_counter()
            left = unpack(packed[i])
            left.merge(unpack(packed[i + 1]))
            nxt.append(_pack(left))
            costs.append(time.perf_counter() - started)
        if len(packed) % 2:
            nxt.append(packed[-1])
        levels.append(
            {
                "pairs": len(costs),
                "slowest_s": round(max(costs), 4),
                "total_s": round(sum(costs), 4),
                "largest_mb": round(max(len(p) for p in nxt) / 1e6, 2),
            }
        )
        packed = nxt
    return levels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--range-mib", type=int, default=16)
    args = parser.parse_args()
    path = dump(args.events)
    units, packed, scans = units_of(path, args.range_mib)
    unit_bytes = statistics.mean(u.weight for u in units)
    worker_rate = sum(u.weight for u in units) / sum(scans)  # bytes/s of one worker
    merges = client_merge(packed)
    per_unit = statistics.median(merges[1:])  # the first is only an unpack
    unpacks, only_merges = client_split(packed)
    now = statistics.median(pipelined(packed) for _ in range(3)) / len(packed)
    levels = tree_levels(list(packed))
    result = {
        "dump": path.name,
        "units": len(units),
        "unit_mib": round(unit_bytes / 2**20, 1),
        "worker_mb_s": round(worker_rate / 1e6, 1),
        "partial_mb_median": round(statistics.median(len(p) for p in packed) / 1e6, 2),
        "client_merge_ms_median": round(per_unit * 1000, 1),
        "client_merge_ms_last": round(merges[-1] * 1000, 1),
        "client_merge_mb_s": round(unit_bytes / per_unit / 1e6, 1),
        "client_unpack_ms_median": round(statistics.median(unpacks) * 1000, 1),
        "client_merge_only_ms_median": round(statistics.median(only_merges) * 1000, 1),
        "client_pipelined_ms_per_unit": round(now * 1000, 1),
        "tree": levels,
        "estimate_1tb": {},
    }
    # 1 TB in units of this size; the client merges one after another while workers
    # scan, so a run takes at least the scan and at least the client's merge.
    count = TB / unit_bytes
    clients = {
        "before": count * per_unit,  # one unit after another, unpack and merge
        "now": count * now,  # pipelined, measured on this 2-core machine
        "merge_only": count * statistics.median(only_merges),  # a client with spare cores
    }
    for workers in (4, 16, 64):
        scan = TB / (workers * worker_rate)
        result["estimate_1tb"][workers] = {"scan_s": round(scan)} | {
            f"{way}_merge_share_of_scan": round(client / scan, 2) for way, client in clients.items()
        }
        result["estimate_1tb"][workers]["wall_s_now"] = round(max(scan, clients["now"]))
    print(
        f"{path.name}: {len(units)} units of {unit_bytes / 2**20:.0f} MiB; a worker scans"
        f" {worker_rate / 1e6:.0f} MB/s; a unit's partial {result['partial_mb_median']} MB"
        f" packed; the client merges one in {per_unit * 1000:.1f} ms (median; the last"
        f" {merges[-1] * 1000:.1f} ms), {unit_bytes / per_unit / 1e6:.0f} MB/s of input\n"
    )
    print("| level | pairs | slowest pair | all pairs | largest result |")
    print("|---:|---:|---:|---:|---:|")
    for number, level in enumerate(levels, 1):
        print(
            f"| {number} | {level['pairs']} | {level['slowest_s'] * 1000:.0f} ms"
            f" | {level['total_s']:.2f} s | {level['largest_mb']} MB |"
        )
    print(
        f"\nper unit: unpack {result['client_unpack_ms_median']} ms, merge"
        f" {result['client_merge_only_ms_median']} ms; pipelined as the client does it now:"
        f" {now * 1000:.1f} ms a unit\n"
    )
    print("| 1 TB | scan | merge ÷ scan before | now | merge only (spare cores) |")
    print("|---:|---:|---:|---:|---:|")
    for workers, row in result["estimate_1tb"].items():
        print(
            f"| {workers} workers | {row['scan_s'] / 60:.0f} min"
            f" | {row['before_merge_share_of_scan']:.2f}× | {row['now_merge_share_of_scan']:.2f}×"
            f" | {row['merge_only_merge_share_of_scan']:.2f}× |"
        )
    out = HERE / "results" / "merge.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
