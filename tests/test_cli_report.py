"""CLI tests of `report`: formats, options, exit codes, stderr notices, golden tables."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest

from interact_cli.reporting import ReportOptions, build_report

from .conftest import GOLDEN, SAMPLE, invoke

EVENTS = str(SAMPLE / "events.ndjson")
BROKEN = str(SAMPLE / "broken.ndjson")


def test_json_equals_the_library_result(runner):
    result = invoke(runner, "report", EVENTS, BROKEN, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == build_report([EVENTS, BROKEN], ReportOptions()).to_dict()


def test_json_with_options_equals_the_library_result(runner):
    args = ["--top", "3", "--sort", "ctr", "--actions", "--since", "2026-10-01"]
    result = invoke(runner, "report", EVENTS, "-f", "json", *args)
    expected = build_report(
        [EVENTS], ReportOptions(top=3, sort="ctr", actions=True, since="2026-10-01")
    )
    assert json.loads(result.stdout) == expected.to_dict()


@pytest.mark.parametrize(
    ("by", "table"), [("set", "sets"), ("product", "products"), ("set-product", "set_products")]
)
def test_csv_parses_back_to_the_json_numbers(runner, by, table):
    doc = json.loads(invoke(runner, "report", EVENTS, "-f", "json").stdout)
    text = invoke(runner, "report", EVENTS, "-f", "csv", "--by", by).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(doc[table])
    for parsed, expected in zip(rows, doc[table], strict=True):
        for name, value in expected.items():
            if name == "order_revenue":
                for currency in doc["summary"]["currencies"]:
                    assert float(parsed[f"order_revenue_{currency}"]) == value.get(currency, 0.0)
            elif value is None:
                assert parsed[name] == ""
            elif isinstance(value, str):
                assert parsed[name] == value
            elif isinstance(value, bool):
                assert parsed[name] == ("true" if value else "false"), name
            else:
                assert float(parsed[name]) == value, name


def test_markdown_prints_the_chosen_table(runner):
    result = invoke(runner, "report", EVENTS, "-f", "markdown", "--by", "product", "--top", "2")
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == "| sku | sets | click | addToCart | other | interactions | users | cart_per_click "
        "| cart_per_click_range | low_sample |"
    )
    assert lines[1].startswith("|---|---:|") and len(lines) == 4


def test_output_file_is_written_and_stdout_stays_empty(runner, tmp_path):
    target = tmp_path / "sets.csv"
    result = invoke(runner, "report", EVENTS, "-f", "csv", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text().startswith(
        "set_id,views,click,addToCart,other,interactions,users,ctr,ctr_low,ctr_high,"
        "cart_per_click,cart_per_click_low,cart_per_click_high,low_sample,ordered,"
        "order_revenue_CHF,order_revenue_EUR\n"
    )
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def test_invalid_lines_are_skipped_with_a_notice_and_exit_0(runner):
    result = invoke(runner, "report", BROKEN, "-f", "json")
    assert result.exit_code == 0
    assert (
        result.stderr
        == "interact-cli: skipped 20 invalid lines; run `interact-cli validate` to see why\n"
    )
    assert json.loads(result.stdout)["summary"]["invalid"] == 20


def test_fail_on_invalid_exits_1(runner):
    assert invoke(runner, "report", BROKEN, "--fail-on-invalid", "-f", "json").exit_code == 1
    assert invoke(runner, "report", EVENTS, "--fail-on-invalid", "-f", "json").exit_code == 0


@pytest.mark.parametrize(
    "args", [["--sort", "nope"], ["--since", "last week"], ["--by", "shop"], ["--top", "-1"]]
)
def test_bad_options_exit_2_with_one_line(runner, args):
    result = invoke(runner, "report", EVENTS, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr


def test_missing_input_exits_2(runner, tmp_path):
    result = invoke(runner, "report", str(tmp_path / "none.ndjson"))
    assert result.exit_code == 2 and result.stderr.startswith("interact-cli: error:")


def test_empty_input_prints_empty_tables(runner, tmp_path):
    empty = tmp_path / "empty.ndjson"
    empty.write_bytes(b"")
    result = invoke(runner, "report", str(empty))
    assert result.exit_code == 0
    assert "Sets: 0" in result.stdout and "Products: 0" in result.stdout


def test_set_option_drills_into_products_of_that_set(runner):
    doc = json.loads(invoke(runner, "report", EVENTS, "-f", "json", "--top", "1").stdout)
    set_id = doc["sets"][0]["set_id"]
    result = invoke(runner, "report", EVENTS, "--set", set_id, width=160)
    assert "Set × product" in result.stdout and set_id in result.stdout
    assert "Products:" not in result.stdout


def test_help_shows_examples(runner):
    result = invoke(runner, "report", "--help", width=120)
    assert result.exit_code == 0 and "interact-cli report events.ndjson" in result.stdout


@pytest.mark.parametrize("width", [80, 120])
def test_table_matches_golden_at_fixed_width(runner, width):
    result = invoke(runner, "report", EVENTS, BROKEN, "--top", "5", width=width)
    golden = GOLDEN / f"report-top5-{width}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(result.stdout)
    assert result.stdout == golden.read_text()
    widest = max(len(line.rstrip()) for line in result.stdout.splitlines())
    assert widest <= width
    assert "…" not in result.stdout  # set ids are never cut with an ellipsis


def test_narrow_table_says_it_shortened_ids_and_wide_one_shows_them_whole(runner):
    doc = json.loads(invoke(runner, "report", EVENTS, "-f", "json", "--top", "5").stdout)
    ids = [row["set_id"] for row in doc["sets"]]
    narrow = invoke(runner, "report", EVENTS, "--top", "5", "--by", "set", width=80).stdout
    assert "Set ids shortened" in narrow and all(i[:8] in narrow for i in ids)
    wide = invoke(runner, "report", EVENTS, "--top", "5", "--by", "set", width=200).stdout
    assert "shortened" not in wide and all(i in wide for i in ids)


def test_csv_quotes_an_id_with_a_bare_carriage_return(runner, tmp_path):
    from .test_report import interact

    path = tmp_path / "cr.ndjson"
    path.write_bytes(interact("cr\rx", "p", "u", "click") + b"\n" + interact("s", "p", "u") + b"\n")
    text = invoke(runner, "report", str(path), "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert sorted(r["set_id"] for r in rows) == ["cr\rx", "s"]


@pytest.mark.skipif(__import__("platform").libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_the_cli_has_glibc_return_large_freed_blocks():
    from interact_cli.__main__ import return_freed_memory

    # The 5M-event report's peak memory rests on it (see docs/performance.md).
    assert return_freed_memory() is True


# Found by a hostile sweep of the options (0.3.1).


def test_a_top_or_max_problems_beyond_64_bits_is_all_rows(runner):
    events, broken = str(SAMPLE / "events.ndjson"), str(SAMPLE / "broken.ndjson")
    everything = json.loads(invoke(runner, "report", events, "-f", "json").stdout)
    huge = invoke(runner, "report", events, "-f", "json", "--top", str(2**64))
    assert huge.exit_code == 0 and json.loads(huge.stdout)["sets"] == everything["sets"]
    checked = invoke(runner, "validate", broken, "-f", "json", "--max-problems", str(10**20))
    found = json.loads(checked.stdout)
    assert checked.exit_code == 1 and len(found["problems"]) >= found["summary"]["invalid"]


@pytest.mark.parametrize(
    "args",
    [
        ["--tz", "Bogus/../x"],  # checked without --interval too: the summary names it
        ["--tz", "localtime", "--interval", "day"],  # the host's zone: not a report's
        ["--time-field", ""],
        ["--sku", ""],
    ],
)
def test_options_no_data_can_answer_are_exit_2_in_one_line(runner, args):
    result = invoke(runner, "report", str(SAMPLE / "events.ndjson"), "-f", "json", *args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("interact-cli: error:")


def test_a_time_field_with_no_usable_time_is_named_in_a_notice(runner):
    result = invoke(runner, "report", str(SAMPLE / "events.ndjson"), "--time-field", "eventId")
    assert result.exit_code == 0
    assert "--time-field eventId: " in result.stderr and "not attributed" in result.stderr


def test_an_action_called_none_keeps_its_own_count(runner, tmp_path):
    from .test_report import interact

    path = tmp_path / "none.ndjson"
    lines = [
        interact("s", "p", "u"),
        interact("s", "p", "u", "(none)"),
        interact("s", "p", "u", "(none)"),
    ]
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    row = json.loads(invoke(runner, "report", str(path), "--actions", "-f", "json").stdout)["sets"][
        0
    ]
    assert row["actions"] == {"(none)": 2, "(none)*": 1}
    assert sum(row["actions"].values()) == row["interactions"] == 3
    csv_row = next(
        csv.DictReader(
            io.StringIO(invoke(runner, "report", str(path), "--actions", "-f", "csv").stdout)
        )
    )
    assert (csv_row["action:(none)"], csv_row["action:(none)*"]) == ("2", "1")


def test_invisible_and_separator_characters_are_shown_escaped():
    from interact_cli.output.terminal import printable

    shown = printable("a\u2028b\u2029c\u200bd\ufeffe\u202ef\x1bg\u00e9")
    assert shown == "a\\u2028b\\u2029c\\u200bd\\ufeffe\\u202ef\\x1bg\u00e9"


def test_a_time_field_written_twice_gives_no_time(runner, tmp_path):
    from .test_report import interact

    # Parsers keep the first or the last of a repeated key: neither is guessed.
    twice = interact("s", "p", "u", "click")[:-1] + b',"timestamp":1,"timestamp":2000000000}'
    path = tmp_path / "twice.ndjson"
    path.write_bytes(twice + b"\n")
    found = json.loads(
        invoke(runner, "report", str(path), "-f", "json", "--interval", "day").stdout
    )
    assert found["summary"]["valid"] == 1 and [r["period"] for r in found["trend"]] == ["unknown"]
    checked = invoke(runner, "validate", str(path), "-f", "json")
    assert checked.exit_code == 0  # not a contract field: the line stays valid
