"""Inputs built to hurt the kernel, and what they cost (issue 21's criteria). Not a test.

    python benchmarks/hostile.py [--ids 262144] [--days 50000,100000,200000]

- hash flooding: a dump whose user ids all share one hash under the former unkeyed hash
  (made by `cargo run --example collide`), against the same dump with random ids;
- per-line amplification: one 8 MiB line of empty order lines, and a .gz of ~65 KB that
  expands to one line of almost 64 MiB (the line limit), through `validate`;
- a repeated midnight: Havana's 2023-11-05 through `report --interval day`;
- many periods: `report --interval day` on 50,000 to 200,000 distinct days, and a partial
  of 200,000 periods through to_bytes/from_bytes.

Each command runs as its own process; wall time and peak RSS (wait4) are printed, and the
figures go to benchmarks/results/hostile.json. Dumps are made under benchmarks/data/.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
ROOT = HERE.parent


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "interact_cli", *args]


# A small process starts each command and reports its peak RSS: a child forked from this
# one would inherit this process's peak (Linux keeps ru_maxrss across exec), and the dumps
# made here are large.
_MEASURE = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({
    "exit": os.waitstatus_to_exitcode(status),
    "wall_s": round(time.perf_counter() - start, 3),
    "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    "stderr": child.stderr.read().decode().strip()[:300],
}))
"""


def peak_rss(command: list[str]) -> dict:
    """Exit code, wall seconds, peak RSS (MiB) and stderr of one process."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def interact(user: str, day: str = "2026-10-01", sku: str = "sku-1", set_id: str = "set-1") -> str:
    return json.dumps(
        {
            "type": "interact",
            "interact": {"type": "product", "action": "click", "product": {"sku": sku}},
            "context": [
                {"type": "setCompose", "setCompose": {"id": set_id}},
                {"type": "user", "user": {"id": user}},
            ],
            "timestamp": f"{day}T10:00:00Z",
        },
        separators=(",", ":"),
    )


def colliding_ids(count: int) -> list[str]:
    done = subprocess.run(
        ["cargo", "run", "-q", "--release", "--example", "collide", "--", str(count)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.split("\n")[:count]


def flooding(count: int) -> dict:
    """report on colliding user ids against random ones of the same length and shape."""
    rng = random.Random(1)
    alphabet = [chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"\\']
    dumps = {
        "colliding": colliding_ids(count),
        "random": ["".join(rng.choices(alphabet, k=16)) for _ in range(count)],
    }
    found = {}
    for name, ids in dumps.items():
        path = DATA / f"hostile-{name}-{count}.ndjson"
        path.write_text("".join(interact(user) + "\n" for user in ids))
        runs = [peak_rss(cli("report", str(path), "-f", "json")) for _ in range(3)]
        best = min(runs, key=lambda r: r["wall_s"])
        found[name] = {"bytes": path.stat().st_size, **best}
        print(f"  {name} ids: {best['wall_s']:.2f} s, {best['peak_rss_mib']} MiB", file=sys.stderr)
    found["ratio"] = round(found["colliding"]["wall_s"] / found["random"]["wall_s"], 2)
    return found


def empty_order_lines(size: int) -> bytes:
    head = b'{"type":"order","order":{"id":"o","lines":['
    tail = b']},"context":[{"type":"user","user":{"id":"u"}}]}'
    items = (size - len(head) - len(tail) + 1) // 3
    return head + b"{}," * (items - 1) + b"{}" + tail + b"\n"


def amplification() -> dict:
    found = {}
    plain = DATA / "hostile-8mib-line.ndjson"
    plain.write_bytes(empty_order_lines(8 * 1024 * 1024))
    packed = DATA / "hostile-64mib-line.ndjson.gz"
    packed.write_bytes(gzip.compress(empty_order_lines(64 * 1024 * 1024 - 16), 9))
    for name, path in (("8 MiB line", plain), ("64 MiB line in .gz", packed)):
        result = peak_rss(cli("validate", str(path), "-f", "json"))
        found[name] = {"file_bytes": path.stat().st_size, **result}
        print(f"  {name} ({path.stat().st_size:,} bytes): {result}", file=sys.stderr)
    return found


def havana() -> dict:
    path = DATA / "hostile-havana.ndjson"
    event = json.loads(interact("u"))
    event["timestamp"] = "2023-11-05T04:30:00Z"
    path.write_text(json.dumps(event) + "\n")
    command = cli("report", str(path), "--interval", "day", "--tz", "America/Havana", "-f", "json")
    done = subprocess.run(command, capture_output=True, check=False)
    periods = []
    if done.returncode == 0:
        periods = [row["period"] for row in json.loads(done.stdout)["trend"]]
    result = {"exit": done.returncode, "periods": periods, "stderr": done.stderr.decode()[:300]}
    print(f"  Havana: {result}", file=sys.stderr)
    return result


def many_days(counts: list[int]) -> dict:
    found = {}
    first = date(1900, 1, 1)
    for count in counts:
        path = DATA / f"hostile-days-{count}.ndjson"
        lines = (
            interact(f"u{d % 1000}", (first + timedelta(days=d)).isoformat()) for d in range(count)
        )
        path.write_text("".join(line + "\n" for line in lines))
        command = cli("report", str(path), "--interval", "day", "-f", "json")
        runs = [peak_rss(command) for _ in range(3)]
        found[str(count)] = min(runs, key=lambda r: r["wall_s"])
        print(f"  {count:,} days: {found[str(count)]}", file=sys.stderr)
    low, high = str(min(counts)), str(max(counts))
    found["ratio"] = round(found[high]["wall_s"] / found[low]["wall_s"], 2)
    return found


def wire(count: int) -> dict:
    """to_bytes/from_bytes of a partial of `count` periods, in this process."""
    sys.path.insert(0, str(ROOT))
    from interact_cli import _core
    from interact_cli.periods import Calendar

    scan = _core.Scan(keep=0, report=True, calendar=Calendar("day", "UTC"))
    scan.begin_file("days")
    scan.feed((DATA / f"hostile-days-{count}.ndjson").read_bytes())
    scan.end_file()
    partial = scan.partial()
    start = time.perf_counter()
    data = partial.to_bytes()
    back = _core.Partial.from_bytes(data)
    seconds = time.perf_counter() - start
    assert len(back.table("periods")["start"]) == count
    print(f"  {count:,} periods through bytes: {seconds:.3f} s", file=sys.stderr)
    return {"periods": count, "bytes": len(data), "seconds": round(seconds, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ids", type=int, default=262_144)
    parser.add_argument("--days", default="50000,100000,200000")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    days = [int(n) for n in args.days.split(",")]
    results = {}
    print("hash flooding:", file=sys.stderr)
    results["flooding"] = flooding(args.ids)
    print("per-line amplification:", file=sys.stderr)
    results["amplification"] = amplification()
    print("a repeated midnight:", file=sys.stderr)
    results["havana"] = havana()
    print("many periods:", file=sys.stderr)
    results["days"] = many_days(days)
    results["wire"] = wire(max(days))
    out = HERE / "results" / "hostile.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
