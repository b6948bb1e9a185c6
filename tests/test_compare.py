"""compare: the statistics against independent computations, the counts against
report's, calibration on generated data with planted changes, and the command."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import scipy.stats as scipy_stats  # test-only oracles (the test extra)
import statsmodels.stats.multitest as multitest

from interact_cli import compare
from interact_cli.comparestats import q_values, window_stats
from interact_cli.errors import OptionError
from interact_cli.generate_changes import write_changes

WEEK1, WEEK2 = "2026-10-01..2026-10-08", "2026-10-08..2026-10-15"


@pytest.fixture(scope="module", params=[1, 2])
def planted(request, tmp_path_factory) -> tuple[Path, list[str]]:
    """Two weeks, 10 sets with a 30% drop in the second (400,000 events, 200 sets)."""
    path = tmp_path_factory.mktemp("compare") / "planted.ndjson"
    return path, write_changes(400_000, request.param, str(path), plant=(10, 0.7))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """A small export of the same kind, for the command's tests (20 sets)."""
    path = tmp_path_factory.mktemp("compare") / "small.ndjson"
    write_changes(30_000, 3, str(path), sets=20, plant=(3, 0.5))
    return path


def delta_variance(x: np.ndarray, y: np.ndarray) -> float:
    """Var(sum x / sum y) by the delta method, from the sample covariance matrix."""
    n = len(x)
    cov = np.cov(np.vstack([x, y]), ddof=1)
    r = x.sum() / y.sum()
    return float((cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (n * y.mean() ** 2))


def test_the_delta_method_variance_matches_numpy():
    rng = np.random.default_rng(5)
    views = rng.poisson(3, 400) + 1
    clicks = rng.binomial(views, 0.3)
    carts = rng.binomial(clicks, 0.4)
    sums = pl.DataFrame(
        {"set": [0] * 400, "window": [0] * 400, "views": views, "clicks": clicks, "carts": carts}
    )
    stats = window_stats(sums, ["set"], views=True).row(0, named=True)
    assert stats["ctr_var"] == pytest.approx(delta_variance(clicks, views), rel=1e-12)
    assert stats["cart_per_click_var"] == pytest.approx(delta_variance(carts, clicks), rel=1e-12)
    assert stats["users"] == 400 and stats["click"] == clicks.sum()


def test_q_values_are_benjamini_hochberg():
    rng = np.random.default_rng(1)
    p = np.concatenate([rng.uniform(size=90), rng.uniform(0, 1e-3, 10)])
    expected = multitest.multipletests(p, method="fdr_bh")[1]
    with_nulls = pl.Series([*p[:50], None, *p[50:]], dtype=pl.Float64)
    q = q_values(with_nulls).to_list()
    assert q[50] is None
    assert np.allclose([v for v in q if v is not None], expected, rtol=1e-12)


def _oracle(path: Path, windows: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    """Per set from the raw lines: ctr's ratio, interval and p-value, by numpy and scipy."""
    per = [defaultdict(lambda: defaultdict(lambda: [0, 0, 0])) for _ in windows]
    for line in path.read_text().splitlines():
        event = json.loads(line)
        day = event["timestamp"][:10]
        user = event.get("userId") or next(
            c["user"]["id"] for c in event["context"] if c["type"] == "user"
        )
        for number, (start, end) in enumerate(windows):
            if not start <= day < end:
                continue
            if event["type"] == "view":
                per[number][event["view"]["setCompose"]["id"]][user][0] += 1
            elif event["interact"]["action"] == "click":
                item = next(c for c in event["context"] if "setCompose" in json.dumps(c))
                set_id = json.dumps(item).split('"id": "')[1].split('"')[0]
                per[number][set_id][user][1] += 1
    out = {}
    for set_id in per[0].keys() & per[1].keys():
        rates, variances = [], []
        for window in per:
            sums = np.array(list(window[set_id].values()), dtype=float)
            rates.append(sums[:, 1].sum() / sums[:, 0].sum())
            variances.append(delta_variance(sums[:, 1], sums[:, 0]))
        log_ratio = math.log(rates[1] / rates[0])
        se = math.sqrt(variances[1] / rates[1] ** 2 + variances[0] / rates[0] ** 2)
        out[set_id] = {
            "ratio": rates[1] / rates[0],
            "low": math.exp(log_ratio - 1.959964 * se),
            "high": math.exp(log_ratio + 1.959964 * se),
            "p": 2 * scipy_stats.norm.sf(abs(log_ratio / se)),
        }
    return out


def test_ratios_intervals_and_p_values_match_an_independent_computation(small):
    found = compare(small, baseline=WEEK1, current=WEEK2)
    oracle = _oracle(small, [("2026-10-01", "2026-10-08"), ("2026-10-08", "2026-10-15")])
    rows = {r["set_id"]: r for r in found.rows("sets")}
    assert len(oracle) == 20
    for set_id, expected in oracle.items():
        row = rows[set_id]
        assert row["ctr_ratio"] == pytest.approx(expected["ratio"], rel=1e-9)
        assert row["ctr_ratio_low"] == pytest.approx(expected["low"], rel=1e-9)
        assert row["ctr_ratio_high"] == pytest.approx(expected["high"], rel=1e-9)
        assert row["ctr_p"] == pytest.approx(expected["p"], rel=1e-6, abs=1e-300)


@pytest.mark.parametrize("by", ["set", "product", "set-product"])
def test_each_window_counts_what_report_counts_in_it(small, by):
    from interact_cli import report

    found = compare(small, baseline=WEEK1, current=WEEK2, by=by)
    table = {"set": "sets", "product": "products", "set-product": "set_products"}[by]
    keys = [k for k in ("set_id", "sku") if k in found.table(table).columns]
    for window, (since, until) in [("baseline", WEEK1.split("..")), ("current", WEEK2.split(".."))]:
        # report's --until takes a bare date's whole day: the day before the range's end
        last = f"{until[:8]}{int(until[8:]) - 1:02d}"
        counted = report(small, by=by, since=since, until=last)
        expected = {tuple(r[k] for k in keys): r for r in counted.rows(table)}
        got = {tuple(r[k] for k in keys): r for r in found.rows(table)}
        for key, row in expected.items():
            if not row["click"] and not row["addToCart"] and not row.get("views"):
                continue  # only other actions: nothing to compare
            assert got[key][f"click_{window}"] == row["click"]
            assert got[key][f"addToCart_{window}"] == row["addToCart"]
            if by == "set":
                assert got[key][f"views_{window}"] == row["views"]


def test_planted_drops_are_found(planted):
    path, ids = planted
    found = compare(path, baseline=WEEK1, current=WEEK2)
    flagged = found.table("sets").filter(pl.col("ctr_change") == "down")["set_id"].to_list()
    assert len(set(flagged) & set(ids)) >= 8
    assert len(set(flagged) - set(ids)) <= 1  # a false discovery or none
    assert found.summary["changes"]["ctr"]["up"] == 0


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_without_a_change_at_most_5_percent_are_flagged(tmp_path, seed):
    path = tmp_path / "null.ndjson"
    write_changes(100_000, seed, str(path))
    found = compare(path, baseline=WEEK1, current=WEEK2)
    flagged = sum(v["up"] + v["down"] for v in found.summary["changes"].values())
    assert flagged <= 0.05 * 2 * found.summary["rows"]


def test_two_groups_of_inputs_equal_two_windows_of_one(small, tmp_path):
    first, second = tmp_path / "first.ndjson", tmp_path / "second.ndjson"
    days = [(json.loads(line)["timestamp"][:10], line) for line in small.read_bytes().splitlines()]
    first.write_bytes(b"\n".join(line for day, line in days if day < "2026-10-08"))
    second.write_bytes(b"\n".join(line for day, line in days if "2026-10-08" <= day < "2026-10-15"))
    windows = compare(small, baseline=WEEK1, current=WEEK2, by="set-product")
    groups = compare(baseline=str(first), current=[str(second)], by="set-product")
    assert groups.rows("set_products") == windows.rows("set_products")
    assert groups.summary["baseline"]["inputs"] == [str(first)]
    assert groups.summary["current"]["lines"] == len(second.read_bytes().splitlines())


def test_threads_and_chunks_do_not_change_a_comparison(small):
    from interact_cli.comparing import CompareOptions, build_comparison

    options = CompareOptions(table="set_products", baseline=WEEK1, current=WEEK2)
    one = build_comparison([str(small)], options, workers=1)
    two = build_comparison([str(small)], options, workers=2, chunk_bytes=70_000)
    assert one.to_json() == two.to_json()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baseline": "2026-10-01..2026-10-09", "current": WEEK2}, "overlap"),
        ({"baseline": "2026-10-01", "current": WEEK2}, "FROM..UNTIL"),
        ({"baseline": "2026-10-08..2026-10-01", "current": WEEK2}, "before the end"),
        ({"baseline": WEEK1}, "both --baseline and --current"),
        ({"baseline": WEEK1, "current": WEEK2, "fdr": 1.5}, "--fdr"),
        ({"baseline": WEEK1, "current": WEEK2, "sort": "nope"}, "--sort"),
        ({"baseline": WEEK1, "current": WEEK2, "tz": "Mars/Olympus"}, "--tz"),
    ],
)
def test_options_no_data_can_answer_are_errors(small, kwargs, message):
    with pytest.raises(OptionError, match=message):
        compare(small, **kwargs)


def test_sides_without_inputs_are_errors():
    with pytest.raises(OptionError, match="inputs of this side"):
        compare(baseline="a.ndjson")


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "interact_cli", "compare", *args],
        capture_output=True,
        env={"COLUMNS": "100", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
        timeout=120,
        cwd=cwd,
    )


def test_the_command_prints_what_the_api_returns(small, tmp_path):
    args = [str(small), "--baseline", WEEK1, "--current", WEEK2, "--by", "product"]
    done = _cli(*args, "-f", "json")
    assert done.returncode == 0, done.stderr
    assert done.stdout == compare(small, baseline=WEEK1, current=WEEK2, by="product").to_json()
    csv = _cli(*args, "-f", "csv", "-o", str(tmp_path / "c.csv"))
    assert csv.returncode == 0 and (tmp_path / "c.csv").read_text().startswith("sku,click_baseline")
    markdown = _cli(*args, "-f", "markdown")
    assert markdown.stdout.startswith(b"| sku | click_baseline |")
    table = _cli(*args, "--top", "3")
    assert b"Products: top 3 of" in table.stdout and b"cart/click ratio" in table.stdout


def test_fail_on_change_exits_1_only_when_a_row_changed(small, tmp_path):
    flagged = _cli(str(small), "--baseline", WEEK1, "--current", WEEK2, "--fail-on-change")
    assert flagged.returncode == 1 and "▼ down".encode() in flagged.stdout
    same = tmp_path / "same.ndjson"
    write_changes(5_000, 4, str(same), sets=5)
    quiet = _cli(str(same), "--baseline", WEEK1, "--current", WEEK2, "--fail-on-change")
    assert quiet.returncode == 0, quiet.stderr


def test_the_command_refuses_mixed_and_missing_forms(small):
    mixed = _cli(str(small), "--baseline", "a.ndjson", "--baseline", "b", "--current", WEEK2)
    assert mixed.returncode == 2 and mixed.stderr.count(b"\n") == 1
    assert b"once each" in mixed.stderr
    none = _cli("--baseline", str(small))
    assert none.returncode == 2 and b"--current FILES" in none.stderr
    out = _cli(str(small), "--baseline", WEEK1, "--current", WEEK2, "-o", str(small))
    assert out.returncode == 2 and small.stat().st_size > 0


def test_empty_inputs_and_windows_without_events_compare_nothing(tmp_path, small):
    empty = tmp_path / "empty.ndjson"
    empty.write_bytes(b"")
    found = compare(empty, baseline=WEEK1, current=WEEK2)
    assert found.summary["rows"] == 0 and found.table("sets").is_empty()
    assert json.loads(found.to_json())["sets"] == []
    later = compare(small, baseline="2027-01-01..2027-01-02", current="2027-01-02..2027-01-03")
    assert later.summary["rows"] == 0 and later.summary["outside_windows"] > 0


def test_events_without_a_time_are_in_neither_window_and_said(small):
    found = compare(small, baseline=WEEK1, current=WEEK2, time_field="nope")
    assert found.summary["untimed"] == found.summary["valid"] and found.summary["rows"] == 0
    assert any("without a usable time in nope" in n for n in found.notices)


def test_ids_the_table_has_not_and_stdin_twice_are_errors(small):
    with pytest.raises(OptionError, match="--sku: the compared sets have no sku"):
        compare(small, baseline=WEEK1, current=WEEK2, sku=["1-2"])
    with pytest.raises(OptionError, match="--set: the compared products have no set"):
        compare(small, baseline=WEEK1, current=WEEK2, by="product", set=["a"])
    with pytest.raises(OptionError, match="stdin"):
        compare(baseline="-", current=["-"])


def test_two_groups_through_the_command(small, tmp_path):
    lines = small.read_bytes().splitlines(keepends=True)
    (tmp_path / "a.ndjson").write_bytes(b"".join(lines[:15_000]))
    (tmp_path / "b.ndjson").write_bytes(b"".join(lines[15_000:]))
    done = _cli("--baseline", "a.ndjson", "--current", "b.ndjson", "-f", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["summary"]["baseline"]["inputs"] == ["a.ndjson"]
    assert document["summary"]["baseline"]["lines"] == 15_000 and len(document["sets"]) == 20
    sides = [str(tmp_path / "a.ndjson")], [str(tmp_path / "b.ndjson")]
    assert compare(baseline=sides[0], current=sides[1]).rows("sets") == document["sets"]


def test_the_documented_example_runs_and_passes_mypy_strict(small, tmp_path, monkeypatch):
    import gzip
    import re

    from .conftest import ROOT

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    (example,) = [b for b in blocks if "interact_cli.compare(" in b]
    (tmp_path / "example.py").write_text(example)
    lines = small.read_bytes().splitlines(keepends=True)
    (tmp_path / "weeks.ndjson").write_bytes(small.read_bytes())
    for side, part in (("sep", lines[:15_000]), ("oct", lines[15_000:])):
        (tmp_path / side).mkdir()
        (tmp_path / side / "a.ndjson.gz").write_bytes(gzip.compress(b"".join(part)))
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "example.py", "exec"), {})
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "c"),
            str(tmp_path / "example.py"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
