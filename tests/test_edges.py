"""Edges a careful user hits (issue 27), each through the real CLI in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from tests.test_report import interact as click

EVENTS = SAMPLE / "events.ndjson"


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    """interact-cli in a subprocess, stdout and stderr captured as text."""
    merged = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "interact_cli", *args],
        capture_output=True,
        text=True,
        env=merged,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def shell(command: str, env: dict[str, str] | None = None):
    """A shell command with $CLI standing for interact-cli."""
    merged = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", **(env or {})}
    merged["CLI"] = f"{sys.executable} -m interact_cli"
    return subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, env=merged, timeout=120
    )


def interact(set_id: str, sku: str, user: str = "u") -> str:
    """One click on `sku` in set `set_id`, as text (test_report's event)."""
    return click(set_id, sku, user, "click").decode()


@pytest.mark.parametrize(
    "args",
    [
        ["validate", str(EVENTS)],
        ["validate", str(EVENTS), "-f", "json"],
        *(["report", str(EVENTS), "-f", f] for f in ("table", "json", "csv", "markdown")),
    ],
)
def test_a_closed_stdin_is_no_crash_when_stdin_is_not_an_input(args):
    done = shell("$CLI " + " ".join(args) + " <&-")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_stdin_as_an_input_when_it_is_closed_is_exit_2_in_one_line():
    done = shell("$CLI validate - <&-")
    assert done.returncode == 2
    assert done.stderr == "interact-cli: error: -: standard input is closed\n"


@pytest.mark.parametrize("width", ["0", "-3", "1", "39", "abc", "99999999"])
def test_nonsense_widths_print_at_a_sane_width(width):
    for args in (["validate", str(EVENTS)], ["report", str(EVENTS)], ["codes"], ["--help"]):
        done = run(*args, env={"COLUMNS": width})
        assert done.returncode == 0, (args, done.stderr)
        lines = done.stdout.splitlines()
        assert len(done.stdout) > 300, (args, width)
        assert max(map(len, lines)) <= 1000
        if width.lstrip("-").isdigit() and int(width) < 40:
            assert max(map(len, lines)) <= 40 or args == ["--help"], (args, width)


def test_csv_cells_that_a_spreadsheet_would_run_get_an_apostrophe(tmp_path):
    ids = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2", "\tx"]
    path = tmp_path / "formulas.ndjson"
    path.write_text("".join(interact(i, i) + "\n" for i in ids))
    done = run("report", str(path), "-f", "csv", "--by", "set-product")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert sorted(r["set_id"] for r in rows) == sorted("'" + i for i in ids)
    assert sorted(r["sku"] for r in rows) == sorted("'" + i for i in ids)
    assert all(r["click"] == "1" for r in rows)  # numbers are left alone
    raw = run("report", str(path), "-f", "csv", "--by", "set-product", "--csv-raw")
    assert sorted(r["set_id"] for r in csv.DictReader(io.StringIO(raw.stdout))) == sorted(ids)


@pytest.mark.parametrize(
    ("encoding", "what"),
    [("utf-16", "UTF-16 text (little-endian)"), ("utf-32", "UTF-32 text (little-endian)")],
)
def test_utf16_and_utf32_files_are_named_as_such(tmp_path, encoding, what):
    path = tmp_path / "wide.ndjson"
    path.write_bytes((interact("s", "p") + "\n").encode(encoding))
    done = run("validate", str(path))
    assert done.returncode == 2
    assert done.stderr == (
        f"interact-cli: error: {path}: {what}, not UTF-8; convert it first, "
        f"e.g. iconv -f {encoding.upper()} -t UTF-8\n"
    )


def test_shortened_set_ids_never_cut_an_escape(tmp_path):
    # Ids alike in their first characters, with control characters around the cut.
    ids = [f"set\u202e\x1b{n:03d}-{'x' * 60}" for n in range(12)]
    path = tmp_path / "escapes.ndjson"
    path.write_text("".join(interact(i, f"sku-{n}") + "\n" for n, i in enumerate(ids)))
    done = run("report", str(path), "--by", "set", env={"COLUMNS": "60"})
    assert done.returncode == 0, done.stderr
    assert "shortened" in done.stdout
    cells = [line.split()[0] for line in done.stdout.splitlines() if "set\\" in line]
    assert len(cells) >= 12
    # Cut after the escapes (8 characters of the id), not inside `\u202e`.
    assert {cell[: len("set\\u202e\\x1b")] for cell in cells} == {"set\\u202e\\x1b"}


# Starts a command and prints its peak RSS in KiB: a child forked from pytest would
# inherit pytest's peak (Linux keeps it across exec), one forked from here does not.
PEAK_RSS = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def test_generate_builds_only_the_products_its_events_use(tmp_path):
    # Ten events of a catalogue of ten million products took 30 s and 1.6 GB.
    out = tmp_path / "ten.ndjson"
    command = [sys.executable, "-m", "interact_cli", "generate", "--events", "10"]
    command += ["--products", "10000000", "-o", str(out)]
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command], capture_output=True, text=True, check=True
    )
    code, peak_kib = map(int, done.stdout.split())
    assert code == 0
    assert peak_kib < 200 * 1024  # the interpreter and its imports
    assert len(out.read_bytes().splitlines()) == 10
    assert run("validate", str(out)).returncode == 0


def test_a_bare_date_in_since_and_until_is_that_date_in_the_zone(tmp_path):
    # 00:30 in Berlin on New Year's Day is 23:30Z the day before: it is in the range.
    def at(time: str) -> str:
        event = json.loads(interact("s", "p"))
        event["timestamp"] = time
        return json.dumps(event)

    times = ["2025-12-31T22:59:59Z", "2025-12-31T23:30:00Z", "2026-01-01T22:59:59Z"]
    times += ["2026-01-01T23:00:00Z"]  # midnight of the 2nd in Berlin: after --until
    path = tmp_path / "newyear.ndjson"
    path.write_text("".join(at(t) + "\n" for t in times))
    args = ["report", str(path), "-f", "json", "--since", "2026-01-01", "--until", "2026-01-01"]
    done = run(*args, "--tz", "Europe/Berlin", "--interval", "day")
    doc = json.loads(done.stdout)
    assert doc["summary"]["outside_time_range"] == 2
    assert doc["summary"]["since"] == "2026-01-01T00:00:00+01:00"
    assert doc["summary"]["until"] == "2026-01-02T00:00:00+01:00"
    assert [(row["period"], row["click"]) for row in doc["trend"]] == [("2026-01-01", 2)]
    # A time without an offset is a wall-clock time in the zone; an explicit offset wins.
    json_report = ["report", str(path), "-f", "json", "--tz", "Europe/Berlin"]
    naive = run(*json_report, "--since", "2026-01-01T00:30:00")
    assert json.loads(naive.stdout)["summary"]["outside_time_range"] == 1
    explicit = run(*json_report, "--since", "2026-01-01T00:30:00Z")
    assert json.loads(explicit.stdout)["summary"]["outside_time_range"] == 2
    table = run("report", str(path), *args[4:], "--tz", "Europe/Berlin")
    assert "events from 2026-01-01T00:00:00+01:00 until 2026-01-02T00:00:00+01:00" in table.stdout


def test_a_symlink_loop_under_globstar_is_named_and_not_followed(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.ndjson").write_text(interact("s", "p") + "\n")
    (tmp_path / "a" / "b" / "up").symlink_to(tmp_path / "a")
    (tmp_path / "a" / "twin").symlink_to(tmp_path / "a" / "b")  # a second way in: once
    for command in ("validate", "report"):
        done = run(command, str(tmp_path / "**" / "*.ndjson"), "-f", "json")
        assert done.returncode == 0, done.stderr
        assert done.stderr == (
            f"interact-cli: note: {tmp_path}/a/b/up: a link back to {tmp_path}/a, "
            "which it is inside (a loop): not followed\n"
        )
    doc = json.loads(run("validate", str(tmp_path / "**" / "*.ndjson"), "-f", "json").stdout)
    assert [f["path"] for f in doc["files"]] == [str(tmp_path / "a" / "b" / "x.ndjson")]


def test_globstar_matches_what_glob_matches_where_there_is_no_link(tmp_path):
    import glob

    from interact_cli.inputs import _glob

    for folder in ("a/b/c", "a/.hidden", "d", ".e/f"):
        (tmp_path / folder).mkdir(parents=True)
    for name in ("a/x.ndjson", "a/b/c/y.ndjson", "a/.hidden/z.ndjson", "d/w.gz", ".e/f/v.ndjson"):
        (tmp_path / name).write_text("")
    for pattern in ("**/*.ndjson", "a/**", "**/c/*", "*/**/*.gz", "**"):
        full = str(tmp_path / pattern)
        ours = [path for path in _glob(full, []) if os.path.isfile(path)]
        theirs = [p for p in sorted(glob.glob(full, recursive=True)) if os.path.isfile(p)]
        assert ours == theirs and ours, pattern  # folders are not inputs


def test_a_file_that_changes_while_it_is_read(tmp_path):
    # Deterministic through the library: the size is taken when inputs are resolved, and
    # the file is changed before it is read (through the CLI the window is milliseconds).
    from interact_cli import _core
    from interact_cli.engine import feed_sources
    from interact_cli.errors import InputError
    from interact_cli.inputs import resolve_inputs

    line = (interact("s", "p") + "\n").encode()
    path = tmp_path / "moving.ndjson"
    path.write_bytes(line * 10)
    grown = resolve_inputs([str(path)])
    with path.open("ab") as more:
        more.write(line * 5)
    notes: list[str] = []
    scan = _core.Scan(keep=0)
    feed_sources(grown, scan, notes=notes)
    assert scan.result()["summary"]["lines"] == 10  # as it was when the run began
    size = len(line)
    assert notes == [
        f"{path}: grew from {10 * size:,} to {15 * size:,} bytes while it was read; "
        f"{10 * size:,} were read"
    ]
    shrunk = resolve_inputs([str(path)])
    path.write_bytes(line * 3)
    with pytest.raises(InputError, match=r"shrank from .* to .* bytes while it was read"):
        feed_sources(shrunk, _core.Scan(keep=0))


def test_a_file_name_that_is_not_utf8_is_escaped_in_tables_and_lossless_in_json(tmp_path):
    name = os.fsdecode(b"l\xffatin.ndjson")  # Python holds the byte as a surrogate escape
    path = tmp_path / name
    path.write_text(interact("s", "p") + "\n{}\n")
    other = tmp_path / "plain.ndjson"
    other.write_text(interact("s", "p") + "\n")
    table = run("validate", str(path), str(other), env={"COLUMNS": "400"})
    assert table.returncode == 1, table.stderr
    assert f"{tmp_path}/l\\xffatin.ndjson" in table.stdout
    as_json = subprocess.run(
        [sys.executable, "-m", "interact_cli", "validate", str(path), "-f", "json"],
        capture_output=True,
        check=False,
    )
    assert as_json.returncode == 1
    doc = json.loads(as_json.stdout)  # ASCII JSON; the byte as \udcff
    assert os.fsencode(doc["files"][0]["path"]) == os.fsencode(str(path))
    assert os.fsencode(doc["problems"][0]["file"]) == os.fsencode(str(path))
    assert run("report", str(path), str(other), "-f", "json").returncode == 0
    missing = run("validate", str(tmp_path / os.fsdecode(b"gone\xfe.ndjson")))
    assert missing.returncode == 2
    assert missing.stderr == f"interact-cli: error: {tmp_path}/gone\\xfe.ndjson: no such file\n"


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_output_an_encoding_cannot_hold_is_escaped(tmp_path, encoding):
    path = tmp_path / "wide.ndjson"
    path.write_text(interact("sät–1", "p") + "\n" + "{}\n")
    env = {**os.environ, "COLUMNS": "100", "PYTHONIOENCODING": encoding}

    def run_in(*args: str) -> tuple[int, str, str]:
        done = subprocess.run(
            [sys.executable, "-m", "interact_cli", *args],
            capture_output=True,
            env=env,
            timeout=120,
            check=False,
        )
        out = done.stdout.decode("utf-8" if "json" in args else encoding)
        return done.returncode, out, done.stderr.decode(encoding)

    for args in (
        ["report", str(path)],
        ["report", str(path), "-f", "csv"],
        ["report", str(path), "-f", "markdown"],
        ["validate", str(path)],
        ["codes"],
    ):
        code, out, err = run_in(*args)
        assert code in (0, 1), (args, err)
        assert err in (
            "",
            "interact-cli: skipped 1 invalid line; run `interact-cli validate` to see why\n",
        ), err
        assert len(out) > 100
        if args[0] == "report":
            assert "\\u2013" in out  # the en dash of the set id, escaped
    code, out, _ = run_in("report", str(path), "-f", "json")
    assert code == 0 and json.loads(out)  # JSON: UTF-8 whatever the encoding


def complete(shell: str, words: str) -> str:
    """What interact-cli answers a shell's completion request for the words typed."""
    env = {"_INTERACT_CLI_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": words}
    if shell == "bash":
        env |= {"COMP_WORDS": words, "COMP_CWORD": str(len(words.split(" ")) - 1)}
    if shell == "fish":
        env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    # The console script: the shells' scripts call it by that name.
    script = Path(sys.executable).parent / "interact-cli"
    done = subprocess.run(
        [str(script)], capture_output=True, text=True, env={**os.environ, **env}, timeout=60
    )
    assert "Usage" not in done.stdout, done.stdout  # an answer, not the help
    return done.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_of_commands_options_and_choices(shell):
    assert "report" in complete(shell, "interact-cli re")
    assert "--interval" in complete(shell, "interact-cli report --int")
    by = complete(shell, "interact-cli report --by ")
    assert all(choice in by for choice in ("set", "product", "set-product"))
    assert all(p in complete(shell, "interact-cli report --interval ") for p in ("day", "week"))
    assert "json" in complete(shell, "interact-cli validate --format ")


def test_shell_completion_falls_back_to_file_names():
    assert complete("zsh", "interact-cli report sample") == "_files\n"
    assert complete("bash", "interact-cli report sample").strip() == ""  # -o default: files
    bash = Path(sys.executable).parent / "interact-cli"
    script = subprocess.run(
        [str(bash), "--show-completion"], capture_output=True, text=True, check=True
    ).stdout
    assert "complete -o default -F _interact_cli_completion interact-cli" in script


def on_a_terminal(args: list[str], feed: list[bytes], pause: float) -> str:
    """Run interact-cli with stderr on a pseudo-terminal and stdin fed in parts, a pause
    between them; what the terminal showed, escape sequences and all."""
    import pty
    import threading
    import time

    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "interact_cli", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
        env={**os.environ, "COLUMNS": "100"},
    )
    os.close(terminal)
    shown: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(controller, 65536)
            except OSError:
                return
            if not data:
                return
            shown.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert process.stdin is not None
    for part in feed:
        process.stdin.write(part)
        process.stdin.flush()
        time.sleep(pause)
    process.stdin.close()
    process.wait(timeout=120)
    reader.join(timeout=5)
    os.close(controller)
    return b"".join(shown).decode("utf-8", "replace")


def test_progress_of_a_stream_shows_bytes_and_rate_without_a_total():
    line = (interact("s", "p") + "\n").encode()
    big = line * (6 * 1024 * 1024 // len(line))  # past the size a bar is shown for
    shown = on_a_terminal(["validate", "-"], [big, line], pause=1.0)
    assert "reading" in shown
    assert "/s" in shown  # the rate
    assert re.search(r"\d+(\.\d+)? MB", shown)


def test_the_reports_aggregation_shows_a_spinner_with_its_time(tmp_path):
    line = (interact("s", "p") + "\n").encode()
    big = line * (6 * 1024 * 1024 // len(line))
    shown = on_a_terminal(["report", "-", "-o", os.devnull], [big], pause=0.5)
    assert "aggregating" in shown
    assert any(frame in shown for frame in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")  # a spinner, not a still bar
    assert re.search(r"aggregating.{0,40}0:00:0\d", shown)  # the time it has taken


def test_a_byte_order_mark_alone_is_a_broken_line_not_a_wide_file(tmp_path):
    path = tmp_path / "marked.ndjson"
    path.write_bytes(b'\xff\xfe{"a":1}\n')  # FF FE, then UTF-8: no NUL of UTF-16
    done = run("validate", str(path))
    assert done.returncode == 1 and done.stdout.startswith("1 line: 0 valid, 1 invalid")


def test_html_without_its_extra_is_exit_2_with_the_hint(tmp_path):
    # A sitecustomize that hides altair, as an install without the html extra has it.
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "def find_spec(name, *a, **k):\n"
        "    return None if name in ('altair', 'vl_convert') else real(name, *a, **k)\n"
        "importlib.util.find_spec = find_spec\n"
    )
    env = {"PYTHONPATH": str(hide)}
    done = run("report", str(EVENTS), "-f", "html", "-o", str(tmp_path / "r.html"), env=env)
    assert done.returncode == 2
    assert done.stderr == (
        "interact-cli: error: --format html and --chart-dir need the html extra: "
        "pip install 'interact-cli[html]'\n"
    )
    assert not (tmp_path / "r.html").exists()


def test_globstar_skips_broken_and_looping_links_and_reads_a_linked_file_once(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "ok.ndjson").write_text(interact("s", "p") + "\n")
    (tmp_path / "c" / "self").symlink_to("self")  # a link to itself
    (tmp_path / "c" / "dead.ndjson").symlink_to("nothing.ndjson")
    (tmp_path / "c" / "link.ndjson").symlink_to(tmp_path / "ok.ndjson")
    done = run("validate", str(tmp_path / "**" / "*.ndjson"), "-f", "json")
    assert done.returncode == 0, done.stderr
    assert [f["path"] for f in json.loads(done.stdout)["files"]] == [str(tmp_path / "ok.ndjson")]
    assert done.stderr == (
        f"interact-cli: note: {tmp_path}/c/self: Too many levels of symbolic links: "
        "not followed\n"
        f"interact-cli: note: {tmp_path}/c/dead.ndjson: a link to nothing: left out\n"
        f"interact-cli: note: {tmp_path}/c/link.ndjson: the same file as "
        f"{tmp_path}/ok.ndjson: read once\n"
    )


def test_utf16_inside_a_compressed_file_or_stream_is_named(tmp_path):
    import gzip

    wide = (interact("s", "p") + "\n").encode("utf-16")
    packed = tmp_path / "wide.ndjson.gz"
    packed.write_bytes(gzip.compress(wide))
    done = run("validate", str(packed))
    assert done.returncode == 2 and "UTF-16 text (little-endian)" in done.stderr
    piped = subprocess.run(
        [sys.executable, "-m", "interact_cli", "validate", "-"],
        input=gzip.compress(wide),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert piped.returncode == 2 and b"<stdin>: UTF-16 text" in piped.stderr


@pytest.mark.parametrize(
    ("bounds", "code", "until"),
    [
        (["--until", "9999-12-31"], 0, None),  # the last day: no bound after it
        (["--until", "9999-12-30T23:00:00Z", "--tz", "Pacific/Kiritimati"], 0, "+14:00"),
        (["--since", "0001-01-01T00:00:00", "--tz", "Asia/Tokyo"], 2, None),  # before year 1
        (["--until", "9999-12-31T23:59:59", "--tz", "Pacific/Honolulu"], 2, None),  # 10000
        (["--until", "9999-12-31", "--tz", "Pacific/Honolulu"], 0, None),
    ],
)
def test_bounds_at_the_ends_of_the_calendar_are_no_internal_error(bounds, code, until):
    done = run("report", str(EVENTS), "-f", "json", *bounds)
    assert done.returncode == code, done.stderr
    if code == 0:
        summary = json.loads(done.stdout)["summary"]
        assert summary["until"] is None if until is None else summary["until"].endswith(until)
    else:
        assert done.stderr.startswith("interact-cli: error: --") and "out of range" in done.stderr


def test_a_table_of_200k_sets_is_written_in_pieces(tmp_path):
    # One click on each of 200,000 sets: JSON and CSV used to hold every row as a Python
    # dict and the whole document (650 and 500 MB here; 2.9 and 2.1 GB at a million
    # sets); written a slice at a time, the peak is the scan's own.
    head, tail = click("SET-ID", "p", "u", "click").split(b"SET-ID")
    dump = tmp_path / "sets.ndjson"
    with dump.open("wb") as out:
        out.writelines(b"%s%06d%s\n" % (head, i, tail) for i in range(200_000))
    for format in ("json", "csv"):
        out = tmp_path / f"out.{format}"
        command = [sys.executable, "-m", "interact_cli", "report", str(dump), "-f", format]
        done = subprocess.run(
            [sys.executable, "-c", PEAK_RSS, *command, "-o", str(out)],
            capture_output=True,
            text=True,
            check=True,
        )
        code, peak_kib = map(int, done.stdout.split())
        assert code == 0
        assert peak_kib < 300 * 1024, (format, peak_kib)
    rows = json.loads((tmp_path / "out.json").read_bytes())["sets"]
    assert len(rows) == 200_000 and {r["click"] for r in rows} == {1}
    assert len((tmp_path / "out.csv").read_text().splitlines()) == 200_001


def test_completion_with_no_shell_above_falls_back_to_dollar_shell(tmp_path):
    # Started by nohup/cron/a detached job, Typer found no shell among the parents and
    # --show-completion said "Shell not supported" (exit 1); $SHELL names it now.
    out = tmp_path / "script"
    script = Path(sys.executable).parent / "interact-cli"
    command = f"setsid -f {script} --show-completion > {out} 2>&1"
    subprocess.run(["sh", "-c", command], env={**os.environ, "SHELL": "/bin/zsh"}, check=True)
    for _ in range(100):
        if "compdef" in (out.read_text() if out.exists() else ""):
            break
        import time

        time.sleep(0.1)
    assert "compdef _interact_cli_completion interact-cli" in out.read_text()
