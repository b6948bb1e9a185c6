"""Benchmark --cluster: local run against Dask with 1 and 2 workers, from a file and from S3.

    python benchmarks/cluster.py [--events 5000000] [--runs 3]

Needs the cluster and test extras (Dask, s3fs, moto). S3 is moto's server on 127.0.0.1,
so its own speed (a Python web server) is part of the S3 figures. Prints a Markdown table
and the size of a task's result against its input; writes benchmarks/results/cluster.json.
Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import dump  # noqa: E402  (the benchmark dumps, generated once)

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _split(path: Path, count: int) -> list[bytes]:
    """The file in `count` parts cut at line ends."""
    data = path.read_bytes()
    parts, start = [], 0
    for number in range(1, count + 1):
        end = len(data) if number == count else data.index(b"\n", len(data) * number // count) + 1
        parts.append(data[start:end])
        start = end
    return parts


def timed(command: list[str], runs: int) -> list[float]:
    walls = []
    env = {**os.environ, **CREDENTIALS}
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        walls.append(time.perf_counter() - started)
    return walls


def result_size(path: Path) -> dict[str, float]:
    """One 64 MiB unit run as a task: the bytes it returns against the bytes it read."""
    import pickle

    from interact_cli import __version__, cluster
    from interact_cli.inputs import resolve_inputs

    unit = cluster.plan(resolve_inputs([str(path)]))[0]
    job = cluster.Job(report=True, time_fields=("timestamp", "receivedAt", "time"))
    started = time.perf_counter()
    result = cluster.run_unit(unit, job, __version__)
    seconds = time.perf_counter() - started
    size = len(pickle.dumps(result))
    return {
        "unit_bytes": unit.weight,
        "result_bytes": size,
        "ratio": round(size / unit.weight, 4),
        "task_s": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    path = dump(args.events)
    size = path.stat().st_size

    from moto.server import ThreadedMotoServer

    for key, value in {**CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ.setdefault(key, value)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="exports")
    # As exports come: many objects (moto copies an object whole for each ranged read,
    # so one 1.6 GB object would measure moto, at ~4 MB/s).
    parts = _split(path, 25)
    for number, part in enumerate(parts):
        s3.put_object(Bucket="exports", Key=f"{path.stem}/part-{number:03d}.ndjson", Body=part)
    store = ["--storage-option", f"endpoint_url={endpoint}"]
    store += ["--storage-option", "key=testing", "--storage-option", "secret=testing"]
    url = f"s3://exports/{path.stem}/*"
    base = [sys.executable, "-m", "interact_cli", "report", "-f", "json", "-o", os.devnull]
    cases = {
        "file, local run": [*base, str(path)],
        "file, --cluster local:1": [*base, str(path), "--cluster", "local:1"],
        "file, --cluster local:2": [*base, str(path), "--cluster", "local:2"],
        "S3, local run": [*base, url, *store],
        "S3, --cluster local:1": [*base, url, *store, "--cluster", "local:1"],
        "S3, --cluster local:2": [*base, url, *store, "--cluster", "local:2"],
    }
    rows = []
    for name, command in cases.items():
        walls = timed(command, args.runs)
        median = statistics.median(walls)
        rows.append(
            {"case": name, "wall_s": round(median, 2), "runs": [round(w, 2) for w in walls]}
        )
        print(f"  {name}: {', '.join(f'{w:.2f}' for w in walls)} s", file=sys.stderr)
    server.stop()
    by = {r["case"]: r["wall_s"] for r in rows}
    local, two = by["file, local run"], by["file, --cluster local:2"]
    lines = [
        f"{args.events:,} events, {size / 1e6:.0f} MB, {os.cpu_count()} cores, median of {args.runs}",
        "",
        "| case | wall | runs | MB/s |",
        "|---|---:|---|---:|",
    ]
    for r in rows:
        runs = ", ".join(f"{w:.2f}" for w in r["runs"])
        lines.append(
            f"| {r['case']} | {r['wall_s']:.2f} s | {runs} | {size / 1e6 / r['wall_s']:.0f} |"
        )
    target = 1.3 * local + 2
    lines.append("")
    lines.append(
        f"target (issue 15): --cluster local:2 on the file within 1.3 x local + 2 s = "
        f"{target:.2f} s: {two:.2f} s, {'met' if two <= target else 'NOT met'}"
    )
    unit = result_size(path)
    lines.append(
        f"a task's result: {unit['result_bytes'] / 1e6:.2f} MB for {unit['unit_bytes'] / 1e6:.1f} MB"
        f" read ({unit['ratio']:.1%}); one task alone: {unit['task_s']:.2f} s"
        f" ({unit['unit_bytes'] / 1e6 / unit['task_s']:.0f} MB/s per worker thread)"
    )
    print("\n".join(lines))
    out = HERE / "results" / "cluster.json"
    out.write_text(
        json.dumps({"events": args.events, "bytes": size, "rows": rows, "unit": unit}, indent=2)
        + "\n"
    )


if __name__ == "__main__":
    main()
