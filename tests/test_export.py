"""export: valid events as Parquet, read back with DuckDB and Polars and traced to their
lines; partitions, decimals, threads and chunking, and the command's edges."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb  # test-only reader (the test extra)
import polars as pl
import pytest

from interact_cli import export
from interact_cli._core import check_line
from interact_cli.errors import InputError, OptionError
from interact_cli.exporting import ExportOptions, export_events, plan_export
from interact_cli.generate import generate_lines
from interact_cli.inputs import resolve_inputs

from . import oracle
from . import oracle_contract as contract

CLI = [sys.executable, "-m", "interact_cli"]
# Amounts as written, and the decimal each must come back as.
AMOUNTS = {"19.99": "19.99", "0.1": "0.1", "1234567.891": "1234567.891", "7": "7", "1e-9": "1E-9"}


def _order_with(amounts: list[str]) -> bytes:
    """A valid order event whose lines have these amounts, written as given."""
    lines = [
        {"sku": f"sku-{i}", "quantity": 2, "grossPrice": {"amount": 7777.25, "currency": "EUR"}}
        for i in range(len(amounts))
    ]
    event = {
        "type": "order",
        "timestamp": "2026-10-03T22:30:00+00:00",
        "context": [{"type": "user", "user": {"id": "u-order"}}],
        "order": {"id": "o-1", "lines": lines},
    }
    text = json.dumps(event)
    for amount in amounts:
        text = text.replace("7777.25", amount, 1)
    return text.encode()


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> Path:
    """3,000 generated events (5% broken) with a BOM, a blank line, CRLF endings and an
    order of exact amounts among them."""
    lines = list(generate_lines(3000, seed=5, broken_ratio=0.05))
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    lines[10] = lines[10] + b"\r"
    lines.insert(20, b"   ")
    lines.insert(30, _order_with(list(AMOUNTS)))
    path = tmp_path_factory.mktemp("export") / "events.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _export(inputs: list[str], out: Path, **options: object) -> dict:
    sources = resolve_inputs(inputs, None, [])
    settings = ExportOptions(**options)  # type: ignore[arg-type]
    target = plan_export(str(out), settings.partition, sources)
    return export_events(sources, target, settings)


@pytest.fixture(scope="module")
def exported(dump, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("export") / "events.parquet"
    return out, _export([str(dump)], out)


def _lines(path: Path) -> list[bytes]:
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    return [line.removesuffix(b"\r") for line in data.split(b"\n")[:-1]]


def test_every_valid_line_is_one_row_and_nothing_else(dump, exported):
    out, found = exported
    rows = pl.read_parquet(out)
    valid = [n for n, line in enumerate(_lines(dump), 1) if line.strip() and check_line(line)[0]]
    assert rows["line"].to_list() == valid  # in input order
    assert found["summary"]["rows"] == found["summary"]["valid"] == len(valid)
    assert found["summary"]["invalid"] > 100 and found["summary"]["blank"] == 1
    assert set(rows["path"]) == {str(dump)}


def test_every_row_gives_the_fields_of_its_line(dump, exported):
    out, _ = exported
    lines = _lines(dump)
    for row in pl.read_parquet(out).iter_rows(named=True):
        event = contract.parse(lines[row["line"] - 1])
        facts = oracle.facts_of(event, ("timestamp", "receivedAt", "time"))
        assert row["event_type"] == facts.kind
        assert (row["set_id"], row["user_id"]) == (facts.set_id, facts.user)
        assert (row["sku"], row["action"]) == (facts.sku, facts.action)
        moment = oracle.parse_time(facts.time)
        time = row["time"]
        assert (None if time is None else round(time.timestamp() * 1e6)) == moment
        order_id = event["order"]["id"] if facts.kind == "order" else None
        assert row["order_id"] == order_id
        written = [(i.sku, i.quantity, i.currency) for i in facts.lines]
        assert [(i["sku"], i["quantity"], i["currency"]) for i in row["order_lines"]] == written
        written_lines = event["order"]["lines"] if facts.kind == "order" else []
        for item, line in zip(row["order_lines"], written_lines, strict=True):
            assert item["amount"] == Decimal(line["grossPrice"]["amount"].text)


def test_counts_per_set_and_action_equal_the_report(dump, exported):
    out, _ = exported
    document = json.loads(
        subprocess.run(
            [*CLI, "report", str(dump), "-f", "json", "--by", "set-product"],
            capture_output=True,
            check=True,
        ).stdout
    )
    counted = duckdb.sql(
        f"""SELECT set_id, sku,
                   count(*) FILTER (action = 'click') AS click,
                   count(*) FILTER (action = 'addToCart') AS cart,
                   count(*) FILTER (action IS NULL OR action NOT IN ('click', 'addToCart'))
            FROM '{out}' WHERE event_type = 'interact' AND set_id IS NOT NULL
            GROUP BY ALL"""
    ).fetchall()
    report = {
        (r["set_id"], r["sku"]): (r["click"], r["addToCart"], r["other"])
        for r in document["set_products"]
    }
    assert {(s, k): (a, b, c) for s, k, a, b, c in counted} == report
    views = duckdb.sql(
        f"SELECT set_id, count(*) FROM '{out}' WHERE event_type = 'view' GROUP BY ALL"
    ).fetchall()
    assert {s: n for s, n in views if s is not None} == {
        r["set_id"]: r["views"] for r in document["sets"] if r["views"]
    }


def test_a_decimal_amount_survives_exactly(exported):
    out, found = exported
    amounts = duckdb.sql(
        f"SELECT i.amount FROM (SELECT unnest(order_lines) i FROM '{out}' "
        "WHERE order_id = 'o-1') ORDER BY i.sku"
    ).fetchall()
    assert [a for (a,) in amounts] == [Decimal(v) for v in AMOUNTS.values()]
    polars_amounts = (
        pl.read_parquet(out)
        .filter(pl.col("order_id") == "o-1")
        .select(pl.col("order_lines").explode())
        .unnest("order_lines")["amount"]
        .to_list()
    )
    assert polars_amounts == [Decimal(v) for v in AMOUNTS.values()]
    assert found["summary"]["amounts_rounded"] == 0


def test_more_decimals_than_nine_are_rounded_and_counted(tmp_path):
    source = tmp_path / "o.ndjson"
    # A valid amount beyond 38 digits needs a tiny quantity (the product is bounded).
    line = _order_with(["0.1234567895", "1e40", "2.5"]).replace(
        b'"quantity": 2, "grossPrice": {"amount": 1e40',
        b'"quantity": 1e-30, "grossPrice": {"amount": 1e40',
    )
    source.write_bytes(line + b"\n")
    found = _export([str(source)], tmp_path / "o.parquet")
    items = pl.read_parquet(tmp_path / "o.parquet")["order_lines"][0]
    assert [i["amount"] for i in items] == [Decimal("0.123456790"), None, Decimal("2.5")]
    assert found["summary"]["amounts_rounded"] == 2


@pytest.mark.parametrize("tz", ["UTC", "America/Havana"])
def test_partition_day_reads_back_to_the_same_rows(dump, exported, tmp_path, tz):
    out, _ = exported
    folder = tmp_path / "days"
    found = _export([str(dump)], folder, partition="day", tz=tz)
    whole = pl.read_parquet(out)
    days = Counter(
        whole["time"].dt.convert_time_zone(tz).dt.date().cast(pl.String).fill_null("").to_list()
    )
    by_duckdb = duckdb.sql(
        f"SELECT date, count(*) FROM read_parquet('{folder}/**/*.parquet', "
        "hive_partitioning = true) GROUP BY ALL"
    ).fetchall()
    assert {"" if d is None else str(d): n for d, n in by_duckdb} == days
    parts = pl.read_parquet(folder, hive_partitioning=True)
    assert parts.height == whole.height == found["summary"]["rows"]
    assert sorted(parts["line"].to_list()) == whole["line"].to_list()
    assert found["summary"]["parquet_files"] == len(days)


def test_threads_and_chunks_do_not_change_the_rows(dump, exported, tmp_path):
    out, _ = exported
    sources = resolve_inputs([str(dump)], None, [])
    again = tmp_path / "again.parquet"
    target = plan_export(str(again), None, sources)
    export_events(sources, target, ExportOptions(), workers=2, chunk_bytes=777)
    assert pl.read_parquet(again).equals(pl.read_parquet(out))
    # Chunks of 300 KB are cut into a piece per thread (pieces are at least 64 KiB): the
    # threads' rows are joined in input order.
    assert dump.stat().st_size > 600_000
    export_events(sources, target, ExportOptions(), workers=2, chunk_bytes=300_000)
    assert pl.read_parquet(again).equals(pl.read_parquet(out))


def test_many_inputs_compressed_and_stdin_keep_their_names_and_lines(dump, tmp_path):
    packed = tmp_path / "events.ndjson.gz"
    packed.write_bytes(gzip.compress(dump.read_bytes()))
    out = tmp_path / "all.parquet"
    done = subprocess.run(
        [*CLI, "export", str(dump), str(packed), "-", "-o", str(out)],
        input=dump.read_bytes(),
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    rows = pl.read_parquet(out)
    per_file = rows.group_by("path", maintain_order=True).agg(pl.col("line"))
    assert per_file["path"].to_list() == [str(dump), str(packed), "<stdin>"]
    assert len({tuple(lines) for lines in per_file["line"].to_list()}) == 1


def test_the_command_says_what_it_wrote_and_exits_1_only_when_asked(dump, tmp_path):
    out = tmp_path / "e.parquet"
    done = subprocess.run([*CLI, "export", str(dump), "-o", str(out)], capture_output=True)
    assert done.returncode == 0 and done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert lines[0].startswith("interact-cli: wrote ") and "order lines" in lines[0]
    assert "skipped" in lines[1] and "invalid lines" in lines[1]
    strict = [*CLI, "export", str(dump), "-o", str(out), "--fail-on-invalid", "--json"]
    done = subprocess.run(strict, capture_output=True)
    assert done.returncode == 1
    document = json.loads(done.stdout)
    assert document["summary"]["rows"] == pl.read_parquet(out).height
    assert document == export(str(dump), out)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ([], "give -o FILE.parquet"),
        (["-o", "-"], "give -o FILE.parquet"),
        (["-o", ""], "give -o FILE.parquet"),
        (["-o", "s3://bucket/x.parquet"], "outputs are local files"),
        (["-o", "{tmp}/x.parquet/"], "a folder; give a file path"),
        (["--partition", "day", "-o", "."], "the current folder"),
        (["-o", "{input}"], "refusing to overwrite an input"),
        (["-o", "{tmp}"], "is a directory"),
        (["--partition", "day", "-o", "{full}"], "holds files already"),
        (["--partition", "day", "-o", "{input}"], "not one"),
        (["--partition", "week", "-o", "x"], "week"),
        (["--tz", "Europe/Berlin", "-o", "{tmp}/x.parquet"], "--partition day"),
        (["--partition", "day", "--tz", "Mars/Base", "-o", "{tmp}/d"], "no time zone"),
        (["--cluster", "local:2", "-o", "{tmp}/x.parquet"], "one machine"),
        (["--time-field", "", "-o", "{tmp}/x.parquet"], "--time-field"),
        (["--partition", "day", "--tz", "Factory", "-o", "{tmp}/d"], "Polars knows no time zone"),
    ],
)
def test_bad_outputs_and_options_are_one_line_and_exit_2(dump, tmp_path, args, says):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "f").write_text("x")
    spots = {"{input}": str(dump), "{tmp}": str(tmp_path), "{full}": str(tmp_path / "full")}
    for spot, value in spots.items():
        args = [a.replace(spot, value) for a in args]
    done = subprocess.run([*CLI, "export", str(dump), *args], capture_output=True, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert says in done.stderr.decode() and len(done.stderr.splitlines()) == 1
    assert sorted(os.listdir(tmp_path)) == ["full"]


def test_a_failed_run_keeps_the_old_file_and_leaves_nothing(dump, tmp_path):
    out = tmp_path / "e.parquet"
    out.write_bytes(b"the old file")
    broken = tmp_path / "broken.ndjson.gz"
    broken.write_bytes(gzip.compress(dump.read_bytes())[:5000])
    done = subprocess.run(
        [*CLI, "export", str(dump), str(broken), "-o", str(out)], capture_output=True
    )
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert out.read_bytes() == b"the old file"
    assert sorted(os.listdir(tmp_path)) == ["broken.ndjson.gz", "e.parquet"]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("partition", [[], ["--partition", "day"]])
def test_a_signal_mid_export_leaves_nothing(dump, tmp_path, signum, code, partition):
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    command = [*CLI, "export", str(fifo), "-o", str(out), *partition]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open(fifo, "wb") as writer:
        writer.write(dump.read_bytes())
        writer.flush()
        deadline = time.monotonic() + 30
        while not [n for n in os.listdir(tmp_path) if n.startswith(".interact-cli-")]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)
        for _ in range(5):  # again while it cleans up: a second Ctrl-C left files behind
            process.send_signal(signum)
            time.sleep(0.01)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert b"Traceback" not in stderr
    assert sorted(os.listdir(tmp_path)) == ["in.fifo"]


def test_the_api_raises_the_library_errors(dump, tmp_path):
    with pytest.raises(OptionError):
        export(str(dump), tmp_path / "x", partition="week")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        export(str(dump), dump)
    with pytest.raises(OptionError):
        export(str(dump), tmp_path / "x.parquet", workers=0)


def test_a_file_name_that_is_not_utf8_is_kept_readable(dump, tmp_path):
    name = os.fsdecode(b"ev\xff.ndjson")
    (tmp_path / name).write_bytes(dump.read_bytes()[:20_000])
    found = export(str(tmp_path / name), tmp_path / "e.parquet")
    paths = set(pl.read_parquet(tmp_path / "e.parquet")["path"])
    assert paths == {str(tmp_path / "ev\\xff.ndjson")} and found["summary"]["rows"] > 0


def test_the_documented_example_runs(tmp_path, monkeypatch):
    # mypy --strict checks it with the other examples (test_api.py).
    root = Path(__file__).resolve().parent.parent
    text = (root / "docs" / "api.md").read_text(encoding="utf-8")
    section = text[text.index("## `export(") :]
    example = section[section.index("```python\n") + 10 : section.index("```\n", 10)]
    (tmp_path / "sample_data").symlink_to(root / "sample_data")
    (tmp_path / "example.py").write_text(example)
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "example.py", "exec"), {})
    assert pl.read_parquet(tmp_path / "events.parquet").height == 5000


def test_days_over_the_held_rows_are_written_in_parts_that_keep_input_order(
    dump, exported, tmp_path, monkeypatch
):
    import interact_cli.parquet_rows as parquet_rows

    # Batches of 50 rows, at most 100 held: a day is written in many parts.
    monkeypatch.setattr(parquet_rows, "BATCH_ROWS", 50)
    monkeypatch.setattr(parquet_rows, "HELD_ROWS", 100)
    folder = tmp_path / "parts"
    sources = resolve_inputs([str(dump)], None, [])
    options = ExportOptions(partition="day")
    target = plan_export(str(folder), "day", sources)
    found = export_events(sources, target, options, chunk_bytes=5000)
    days = sorted(os.listdir(folder))
    assert found["summary"]["parquet_files"] > 2 * len(days)
    whole = pl.read_parquet(exported[0])
    for day in days:
        parts = sorted(os.listdir(folder / day))
        assert parts[0] == "part-00000.parquet"
        lines = pl.concat([pl.read_parquet(folder / day / p) for p in parts])["line"]
        assert lines.is_sorted() and lines.len() > 0
    assert sum(pl.read_parquet(folder / d)["line"].len() for d in days) == whole.height


@pytest.mark.parametrize("partition", [None, "day"])
def test_a_writer_that_fails_mid_run_stops_the_scan_with_its_error(
    dump, tmp_path, monkeypatch, partition
):
    import interact_cli.parquet_rows as parquet_rows

    # Small batches and a queue of one: the reading side would block on a full queue.
    monkeypatch.setattr(parquet_rows, "BATCH_ROWS", 10)
    monkeypatch.setattr(parquet_rows, "QUEUE_BATCHES", 1)
    made = parquet_rows._frame
    calls = []

    def failing(columns, names):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return made(columns, names)

    monkeypatch.setattr(parquet_rows, "_frame", failing)
    out = tmp_path / ("days" if partition else "e.parquet")
    started = time.monotonic()
    sources = resolve_inputs([str(dump)], None, [])
    target = plan_export(str(out), partition, sources)
    with pytest.raises(InputError, match="cannot write Parquet: No space left on device"):
        export_events(sources, target, ExportOptions(partition=partition), chunk_bytes=5000)
    assert time.monotonic() - started < 30
    assert os.listdir(tmp_path) == []


def test_no_valid_event_still_gives_readable_columns_and_a_missing_time_is_said(tmp_path):
    invalid = tmp_path / "bad.ndjson"
    invalid.write_bytes(b'{"type":"view"}\n')
    found = export(str(invalid), tmp_path / "days", partition="day")
    assert found["summary"]["rows"] == 0
    assert pl.scan_parquet(tmp_path / "days").collect().columns[:3] == [
        "event_type",
        "time",
        "set_id",
    ]
    events = Path(__file__).resolve().parent.parent / "sample_data" / "events.ndjson"
    found = export(str(events), tmp_path / "e.parquet", time_field="timestmap")
    assert found["summary"]["untimed"] == found["summary"]["rows"] == 5000
    assert "no exported event has a time in 'timestmap'" in found["notices"][0]
