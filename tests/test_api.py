"""The public Python API: the same bytes as the command, frames equal to the JSON rows,
the library's own exceptions, nothing printed, a light import, and a typed example."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import interact_cli
from interact_cli import InputError, OptionError
from tests.conftest import GOLDEN, ROOT, SAMPLE, mypy_strict

CLI = [sys.executable, "-m", "interact_cli"]
GEN7 = ["--interval", "day", "--actions", "--by", "set-product", "--tz", "Europe/Berlin"]
GEN7_API = {"interval": "day", "actions": True, "by": "set-product", "tz": "Europe/Berlin"}


def cli(*args: str, cwd: Path = ROOT) -> bytes:
    done = subprocess.run([*CLI, *args], capture_output=True, cwd=cwd, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def gen7(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated dump with broken lines, in a folder of its own (named relatively)."""
    folder = tmp_path_factory.mktemp("gen7")
    cli(
        "generate",
        "--events",
        "1500",
        "--seed",
        "7",
        "--broken-ratio",
        "0.02",
        "-o",
        str(folder / "gen7.ndjson"),
    )
    return folder


@pytest.mark.parametrize(("format", "ext"), [("json", "json"), ("csv", "csv"), ("markdown", "md")])
def test_the_outputs_are_byte_for_byte_those_of_0_4_0(format, ext, gen7):
    # Golden files written by 0.4.0 (Python rows): the frames must change no byte.
    assert (
        cli("report", "sample_data/events.ndjson", "-f", format)
        == (GOLDEN / f"report-sample.{ext}").read_bytes()
    )
    got = cli("report", "gen7.ndjson", "-f", format, *GEN7, cwd=gen7)
    assert got == (GOLDEN / f"report-gen7-day.{ext}").read_bytes()


def test_report_to_json_and_to_csv_are_the_commands_bytes(gen7, monkeypatch):
    monkeypatch.chdir(gen7)
    report = interact_cli.report("gen7.ndjson", **GEN7_API)  # type: ignore[arg-type]
    assert report.to_json() == (GOLDEN / "report-gen7-day.json").read_bytes()
    assert (
        report.to_csv("set_product_trend").encode() == (GOLDEN / "report-gen7-day.csv").read_bytes()
    )
    monkeypatch.chdir(ROOT)
    plain = interact_cli.report([Path("sample_data/events.ndjson")])
    assert plain.to_json() == (GOLDEN / "report-sample.json").read_bytes()
    assert plain.to_csv().encode() == (GOLDEN / "report-sample.csv").read_bytes()


def test_json_is_written_in_pieces_with_the_same_bytes(monkeypatch):
    from interact_cli import serialize

    report = interact_cli.report(SAMPLE / "events.ndjson", actions=True, interval="week")
    whole = report.to_json()
    monkeypatch.setattr(serialize, "CHUNK_ROWS", 7)
    assert len(list(report.json_chunks())) > 20
    assert report.to_json() == whole
    assert report.to_csv("products") == interact_cli.report(
        SAMPLE / "events.ndjson", actions=True, interval="week"
    ).to_csv("products")


def test_frames_equal_the_json_rows_and_have_the_documented_types(gen7):
    report = interact_cli.report(gen7 / "gen7.ndjson", **GEN7_API)  # type: ignore[arg-type]
    document = json.loads(report.to_json())
    assert list(document) == ["summary", *report.tables()]
    for name, frame in report.tables().items():
        assert report.rows(name) == document[name], name
        if document[name]:
            assert frame.columns == list(document[name][0]), name
    schema = report.sets.schema
    assert schema["set_id"] == pl.String and schema["click"] == pl.UInt64
    assert schema["ordered"] == pl.UInt64 and schema["ctr_low"] == pl.Float64
    assert schema["low_sample"] == pl.Boolean
    assert schema["order_revenue"] == pl.List(
        pl.Struct({"currency": pl.String, "amount": pl.Float64})
    )
    assert schema["actions"] == pl.List(pl.Struct({"action": pl.String, "count": pl.UInt64}))
    assert report.products.schema["sets"] == pl.UInt64
    assert set(report.trends) == {"trend", "set_product_trend"}


def test_options_are_the_commands(tmp_path):
    sample = SAMPLE / "events.ndjson"
    top = interact_cli.report(sample, by="product", top=3, sort="click")
    assert top.products.height == 3
    assert top.products["click"].to_list() == sorted(top.products["click"].to_list(), reverse=True)
    one = interact_cli.report(sample).sets["set_id"][0]
    chosen = interact_cli.report(sample, set=[one[:8]])
    assert chosen.sets["set_id"].to_list() == [one]
    assert interact_cli.report(sample, set=one).sets.height == 1  # one string, one id
    window = interact_cli.report(sample, since="2026-10-02", until="2026-10-03", tz="Asia/Tokyo")
    assert window.summary["since"] == "2026-10-02T00:00:00+09:00"
    assert interact_cli.report(sample, workers=1).to_json() == interact_cli.report(sample).to_json()


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"by": "nope"}, OptionError, "by: 'nope'"),
        ({"interval": "hour"}, OptionError, "interval"),
        ({"top": -1}, OptionError, "top: -1"),
        ({"top": 2.5}, OptionError, "whole number"),
        ({"workers": 0}, OptionError, "workers"),
        ({"sort": "nope"}, OptionError, "has no field"),
        ({"since": "yesterday-ish"}, OptionError, "--since"),
        ({"tz": "Mars/Olympus"}, OptionError, "Mars"),
        ({"storage_option": ["no-equals"]}, OptionError, "KEY=VALUE"),
        ({"set": [1]}, OptionError, "strings"),
        ({"cluster": "local:x"}, Exception, "local"),
    ],
)
def test_bad_options_raise_the_librarys_exceptions(options, error, words):
    with pytest.raises(error, match=re.escape(words)) as raised:
        interact_cli.report(SAMPLE / "events.ndjson", **options)
    assert not isinstance(raised.value, SystemExit)
    assert isinstance(raised.value, (OptionError, InputError, interact_cli.ClusterError))


def test_bad_inputs_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        interact_cli.report(tmp_path / "missing.ndjson")
    with pytest.raises(InputError):
        interact_cli.validate([str(tmp_path)])
    with pytest.raises(OptionError, match="no inputs"):
        interact_cli.validate([])
    with pytest.raises(OptionError, match="max_problems"):
        interact_cli.validate(SAMPLE / "broken.ndjson", max_problems=-1)


def test_validate_gives_frames_and_the_commands_json(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    checked = interact_cli.validate("sample_data/broken.ndjson")
    assert checked.to_json() == (GOLDEN / "validate-broken.json").read_bytes()
    assert checked.to_json() == cli("validate", "sample_data/broken.ndjson", "-f", "json")
    document = json.loads(checked.to_json())
    assert checked.summary == document["summary"] and checked.fails()
    assert checked.problems.to_dicts() == document["problems"]
    assert checked.by_code.to_dicts() == document["by_code"]
    assert checked.files.to_dicts() == document["files"]
    few = interact_cli.validate("sample_data/broken.ndjson", max_problems=3)
    assert few.problems.height == 3 and few.summary == checked.summary
    assert few.to_json() == cli(
        "validate", "sample_data/broken.ndjson", "-f", "json", "--max-problems", "3"
    )
    clean = interact_cli.validate(SAMPLE / "events.ndjson", valid_out=tmp_path / "ok.ndjson")
    assert not clean.fails() and clean.fails(strict=True)  # it has warnings
    assert clean.problems.schema["line"] == pl.Int64 and clean.problems.height > 0
    assert (tmp_path / "ok.ndjson").read_bytes() == (SAMPLE / "events.ndjson").read_bytes()


def test_a_file_name_that_is_not_utf8_is_escaped_in_the_frames(tmp_path):
    name = tmp_path / b"l\xffatin.ndjson".decode("utf-8", "surrogateescape")
    shutil.copy(SAMPLE / "broken.ndjson", name)
    checked = interact_cli.validate(str(name))
    assert checked.files["path"][0].endswith("l\\xffatin.ndjson")
    assert json.loads(checked.to_json())["files"][0]["path"] == str(name)


def test_the_api_prints_nothing(capfd, tmp_path):
    interact_cli.report([SAMPLE / "events.ndjson", SAMPLE / "broken.ndjson"], set=["zzz"])
    interact_cli.validate(SAMPLE / "broken.ndjson")
    assert capfd.readouterr() == ("", "")


def test_importing_the_package_loads_neither_polars_nor_the_kernel():
    probe = "import sys, interact_cli; print('polars' in sys.modules, 'interact_cli._core' in sys.modules, interact_cli.__version__)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split()[:2] == ["False", "False"]
    with pytest.raises(AttributeError):
        interact_cli.nothing_here  # noqa: B018


def test_the_documented_example_runs(capsys, monkeypatch):
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert example is not None
    monkeypatch.chdir(ROOT)
    exec(compile(example.group(1), "example.py", "exec"), {})
    assert "cannot read:" in capsys.readouterr().out


def test_every_example_in_the_api_docs_passes_mypy_strict(tmp_path):
    # One mypy run for all of them (each run costs ~13 s, most of it Polars' stubs); the
    # compare and export examples are run by their own tests.
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) >= 4
    folder = tmp_path / "examples"
    folder.mkdir()
    for number, block in enumerate(blocks):
        (folder / f"example_{number}.py").write_text(block)
    assert mypy_strict(folder, tmp_path / "c") == ""


floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [1e16, -1e16, 1e-5, 1e-7, 5e-324, 0.0, -0.0]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(),
            floats,
            st.one_of(st.none(), st.integers(0, 2**64 - 1)),
            st.booleans(),
            st.lists(st.tuples(st.text(), floats), max_size=3),
        ),
        max_size=40,
    ),
    st.integers(1, 9),
)
def test_json_from_frames_is_msgspecs_json_of_the_rows(rows, chunk):
    # Any text, float (NaN, infinities, big and tiny exponents), count or mapping gives
    # the bytes msgspec gives for the same rows as Python data.
    from interact_cli import serialize

    pairs = [sorted({k: v for k, v in row[4]}.items()) for row in rows]
    frame = pl.DataFrame(
        {
            "id": [r[0] for r in rows],
            "rate": [r[1] for r in rows],
            "n": pl.Series([r[2] for r in rows], dtype=pl.UInt64),
            "flag": [r[3] for r in rows],
            "map": pl.Series(
                [[{"key": k, "value": v} for k, v in p] for p in pairs],
                dtype=pl.List(pl.Struct({"key": pl.String, "value": pl.Float64})),
            ),
        }
    )
    plain = [
        {"id": r[0], "rate": r[1], "n": r[2], "flag": r[3], "map": dict(p)}
        for r, p in zip(rows, pairs, strict=True)
    ]
    want = serialize.to_json({"summary": {"x": 1}, "t": plain})
    old, serialize.CHUNK_ROWS = serialize.CHUNK_ROWS, chunk
    try:
        got = b"".join(serialize.document_json({"x": 1}, {"t": frame}))
    finally:
        serialize.CHUNK_ROWS = old
    assert got == want


@pytest.mark.parametrize(
    "options",
    [
        {"set": None},  # None is no --set: fine
        {"tz": None},  # None is the default zone (or a state's): fine
        {"tz": 5},
        {"since": 5},
        {"time_field": 5},
        {"by": ["set"]},
        {"storage_option": 5},
        {"cluster": 5},
        {"actions": "yes"},
        {"set": ["\udcff"]},
        {"sort": 1.5},
    ],
)
def test_options_of_the_wrong_type_are_option_errors(options):
    if options in ({"set": None}, {"tz": None}):
        assert interact_cli.report(SAMPLE / "events.ndjson", **options).sets.height == 40
        return
    with pytest.raises(OptionError):
        interact_cli.report(SAMPLE / "events.ndjson", **options)


@pytest.mark.parametrize("inputs", [None, 5, [5], [b"x.ndjson"]])
def test_inputs_of_the_wrong_type_are_option_errors(inputs):
    with pytest.raises(OptionError, match="inputs"):
        interact_cli.report(inputs)
    with pytest.raises(OptionError, match="inputs"):
        interact_cli.validate(inputs)


def test_validate_options_of_the_wrong_type_are_option_errors():
    for options in ({"max_problems": None}, {"valid_out": 5}, {"cluster": 5}):
        with pytest.raises(OptionError):
            interact_cli.validate(SAMPLE / "broken.ndjson", **options)


def test_report_notices_hold_the_notes_on_inputs_and_empty_trends_have_string_periods(tmp_path):
    folder = tmp_path / "g"
    folder.mkdir()
    shutil.copy(SAMPLE / "events.ndjson", folder / "a.ndjson")
    (folder / "b.ndjson").symlink_to("a.ndjson")
    (folder / "c.ndjson").symlink_to("nothing")
    notices = interact_cli.report(str(folder / "*.ndjson")).notices
    assert any("read once" in n for n in notices) and any("link to nothing" in n for n in notices)
    (tmp_path / "empty.ndjson").write_bytes(b"")
    empty = interact_cli.report(tmp_path / "empty.ndjson", interval="day")
    assert empty.trends["trend"].schema["period"] == pl.String
