"""CLI tests of `validate` and `schema`: exit codes, stdout and stderr apart, files written."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys

import pytest

from interact_cli.validation import validate

from .conftest import DOCUMENTED, GOLDEN, SAMPLE, documented_lines, invoke

GOOD = documented_lines()[0]


def test_documented_examples_exit_1_with_line_7_the_only_invalid(runner):
    result = invoke(runner, "validate", str(DOCUMENTED), "--format", "json")
    assert result.exit_code == 1
    assert result.stderr == ""
    doc = json.loads(result.stdout)
    assert doc["summary"] == {"lines": 7, "valid": 6, "invalid": 1, "blank": 0, "warnings": 0}
    assert [(p["line"], p["path"]) for p in doc["problems"]] == [(7, "/view/setCompose")]
    assert doc["problems"][0]["path"].startswith("/view")


def test_json_output_equals_the_library_result(runner):
    paths = [str(SAMPLE / "events.ndjson"), str(SAMPLE / "broken.ndjson")]
    result = invoke(runner, "validate", *paths, "--format", "json", "--max-problems", "50")
    assert json.loads(result.stdout) == validate(paths, max_problems=50).to_dict()


def test_json_counts_stay_complete_when_problems_are_cut(runner):
    result = invoke(
        runner, "validate", str(SAMPLE / "broken.ndjson"), "-f", "json", "--max-problems", "2"
    )
    doc = json.loads(result.stdout)
    assert len(doc["problems"]) == 2
    assert sum(c["count"] for c in doc["by_code"]) == 25
    assert doc["summary"]["invalid"] == 20


def test_clean_input_exits_0(tmp_path, runner):
    path = tmp_path / "ok.ndjson"
    path.write_bytes(b"\n".join(documented_lines()[:6]) + b"\n")
    result = invoke(runner, "validate", str(path))
    assert result.exit_code == 0
    assert "6 lines: 6 valid, 0 invalid, 0 blank, 0 warnings" in result.stdout
    assert "No problems found." in result.stdout


def test_strict_makes_warnings_fail(tmp_path, runner):
    path = tmp_path / "warn.ndjson"
    event = json.loads(GOOD)
    event["interact"]["action"] = "addtocart"
    path.write_text(json.dumps(event) + "\n")
    assert invoke(runner, "validate", str(path)).exit_code == 0
    assert invoke(runner, "validate", str(path), "--strict").exit_code == 1


def test_missing_file_is_one_stderr_line_and_exit_2(runner, tmp_path):
    missing = str(tmp_path / "nope.ndjson")
    result = invoke(runner, "validate", missing)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"interact-cli: error: {missing}: no such file"]


def test_corrupt_gzip_is_exit_2_without_traceback(runner, tmp_path):
    path = tmp_path / "bad.gz"
    data = gzip.compress(DOCUMENTED.read_bytes() * 100)
    path.write_bytes(data[: len(data) // 2])
    result = invoke(runner, "validate", str(path))
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr and "bad.gz" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_option_is_a_usage_error(runner):
    result = invoke(runner, "validate", str(DOCUMENTED), "--format", "yaml")
    assert result.exit_code == 2


def test_stdin_dash(runner):
    result = invoke(runner, "validate", "-", "-f", "json", input=DOCUMENTED.read_bytes())
    assert result.exit_code == 1
    assert json.loads(result.stdout)["files"][0]["path"] == "<stdin>"


def test_stdin_through_a_real_pipe_with_gzip():
    completed = subprocess.run(
        [sys.executable, "-m", "interact_cli", "validate", "-", "--format", "json"],
        input=gzip.compress(DOCUMENTED.read_bytes()),
        capture_output=True,
        check=False,
    )
    assert completed.returncode == 1, completed.stderr
    assert json.loads(completed.stdout)["summary"]["invalid"] == 1


def test_split_files_are_lossless_and_byte_for_byte(runner, tmp_path):
    source = SAMPLE / "broken.ndjson"
    valid, invalid = tmp_path / "valid.ndjson", tmp_path / "invalid.ndjson"
    result = invoke(
        runner, "validate", str(source), "--valid-out", str(valid), "--invalid-out", str(invalid)
    )
    assert result.exit_code == 1
    original = source.read_bytes().removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)
    non_blank = [
        ln if ln.endswith(b"\n") else ln + b"\n" for ln in original if ln.strip(b" \t\r\n")
    ]
    written_valid = valid.read_bytes().splitlines(keepends=True)
    written_invalid = invalid.read_bytes().splitlines(keepends=True)
    assert sorted(written_valid + written_invalid) == sorted(non_blank)
    assert len(written_valid) == 12 and len(written_invalid) == 20
    assert b"\r\n" in valid.read_bytes()  # the CRLF line is kept as it was
    again = invoke(runner, "validate", str(valid))
    assert again.exit_code == 0


def test_output_that_is_an_input_is_refused_before_writing(runner, tmp_path):
    path = tmp_path / "events.ndjson"
    path.write_bytes(DOCUMENTED.read_bytes())
    before = path.read_bytes()
    other = tmp_path / "other.ndjson"
    result = invoke(
        runner, "validate", str(path), "--valid-out", str(other), "--invalid-out", str(path)
    )
    assert result.exit_code == 2
    assert "refusing to overwrite an input" in result.stderr
    assert path.read_bytes() == before
    assert not other.exists()
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def test_split_files_are_not_left_behind_on_input_error(runner, tmp_path):
    valid = tmp_path / "valid.ndjson"
    result = invoke(
        runner,
        "validate",
        str(DOCUMENTED),
        str(tmp_path / "gone.ndjson"),
        "--valid-out",
        str(valid),
    )
    assert result.exit_code == 2
    assert not valid.exists() and os.listdir(tmp_path) == []


@pytest.mark.parametrize("width", [80, 120])
def test_validate_table_matches_golden_with_one_line_a_problem(runner, width):
    result = invoke(
        runner, "validate", "sample_data/broken.ndjson", "--max-problems", "30", width=width
    )
    golden = GOLDEN / f"validate-broken-{width}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(result.stdout)
    assert result.stdout == golden.read_text()
    lines = result.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= width
    # Each problem and each code is one row of one line: rows begin with their line number
    # or code, and no row continues onto a line of its own.
    problems = lines[lines.index(next(x for x in lines if x.startswith("First 25"))) :]
    rows = [x for x in problems if x.startswith("│")]
    assert len(rows) == 25 and all(x.split("│")[1].strip().isdigit() for x in rows)
    codes = [x for x in lines if x.startswith("│")][: -len(rows)]
    assert all(x.split("│")[1].strip() for x in codes)  # no continuation line


def test_help_shows_examples(runner):
    result = invoke(runner, "validate", "--help")
    assert result.exit_code == 0
    assert "interact-cli validate events.ndjson" in result.stdout


def test_schema_command_prints_a_draft_2020_12_schema(runner):
    result = invoke(runner, "schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_generate_is_deterministic(runner, tmp_path):
    a, b = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    for path in (a, b):
        assert (
            invoke(runner, "generate", "--events", "300", "--seed", "5", "-o", str(path)).exit_code
            == 0
        )
    assert a.read_bytes() == b.read_bytes()
    assert len(a.read_bytes().splitlines()) == 300


@pytest.mark.parametrize("width", [60, 80])
def test_long_and_wide_file_names_keep_one_line_a_problem(runner, tmp_path, width):
    from rich.cells import cell_len

    deep = tmp_path / "exports" / "region-europe-west" / "2026-10-01"
    deep.mkdir(parents=True)
    broken = (SAMPLE / "broken.ndjson").read_bytes()
    (deep / "interactions-part-00001.ndjson").write_bytes(broken)
    (tmp_path / "a数据导出.ndjson").write_bytes(broken)
    paths = [str(deep / "interactions-part-00001.ndjson"), str(tmp_path / "a数据导出.ndjson")]
    result = invoke(runner, "validate", *paths, "--max-problems", "5", width=width)
    lines = result.stdout.splitlines()
    assert max(cell_len(line.rstrip()) for line in lines) <= width
    rows = [x for x in lines if x.startswith("│")]
    ats = [x.split("│")[1].strip() for x in rows[-5:]]
    assert all(at.split(":")[-1].isdigit() for at in ats), ats  # line numbers are kept


def test_generate_edge_values(runner, tmp_path):
    one = tmp_path / "one.ndjson"
    assert (
        invoke(runner, "generate", "--events", "400", "--products", "1", "-o", str(one)).exit_code
        == 0
    )
    assert len(one.read_bytes().splitlines()) == 400
    nan = invoke(runner, "generate", "--events", "5", "--broken-ratio", "nan")
    assert nan.exit_code == 2 and "--broken-ratio" in nan.stderr
    huge = invoke(runner, "generate", "--products", "100000000000")
    assert huge.exit_code == 2
