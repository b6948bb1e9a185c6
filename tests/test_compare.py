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
from interact_cli.errors import InputError, OptionError
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


def _oracle(path: Path, windows: list[tuple[str, str]], rate: str) -> dict[str, dict[str, float]]:
    """Per set from the raw lines: a rate's ratio, interval, p- and q-value, by numpy,
    scipy and statsmodels (ctr: clicks per view; cart_per_click: carts per click)."""
    top, bottom = {"ctr": (1, 0), "cart_per_click": (2, 1)}[rate]
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
            else:
                item = next(c for c in event["context"] if "setCompose" in json.dumps(c))
                set_id = json.dumps(item).split('"id": "')[1].split('"')[0]
                slot = 1 if event["interact"]["action"] == "click" else 2
                per[number][set_id][user][slot] += 1
    out = {}
    for set_id in per[0].keys() & per[1].keys():
        rates, variances = [], []
        for window in per:
            sums = np.array(list(window[set_id].values()), dtype=float)
            rates.append(sums[:, top].sum() / sums[:, bottom].sum())
            variances.append(delta_variance(sums[:, top], sums[:, bottom]))
        log_ratio = math.log(rates[1] / rates[0])
        se = math.sqrt(variances[1] / rates[1] ** 2 + variances[0] / rates[0] ** 2)
        out[set_id] = {
            "ratio": rates[1] / rates[0],
            "low": math.exp(log_ratio - 1.959964 * se),
            "high": math.exp(log_ratio + 1.959964 * se),
            "p": 2 * scipy_stats.norm.sf(abs(log_ratio / se)),
        }
    ids = sorted(out)
    q = multitest.multipletests([out[i]["p"] for i in ids], method="fdr_bh")[1]
    for set_id, value in zip(ids, q, strict=True):
        out[set_id]["q"] = value
    return out


@pytest.mark.parametrize("rate", ["ctr", "cart_per_click"])
def test_ratios_intervals_p_and_q_match_an_independent_computation(small, rate):
    found = compare(small, baseline=WEEK1, current=WEEK2)
    days = [("2026-10-01", "2026-10-08"), ("2026-10-08", "2026-10-15")]
    oracle = _oracle(small, days, rate)
    rows = {r["set_id"]: r for r in found.rows("sets")}
    assert len(oracle) == 20 and found.summary["tested"][rate] == 20
    for set_id, expected in oracle.items():
        row = rows[set_id]
        assert row[f"{rate}_ratio"] == pytest.approx(expected["ratio"], rel=1e-9)
        assert row[f"{rate}_ratio_low"] == pytest.approx(expected["low"], rel=1e-9)
        assert row[f"{rate}_ratio_high"] == pytest.approx(expected["high"], rel=1e-9)
        assert row[f"{rate}_p"] == pytest.approx(expected["p"], rel=1e-6, abs=1e-300)
        assert row[f"{rate}_q"] == pytest.approx(expected["q"], rel=1e-6, abs=1e-300)


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


def test_without_a_change_p_values_are_uniform_and_nothing_is_flagged(tmp_path):
    p_values, flagged = [], 0
    for seed in (11, 12, 13, 14):
        path = tmp_path / f"null-{seed}.ndjson"
        write_changes(100_000, seed, str(path))
        found = compare(path, baseline=WEEK1, current=WEEK2)
        flagged += sum(v["up"] + v["down"] for v in found.summary["changes"].values())
        tested = found.table("sets").filter(~pl.col("low_sample"))
        p_values += tested["ctr_p"].to_list() + tested["cart_per_click_p"].to_list()
    # BH at 5% under no change flags nothing in ~95% of runs; 1,600 comparisons here,
    # some 800 with enough clicks to test.
    assert flagged <= 1
    assert len(p_values) > 700 and scipy_stats.kstest(p_values, "uniform").pvalue > 0.001


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
    for side in ("baseline", "current"):
        for total in ("users", "click", "addToCart"):
            assert groups.summary[side][total] == windows.summary[side][total] > 0
        assert "views" not in groups.summary[side]  # pairs have no views


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


COMMAND = [sys.executable, "-m", "interact_cli", "compare"]


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


def test_the_documented_example_runs(small, tmp_path, monkeypatch):
    # mypy --strict checks it with the other examples (test_api.py).
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


def _line(kind: str, set_id: str, user: str, day: int, action: str | None = None) -> bytes:
    """An event of the second week (day 8-14) or the first, in one dialect."""
    from .test_report import interact, view

    stamp = f"2026-10-{day:02d}T12:00:00Z"
    if kind == "view":
        return view(set_id, user, stamp)
    return interact(set_id, "sku-1", user, action, stamp)


def test_a_rate_that_falls_to_zero_is_a_change(tmp_path):
    lines = []
    for user in range(100):
        for day, carts in ((2, 1 + user % 5), (9, 0)):
            lines += [_line("view", "A", f"u{user}", day)] * 20
            lines += [_line("interact", "A", f"u{user}", day, "click")] * 10
            lines += [_line("interact", "A", f"u{user}", day, "addToCart")] * carts
    path = tmp_path / "broken-carts.ndjson"
    path.write_bytes(b"\n".join(lines))
    row = compare(path, baseline=WEEK1, current=WEEK2).rows("sets")[0]
    assert row["cart_per_click_current"] == 0 and row["cart_per_click_change"] == "down"
    assert row["cart_per_click_ratio"] == 0 and row["cart_per_click_ratio_low"] is None
    done = _cli(str(path), "--baseline", WEEK1, "--current", WEEK2, "--fail-on-change")
    assert done.returncode == 1


def test_one_heavy_user_alone_is_no_sample(tmp_path):
    lines = [_line("interact", "A", "bot", 2, "click")] * 100
    lines += [_line("interact", "A", "bot", 2, "addToCart")] * 50
    lines += [_line("view", "A", f"viewer{n}", 2) for n in range(50)]
    for user in range(100):
        lines += [_line("interact", "A", f"u{user}", 9, "click")]
    lines += [_line("interact", "A", f"u{user}", 9, "addToCart") for user in range(30)]
    path = tmp_path / "bot.ndjson"
    path.write_bytes(b"\n".join(lines))
    row = compare(path, baseline=WEEK1, current=WEEK2).rows("sets")[0]
    assert row["cart_per_click_change"] == "untestable" and row["cart_per_click_p"] is None


def test_outside_windows_counts_every_event_in_neither_window(tmp_path):
    lines = [_line("view", "A", "u", 2), _line("interact", "A", "u", 9, "click")]
    lines += [_line("view", "A", "u", 20)] * 13  # after both
    lines += [_line("interact", "A", "u", 20, "like")] * 17
    path = tmp_path / "gap.ndjson"
    path.write_bytes(b"\n".join(lines))
    for by in ("set", "product", "set-product"):
        found = compare(
            path, baseline="2026-10-01..2026-10-05", current="2026-10-09..2026-10-15", by=by
        )
        assert found.summary["outside_windows"] == 30, by
    gap = compare(path, baseline="2026-10-01..2026-10-05", current="2026-10-10..2026-10-15")
    assert gap.summary["outside_windows"] == 31  # the click on the 9th too


def test_set_and_sku_narrow_the_verdicts_and_fail_on_change(small):
    every = compare(small, baseline=WEEK1, current=WEEK2)
    quiet = every.table("sets").filter(pl.col("ctr_change") == "unchanged")["set_id"][0]
    one = compare(small, baseline=WEEK1, current=WEEK2, set=[quiet])
    assert one.summary["rows"] == 1 and one.summary["changes"]["ctr"]["unchanged"] == 1
    assert one.summary["tested"] == every.summary["tested"]  # q over the whole table
    assert (
        one.rows("sets")[0]["ctr_q"]
        == every.table("sets").filter(pl.col("set_id") == quiet)["ctr_q"][0]
    )
    done = _cli(
        str(small),
        "--baseline",
        WEEK1,
        "--current",
        WEEK2,
        "--set",
        quiet,
        "--fail-on-change",
        "--by",
        "set",
    )
    assert done.returncode == 0, done.stderr


def test_ranges_without_inputs_say_to_give_the_inputs(small):
    done = _cli("--baseline", WEEK1, "--current", WEEK2)
    assert done.returncode == 2 and b"give the inputs first" in done.stderr


def test_an_input_on_both_sides_or_under_stdin_is_refused(small, tmp_path):
    both = _cli("--baseline", str(small), "--current", str(small.parent / "." / small.name))
    assert both.returncode == 2 and b"given more than once" in both.stderr
    with small.open("rb") as stdin:
        piped = subprocess.run(
            [*COMMAND, "--baseline", "-", "--current", "/dev/stdin"],
            stdin=stdin,
            capture_output=True,
            timeout=60,
        )
    assert piped.returncode == 2 and b"more than once" in piped.stderr
    victim = tmp_path / "victim.ndjson"
    victim.write_bytes(small.read_bytes()[:20_000])
    before = victim.read_bytes()
    with victim.open("rb") as stdin:
        over = subprocess.run(
            [*COMMAND, "-", "--baseline", WEEK1, "--current", WEEK2, "-o", "/dev/stdin"],
            stdin=stdin,
            capture_output=True,
            timeout=60,
        )
    assert over.returncode == 2 and b"refusing to overwrite an input" in over.stderr
    assert victim.read_bytes() == before


def test_odd_values_are_one_line_errors_of_the_library(small):
    with pytest.raises(OptionError, match="out of range in America/Havana"):
        compare(
            small, baseline="0001-01-01T00:00:00Z..0001-01-02", current=WEEK2, tz="America/Havana"
        )
    with pytest.raises(OptionError, match="not None"):
        compare(small, baseline=WEEK1, current=WEEK2, by=None)  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="fdr"):
        compare(small, baseline=WEEK1, current=WEEK2, fdr=10**400)
    with pytest.raises(InputError, match="NUL"):
        compare(baseline="a\x00.ndjson", current=str(small))
    with pytest.raises(OptionError, match="--tz"):
        compare(small, baseline=WEEK1, current=WEEK2, tz="")
    long = "2026-10-01" + "x" * 100_000
    with pytest.raises(OptionError) as error:
        compare(small, baseline=f"{long}..2026-10-08", current=WEEK2)
    assert len(str(error.value)) < 300


def test_a_set_prefix_picks_its_pairs_and_the_summary_counts_every_event(small):
    every = compare(small, baseline=WEEK1, current=WEEK2, by="set-product")
    set_id = every.rows("set_products")[0]["set_id"]
    pairs = compare(small, baseline=WEEK1, current=WEEK2, by="set-product", set=[set_id[:8]])
    assert {r["set_id"] for r in pairs.rows("set_products")} == {set_id}
    s = every.summary
    assert sum(s["events"].values()) + s["outside_windows"] + s["untimed"] == s["valid"]


GENERATE = [sys.executable, "-m", "interact_cli", "generate"]


def test_generate_plants_changes_through_the_command(tmp_path):
    path = tmp_path / "weeks.ndjson"
    made = subprocess.run(
        [*GENERATE, "--events", "3000", "--plant", "2:0.5", "--sets", "5", "-o", str(path)],
        capture_output=True,
        timeout=60,
    )
    assert made.returncode == 0 and b"note: planted x0.5 from 2026-10-08 in " in made.stderr
    assert len(path.read_bytes().splitlines()) == 3000
    for bad in (["--plant", "x"], ["--plant", "2:0.5", "--broken-ratio", "0.1"]):
        done = subprocess.run([*GENERATE, *bad], capture_output=True)
        assert done.returncode == 2 and done.stderr.count(b"\n") == 1
